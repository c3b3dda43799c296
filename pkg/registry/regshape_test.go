package registry

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/base64"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// regshapeSrc is a provider written in the public registry's shape (see
// its README's section on pulling from the public registry): a source tree
// at v00.00.00000 whose documents the anchor tool accepts but skyql's
// strict checks used to refuse.
const regshapeSrc = "testdata/regshape/azure"

// registryStyleDist builds a dist folder the way the public registry's
// workflow does (scripts/package: the version replaced in provider.yaml,
// a .sig of its own format beside each document, `tar -czf <version>.tgz
// <version>` of a folder a Mac packer left a .DS_Store in); edit rewrites
// provider.yaml after the version is set.
func registryStyleDist(t *testing.T, version string, edit func(string) string) string {
	t.Helper()
	src := filepath.Join(regshapeSrc, "v00.00.00000")
	files := map[string][]byte{}
	for _, rel := range []string{"provider.yaml", "services/storage.yaml"} {
		data, err := os.ReadFile(filepath.Join(src, rel))
		if err != nil {
			t.Fatal(err)
		}
		files[rel] = data
	}
	doc := strings.ReplaceAll(string(files["provider.yaml"]), "v00.00.00000", version)
	if edit != nil {
		doc = edit(doc)
	}
	files["provider.yaml"] = []byte(doc)
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	add := func(name string, data []byte) {
		hdr := &tar.Header{Name: name, Mode: 0o644, ModTime: time.Unix(1650000000, 0), Uname: "admin", Gname: "staff", Typeflag: tar.TypeReg, Size: int64(len(data))}
		if strings.HasSuffix(name, "/") {
			hdr.Typeflag, hdr.Mode, hdr.Size = tar.TypeDir, 0o755, 0
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	add(version+"/", nil)
	add(version+"/.DS_Store", []byte("\x00\x00\x00\x01Bud1"))
	add(version+"/services/", nil)
	for _, rel := range []string{"provider.yaml", "services/storage.yaml"} {
		add(version+"/"+rel+".sig", foreignSignature79(t))
		add(version+"/"+rel, files[rel])
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	dist := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dist, "azure"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dist, "azure", version+".tgz"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	index := "providers:\n  azure:\n    versions:\n    - " + version + "\n"
	if err := os.WriteFile(filepath.Join(dist, IndexFile), []byte(index), 0o644); err != nil {
		t.Fatal(err)
	}
	return dist
}

// foreignSignature79 is a .sig in the public registry's format: base64 of
// 79 bytes (a header, a timestamp and an Ed25519 signature), not skyql's
// bare 64-byte signature.
func foreignSignature79(t *testing.T) []byte {
	raw := make([]byte, 79)
	if _, err := rand.Read(raw); err != nil {
		t.Fatal(err)
	}
	return []byte(base64.StdEncoding.EncodeToString(raw))
}

func TestRegistryStyleArchiveNeedsSkipVerifyThenInstallsWithWarnings(t *testing.T) {
	dist := registryStyleDist(t, "v0.1.0", nil)
	r, _ := openTrusting(t, fileURL(dist), nil)
	appDir := t.TempDir()
	_, err := r.Pull(context.Background(), "azure", "", appDir)
	if err == nil || !strings.Contains(err.Error(), "is not a skyql signature (it decodes to 79 bytes") || !strings.Contains(err.Error(), "--insecure-skip-verify") {
		t.Fatalf("Pull of a foreign-signed archive: %v; want it refused, naming --insecure-skip-verify", err)
	}
	assertNothingInstalled(t, appDir, "azure")

	var warnings bytes.Buffer
	r, err = Open(Config{URL: fileURL(dist), VerifyConfig: VerifyConfig{NopVerify: true}, Warnings: &warnings})
	if err != nil {
		t.Fatal(err)
	}
	entry, err := r.Pull(context.Background(), "azure", "", appDir)
	if err != nil {
		t.Fatalf("Pull with verification off: %v", err)
	}
	for _, want := range []string{
		`signature verification is OFF`,
		`azure v0.1.0: archive azure/v0.1.0.tgz: left out "v0.1.0/.DS_Store", which is not a provider document`,
		`usages.methods.list_by_location.response.objectKey: $.value: the response schema has no property "value"`,
	} {
		if !strings.Contains(warnings.String(), want) {
			t.Errorf("warnings lack %q:\n%s", want, warnings.String())
		}
	}
	if _, err := os.Stat(filepath.Join(entry.Dir, ".DS_Store")); !os.IsNotExist(err) {
		t.Errorf(".DS_Store was extracted: %v", err)
	}
	p, err := entry.Open()
	if err != nil {
		t.Fatal(err)
	}
	s, err := p.Service("storage")
	if err != nil {
		t.Fatalf("the pulled service does not load: %v", err)
	}
	accounts, err := s.Resource("accounts")
	if err != nil || len(accounts.Columns()) == 0 {
		t.Errorf("accounts: %v, columns %v", err, accounts.Columns())
	}
}

// TestProviderVersionOtherThanItsFolderIsAWarning: the public registry's
// okta v0.1.0 archive says version "v1" in provider.yaml.
func TestProviderVersionOtherThanItsFolderIsAWarning(t *testing.T) {
	dist := registryStyleDist(t, "v0.1.0", func(doc string) string {
		return strings.Replace(doc, "version: v0.1.0", "version: v1", 1)
	})
	var warnings bytes.Buffer
	r, err := Open(Config{URL: fileURL(dist), VerifyConfig: VerifyConfig{NopVerify: true}, Warnings: &warnings})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Pull(context.Background(), "azure", "v0.1.0", t.TempDir()); err != nil {
		t.Fatalf("Pull: %v", err)
	}
	if want := `provider.yaml has version "v1", but it is filed as "v0.1.0"; it is installed as v0.1.0`; !strings.Contains(warnings.String(), want) {
		t.Errorf("warnings lack %q:\n%s", want, warnings.String())
	}
}

func TestInstallDirFromRegistrySourceTree(t *testing.T) {
	appDir := t.TempDir()
	var warnings bytes.Buffer
	// The provider folder: every version folder in it is installed.
	entries, err := InstallDir(regshapeSrc, appDir, &warnings)
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(filepath.Join(regshapeSrc, "v00.00.00000"))
	if len(entries) != 1 || entries[0].Name != "azure" || entries[0].Version != "v00.00.00000" || entries[0].Origin != OriginFromDir || entries[0].From != abs {
		t.Fatalf("InstallDir = %+v, want azure v00.00.00000 from-dir %s", entries, abs)
	}
	if !strings.Contains(warnings.String(), `objectKey: $.value: the response schema has no property "value"`) {
		t.Errorf("warnings: %s", warnings.String())
	}

	// Installed beside an embedded azure v0.1.0, the source tree's
	// v00.00.00000 is the one queries use unless v0.1.0 is pinned.
	embedded := t.TempDir()
	copyTree(t, filepath.Join(regshapeSrc, "v00.00.00000"), filepath.Join(embedded, "azure", "v0.1.0"))
	catalog, err := Catalog(os.DirFS(embedded), appDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(catalog) != 2 || catalog[0].Version != "v0.1.0" || catalog[0].InUse || catalog[1].Origin != OriginFromDir || !catalog[1].InUse {
		t.Fatalf("Catalog = %+v; want the embedded v0.1.0 listed, the from-dir v00.00.00000 in use", catalog)
	}
	pinned, err := Select(catalog, "azure", map[string]string{"azure": "v0.1.0"})
	if err != nil || pinned.Origin != OriginEmbedded {
		t.Errorf("pinned to v0.1.0: %+v, %v", pinned, err)
	}

	// Installing again from the version folder replaces the install.
	if _, err := InstallDir(filepath.Join(regshapeSrc, "v00.00.00000"), appDir, &warnings); err != nil {
		t.Fatal(err)
	}
	if _, err := InstallDir(t.TempDir(), appDir, &warnings); err == nil || !strings.Contains(err.Error(), "holds no provider.yaml") {
		t.Errorf("an empty folder: %v", err)
	}
}

func TestStrayArchiveFilesAreLeftOut(t *testing.T) {
	dist, pub := buildTestRegistry(t)
	entries := readTestArchive(t, filepath.Join(dist, "tiny", "v0.10.0.tgz"))
	entries = append(entries, archiveEntry{&tar.Header{Name: "v0.10.0/install.sh", Typeflag: tar.TypeReg, Mode: 0o755, ModTime: time.Unix(0, 0)}, []byte("rm -rf ~")},
		archiveEntry{&tar.Header{Name: "v0.10.0/__MACOSX/", Typeflag: tar.TypeDir, Mode: 0o755, ModTime: time.Unix(0, 0)}, nil})
	writeTestArchive(t, filepath.Join(dist, "tiny", "v0.10.0.tgz"), entries)
	r, warnings := openTrusting(t, fileURL(dist), pub)
	entry, err := r.Pull(context.Background(), "tiny", "v0.10.0", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"install.sh", "__MACOSX"} {
		if _, err := os.Stat(filepath.Join(entry.Dir, name)); !os.IsNotExist(err) {
			t.Errorf("%s was extracted", name)
		}
		if !strings.Contains(warnings.String(), name) {
			t.Errorf("no warning names %s: %s", name, warnings.String())
		}
	}
}

// TestGoogleArchivesAreFiledUnderGoogleapisCom: the public registry's index
// lists "google" and keeps its archives in googleapis.com/.
func TestGoogleArchivesAreFiledUnderGoogleapisCom(t *testing.T) {
	dist := registryStyleDist(t, "v1.0.4", func(doc string) string {
		return strings.NewReplacer("id: azure", "id: google", "name: azure", "name: google").Replace(doc)
	})
	if err := os.Rename(filepath.Join(dist, "azure"), filepath.Join(dist, "googleapis.com")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dist, IndexFile), []byte("providers:\n  google:\n    versions:\n    - v1.0.4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := Open(Config{URL: fileURL(dist), VerifyConfig: VerifyConfig{NopVerify: true}, Warnings: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	entry, err := r.Pull(context.Background(), "google", "", t.TempDir())
	if err != nil || entry.Name != "google" || entry.Version != "v1.0.4" {
		t.Fatalf("Pull(google) = %+v, %v; want google v1.0.4 from googleapis.com/v1.0.4.tgz", entry, err)
	}
}
