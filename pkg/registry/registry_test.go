package registry

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/skyql/skyql/pkg/internal/hostileapi"
)

const testSrc = "testdata/src"

func newKey(t *testing.T) (ed25519.PublicKey, ed25519.PrivateKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return pub, priv
}

// buildTestRegistry builds testdata/src into a fresh dist directory and
// returns it with the public key that signed it.
func buildTestRegistry(t *testing.T) (string, ed25519.PublicKey) {
	t.Helper()
	pub, priv := newKey(t)
	dist := t.TempDir()
	if err := Build(testSrc, dist, priv); err != nil {
		t.Fatalf("Build: %v", err)
	}
	return dist, pub
}

// openTrusting opens url trusting pub; warnings go to the returned buffer.
func openTrusting(t *testing.T, url string, pub ed25519.PublicKey) (*Registry, *bytes.Buffer) {
	t.Helper()
	var warnings bytes.Buffer
	cfg := Config{URL: url, Warnings: &warnings}
	if pub != nil {
		cfg.VerifyConfig.PublicKeys = []string{base64.StdEncoding.EncodeToString(pub)}
	}
	r, err := Open(cfg)
	if err != nil {
		t.Fatalf("Open(%s): %v", url, err)
	}
	return r, &warnings
}

func fileURL(dir string) string { return "file://" + filepath.ToSlash(dir) }

// assertNothingInstalled checks that a failed pull left no version folder
// and no staging folder behind.
func assertNothingInstalled(t *testing.T, appDir, provider string) {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(appDir, "src", provider))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("a failed pull left %s in %s", e.Name(), filepath.Join(appDir, "src", provider))
	}
}

func TestCompareVersions(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"v0.10.0", "v0.9.0", 1},
		{"v24.10.00256", "v24.9.00300", 1},
		{"v24.10.00256", "v24.10.256", 0},
		{"v1.0", "v1.0.1", -1},
		{"v1.0.0-rc1", "v1.0.0", -1},
		{"v1.0.0-rc2", "v1.0.0-rc1", 1},
		{"v2.0.0", "v2.0.0", 0},
	} {
		if got := CompareVersions(tc.a, tc.b); got != tc.want {
			t.Errorf("CompareVersions(%s, %s) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
	versions := []string{"v0.1.0", "v24.10.00256", "v0.10.0", "v23.03.00121", "v0.9.1"}
	SortNewestFirst(versions)
	want := []string{"v24.10.00256", "v23.03.00121", "v0.10.0", "v0.9.1", "v0.1.0"}
	if !slices.Equal(versions, want) {
		t.Errorf("SortNewestFirst = %v, want %v", versions, want)
	}
}

func TestBuildWritesIndexAndDeterministicSignedArchives(t *testing.T) {
	pub, priv := newKey(t)
	first, second := t.TempDir(), t.TempDir()
	for _, dist := range []string{first, second} {
		if err := Build(testSrc, dist, priv); err != nil {
			t.Fatalf("Build: %v", err)
		}
	}
	index, err := os.ReadFile(filepath.Join(first, IndexFile))
	if err != nil {
		t.Fatal(err)
	}
	wantIndex := "providers:\n    gadgets:\n        versions:\n            - v1.0.0\n    tiny:\n        versions:\n            - v0.10.0\n            - v0.1.0\n"
	if string(index) != wantIndex {
		t.Errorf("providers.yaml =\n%s\nwant\n%s", index, wantIndex)
	}
	for _, archive := range []string{"tiny/v0.1.0.tgz", "tiny/v0.10.0.tgz", "gadgets/v1.0.0.tgz"} {
		a, err := os.ReadFile(filepath.Join(first, archive))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(second, archive))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two builds of the same tree", archive)
		}
	}

	entries := readTestArchive(t, filepath.Join(first, "tiny/v0.10.0.tgz"))
	var names []string
	for _, e := range entries {
		names = append(names, e.hdr.Name)
		if !e.hdr.ModTime.Equal(archiveModTime) || e.hdr.Uid != 0 || e.hdr.Gid != 0 || e.hdr.Uname != "" {
			t.Errorf("%s: mtime %v uid %d gid %d uname %q, want fixed values", e.hdr.Name, e.hdr.ModTime, e.hdr.Uid, e.hdr.Gid, e.hdr.Uname)
		}
	}
	wantNames := []string{"v0.10.0/", "v0.10.0/provider.yaml", "v0.10.0/provider.yaml.sig",
		"v0.10.0/services/", "v0.10.0/services/widgets.yaml", "v0.10.0/services/widgets.yaml.sig"}
	if !slices.Equal(names, wantNames) {
		t.Errorf("archive entries %v, want %v", names, wantNames)
	}
	byName := map[string][]byte{}
	for _, e := range entries {
		byName[e.hdr.Name] = e.data
	}
	for _, doc := range []string{"v0.10.0/provider.yaml", "v0.10.0/services/widgets.yaml"} {
		source, err := os.ReadFile(filepath.Join(testSrc, "tiny", doc))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(source, byName[doc]) {
			t.Errorf("%s in the archive differs from the source", doc)
		}
		if !signedByAny([]ed25519.PublicKey{pub}, byName[doc], byName[doc+".sig"]) {
			t.Errorf("%s.sig is not a valid signature by the build key", doc)
		}
	}
}

func TestBuildRefusesInvalidSource(t *testing.T) {
	_, priv := newKey(t)
	src := t.TempDir()
	copyTree(t, filepath.Join(testSrc, "tiny", "v0.1.0"), filepath.Join(src, "tiny", "v0.1.0"))
	service := filepath.Join(src, "tiny", "v0.1.0", "services", "widgets.yaml")
	if err := os.WriteFile(service, []byte("openapi: 3.0.0\npaths: [not, a, map]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dist := t.TempDir()
	err := Build(src, dist, priv)
	if err == nil || !strings.Contains(err.Error(), "building tiny v0.1.0") {
		t.Fatalf("Build of a broken service document: %v, want an error naming tiny v0.1.0", err)
	}
	if _, statErr := os.Stat(filepath.Join(dist, IndexFile)); !os.IsNotExist(statErr) {
		t.Errorf("a failed build wrote %s", IndexFile)
	}

	if err := os.WriteFile(filepath.Join(src, "tiny", "v0.1.0", "notes.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Build(src, dist, priv); err == nil || !strings.Contains(err.Error(), "unexpected file") {
		t.Errorf("Build with a stray file: %v, want 'unexpected file'", err)
	}
}

func TestListVersionsAndPullOverFileURL(t *testing.T) {
	dist, pub := buildTestRegistry(t)
	r, warnings := openTrusting(t, fileURL(dist), pub)
	ctx := context.Background()

	list, err := r.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantList := []Listing{{"gadgets", "v1.0.0"}, {"tiny", "v0.10.0"}}
	if !slices.Equal(list, wantList) {
		t.Errorf("List = %v, want %v", list, wantList)
	}
	versions, err := r.Versions(ctx, "tiny")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(versions, []string{"v0.10.0", "v0.1.0"}) {
		t.Errorf("Versions(tiny) = %v", versions)
	}

	appDir := t.TempDir()
	entry, err := r.Pull(ctx, "tiny", "", appDir)
	if err != nil {
		t.Fatalf("Pull: %v", err)
	}
	wantDir := filepath.Join(appDir, "src", "tiny", "v0.10.0")
	if entry.Version != "v0.10.0" || entry.Dir != wantDir || entry.Origin != OriginPulled {
		t.Errorf("Pull returned %+v, want v0.10.0 pulled into %s", entry, wantDir)
	}
	assertPulledProviderLoads(t, entry, "v0.10.0")
	if warnings.Len() != 0 {
		t.Errorf("verified pull printed warnings: %s", warnings)
	}

	installed, err := Installed(appDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(installed) != 1 || installed[0].Name != "tiny" || installed[0].Version != "v0.10.0" || installed[0].Origin != OriginPulled {
		t.Errorf("Installed = %+v, want tiny v0.10.0 pulled", installed)
	}
}

// assertPulledProviderLoads opens a pulled entry and parses its service.
func assertPulledProviderLoads(t *testing.T, entry Entry, version string) {
	t.Helper()
	p, err := entry.Open()
	if err != nil {
		t.Fatalf("opening the pulled provider: %v", err)
	}
	if p.Name != entry.Name || p.Version != version {
		t.Errorf("pulled provider is %s %s, want %s %s", p.Name, p.Version, entry.Name, version)
	}
	s, err := p.Service("widgets")
	if err != nil {
		t.Fatalf("service widgets: %v", err)
	}
	if got := s.ResourceNames(); !slices.Equal(got, []string{"widgets"}) {
		t.Errorf("resources %v, want [widgets]", got)
	}
}

func TestListAndPullOverLoopbackHTTP(t *testing.T) {
	dist, pub := buildTestRegistry(t)
	server := httptest.NewServer(http.FileServer(http.Dir(dist)))
	defer server.Close()
	r, _ := openTrusting(t, server.URL+"/", pub)
	ctx := context.Background()

	list, err := r.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[1] != (Listing{"tiny", "v0.10.0"}) {
		t.Errorf("List over HTTP = %v", list)
	}
	appDir := t.TempDir()
	entry, err := r.Pull(ctx, "tiny", "v0.1.0", appDir)
	if err != nil {
		t.Fatalf("Pull over HTTP: %v", err)
	}
	assertPulledProviderLoads(t, entry, "v0.1.0")
}

func TestOpenRefusesUnsafeURLs(t *testing.T) {
	for url, want := range map[string]string{
		"http://registry.example.com/dist": "loopback hosts",
		"file://relative/dist":             "file:///abs/path",
		"file:dist":                        "absolute path",
		"ftp://example.com/dist":           "use https://",
		"":                                 "no registry URL",
	} {
		if _, err := Open(Config{URL: url}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Open(%q): %v, want an error containing %q", url, err, want)
		}
	}
	for _, url := range []string{"http://127.0.0.1:8080/dist", "http://localhost/dist", "http://[::1]:9/dist", "https://example.com/dist"} {
		if _, err := Open(Config{URL: url}); err != nil {
			t.Errorf("Open(%q): %v", url, err)
		}
	}
}

func TestRedirectToPlainHTTPIsRefused(t *testing.T) {
	server := httptest.NewServer(http.RedirectHandler("http://registry.example.com/dist/providers.yaml", http.StatusFound))
	defer server.Close()
	r, _ := openTrusting(t, server.URL, nil)
	_, err := r.List(context.Background())
	if err == nil || !strings.Contains(err.Error(), "refusing the redirect to http://registry.example.com/dist/providers.yaml") {
		t.Errorf("List through a redirect to plain http: %v", err)
	}
}

func TestUnreachableRegistryNamesURLAndCause(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nowhere")
	r, _ := openTrusting(t, fileURL(missing), nil)
	_, err := r.List(context.Background())
	if err == nil || !strings.Contains(err.Error(), fileURL(missing)) || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("List of a missing file registry: %v", err)
	}

	server := httptest.NewServer(http.NotFoundHandler())
	url := server.URL + "/dist"
	server.Close()
	r, _ = openTrusting(t, url, nil)
	_, err = r.List(context.Background())
	if err == nil || !strings.Contains(err.Error(), url) || !strings.Contains(err.Error(), "refused") {
		t.Errorf("List of a closed HTTP registry: %v, want the URL and the connection error", err)
	}
}

func TestUnknownProviderAndVersion(t *testing.T) {
	dist, pub := buildTestRegistry(t)
	r, _ := openTrusting(t, fileURL(dist), pub)
	appDir := t.TempDir()
	ctx := context.Background()

	_, err := r.Pull(ctx, "tiy", "", appDir)
	if err == nil || !strings.Contains(err.Error(), `no provider "tiy"; did you mean "tiny"?`) {
		t.Errorf("Pull(tiy): %v", err)
	}
	_, err = r.Versions(ctx, "kubernetes")
	if err == nil || !strings.Contains(err.Error(), `no provider "kubernetes"`) || strings.Contains(err.Error(), "did you mean") {
		t.Errorf("Versions(kubernetes): %v, want no suggestion", err)
	}
	_, err = r.Pull(ctx, "tiny", "v9.9.9", appDir)
	if err == nil || !strings.Contains(err.Error(), "no version v9.9.9 of tiny; available: v0.10.0, v0.1.0") {
		t.Errorf("Pull(tiny v9.9.9): %v", err)
	}
	assertNothingInstalled(t, appDir, "tiny")
}

type archiveEntry struct {
	hdr  *tar.Header
	data []byte
}

func readTestArchive(t *testing.T, file string) []archiveEntry {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var out []archiveEntry
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, archiveEntry{hdr, data})
	}
}

// writeTestArchive writes entries as a gzip tar, exactly as given.
func writeTestArchive(t *testing.T, file string, entries []archiveEntry) {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		if e.hdr.Typeflag == tar.TypeReg {
			e.hdr.Size = int64(len(e.data))
		}
		if err := tw.WriteHeader(e.hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// editArchiveFile changes one byte of the named file inside an archive.
func editArchiveFile(t *testing.T, archive, name string) {
	t.Helper()
	entries := readTestArchive(t, archive)
	for _, e := range entries {
		if e.hdr.Name == name {
			e.data[len(e.data)/2] ^= 0x01
			writeTestArchive(t, archive, entries)
			return
		}
	}
	t.Fatalf("%s has no entry %s", archive, name)
}

func TestTamperingIsRefusedAndNothingInstalled(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tamper func(t *testing.T, archive string)
		want   string
	}{
		{"one byte of the compressed archive", func(t *testing.T, archive string) {
			data, err := os.ReadFile(archive)
			if err != nil {
				t.Fatal(err)
			}
			data[len(data)/2] ^= 0x01
			if err := os.WriteFile(archive, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}, "archive tiny/v0.10.0.tgz refused"},
		{"one byte of a service document", func(t *testing.T, archive string) {
			editArchiveFile(t, archive, "v0.10.0/services/widgets.yaml")
		}, "bad signature for services/widgets.yaml"},
		{"one byte of a signature", func(t *testing.T, archive string) {
			editArchiveFile(t, archive, "v0.10.0/provider.yaml.sig")
		}, "bad signature for provider.yaml"},
		{"a signature removed", func(t *testing.T, archive string) {
			entries := readTestArchive(t, archive)
			entries = slices.DeleteFunc(entries, func(e archiveEntry) bool { return e.hdr.Name == "v0.10.0/services/widgets.yaml.sig" })
			writeTestArchive(t, archive, entries)
		}, "services/widgets.yaml has no signature"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dist, pub := buildTestRegistry(t)
			tc.tamper(t, filepath.Join(dist, "tiny", "v0.10.0.tgz"))
			r, _ := openTrusting(t, fileURL(dist), pub)
			appDir := t.TempDir()
			_, err := r.Pull(context.Background(), "tiny", "v0.10.0", appDir)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "nothing was installed") {
				t.Fatalf("Pull of a tampered archive: %v, want an error containing %q", err, tc.want)
			}
			assertNothingInstalled(t, appDir, "tiny")
		})
	}
}

func TestArchiveSignedByUntrustedKeyIsRefused(t *testing.T) {
	dist, _ := buildTestRegistry(t)
	otherKey, _ := newKey(t)
	r, _ := openTrusting(t, fileURL(dist), otherKey)
	appDir := t.TempDir()
	_, err := r.Pull(context.Background(), "gadgets", "", appDir)
	if err == nil || !strings.Contains(err.Error(), "bad signature for provider.yaml") {
		t.Fatalf("Pull signed by an untrusted key: %v", err)
	}
	assertNothingInstalled(t, appDir, "gadgets")
}

func TestNopVerifyInstallsAndWarnsEveryTime(t *testing.T) {
	dist, _ := buildTestRegistry(t)
	editArchiveFile(t, filepath.Join(dist, "tiny", "v0.10.0.tgz"), "v0.10.0/provider.yaml.sig")
	var warnings bytes.Buffer
	r, err := Open(Config{URL: fileURL(dist), VerifyConfig: VerifyConfig{NopVerify: true}, Warnings: &warnings})
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(warnings.String(), "WARNING: signature verification is OFF"); n != 1 {
		t.Errorf("Open with nopVerify printed %d warnings: %q", n, warnings.String())
	}
	entry, err := r.Pull(context.Background(), "tiny", "", t.TempDir())
	if err != nil {
		t.Fatalf("Pull with nopVerify: %v", err)
	}
	assertPulledProviderLoads(t, entry, "v0.10.0")
	if n := strings.Count(warnings.String(), "WARNING: signature verification is OFF"); n != 2 {
		t.Errorf("after a pull without verification, %d warnings, want 2: %q", n, warnings.String())
	}
}

func TestHostileArchiveEntriesAreRefused(t *testing.T) {
	file := func(name, data string) archiveEntry {
		return archiveEntry{&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, ModTime: time.Unix(0, 0)}, []byte(data)}
	}
	dir := func(name string) archiveEntry {
		return archiveEntry{&tar.Header{Name: name, Typeflag: tar.TypeDir, Mode: 0o755, ModTime: time.Unix(0, 0)}, nil}
	}
	link := func(name, target string, flag byte) archiveEntry {
		return archiveEntry{&tar.Header{Name: name, Linkname: target, Typeflag: flag, Mode: 0o777, ModTime: time.Unix(0, 0)}, nil}
	}
	for _, tc := range []struct {
		name    string
		entries []archiveEntry
		want    string
	}{
		{"dot-dot path", []archiveEntry{dir("v0.10.0/"), file("v0.10.0/../../escaped.yaml", "x")}, "climbs out of its folder"},
		{"absolute path", []archiveEntry{file("/tmp/v0.10.0/provider.yaml", "x")}, "absolute"},
		{"symlink", []archiveEntry{dir("v0.10.0/"), link("v0.10.0/provider.yaml", "/etc/passwd", tar.TypeSymlink)}, "is a symbolic link"},
		{"hard link", []archiveEntry{dir("v0.10.0/"), link("v0.10.0/provider.yaml", "/etc/passwd", tar.TypeLink)}, "is a hard link"},
		{"device", []archiveEntry{dir("v0.10.0/"), link("v0.10.0/provider.yaml", "", tar.TypeChar)}, "is a device"},
		{"outside the version folder", []archiveEntry{file("v0.1.0/provider.yaml", "x")}, "outside the v0.10.0/ folder"},
		{"duplicate entry", []archiveEntry{file("v0.10.0/provider.yaml", "a"), file("v0.10.0/provider.yaml", "b")}, "appears twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dist, pub := buildTestRegistry(t)
			writeTestArchive(t, filepath.Join(dist, "tiny", "v0.10.0.tgz"), tc.entries)
			r, _ := openTrusting(t, fileURL(dist), pub)
			appDir := t.TempDir()
			_, err := r.Pull(context.Background(), "tiny", "v0.10.0", appDir)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Pull: %v, want an error containing %q", err, tc.want)
			}
			assertNothingInstalled(t, appDir, "tiny")
			if _, err := os.Stat(filepath.Join(appDir, "escaped.yaml")); !os.IsNotExist(err) {
				t.Errorf("an entry escaped the staging folder")
			}
		})
	}
}

func TestOversizedArchivesAreRefused(t *testing.T) {
	dist, pub := buildTestRegistry(t)
	for _, tc := range []struct {
		name   string
		limits Limits
		want   string
	}{
		{"entry", Limits{IndexBytes: 1 << 20, ArchiveBytes: 1 << 20, EntryBytes: 100, TotalBytes: 1 << 20, Entries: 100}, "over the 100-byte limit"},
		{"unpacked total", Limits{IndexBytes: 1 << 20, ArchiveBytes: 1 << 20, EntryBytes: 1 << 20, TotalBytes: 1000, Entries: 100}, "unpacks to more than 1000 bytes"},
		{"download", Limits{IndexBytes: 1 << 20, ArchiveBytes: 200, EntryBytes: 1 << 20, TotalBytes: 1 << 20, Entries: 100}, "the archive exceeds the size limit"},
		{"entry count", Limits{IndexBytes: 1 << 20, ArchiveBytes: 1 << 20, EntryBytes: 1 << 20, TotalBytes: 1 << 20, Entries: 3}, "more than 3 entries"},
		{"index", Limits{IndexBytes: 10, ArchiveBytes: 1 << 20, EntryBytes: 1 << 20, TotalBytes: 1 << 20, Entries: 100}, "providers.yaml exceeds the size limit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Open(Config{URL: fileURL(dist), Limits: tc.limits,
				VerifyConfig: VerifyConfig{PublicKeys: []string{base64.StdEncoding.EncodeToString(pub)}}})
			if err != nil {
				t.Fatal(err)
			}
			appDir := t.TempDir()
			_, err = r.Pull(context.Background(), "tiny", "", appDir)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Pull: %v, want an error containing %q", err, tc.want)
			}
			assertNothingInstalled(t, appDir, "tiny")
		})
	}
}

func TestFailedPullKeepsThePreviousInstall(t *testing.T) {
	dist, pub := buildTestRegistry(t)
	r, _ := openTrusting(t, fileURL(dist), pub)
	appDir := t.TempDir()
	ctx := context.Background()
	entry, err := r.Pull(ctx, "tiny", "v0.10.0", appDir)
	if err != nil {
		t.Fatal(err)
	}
	before := snapshotTree(t, entry.Dir)

	// Pulling the same version again replaces it in place.
	if _, err := r.Pull(ctx, "tiny", "v0.10.0", appDir); err != nil {
		t.Fatalf("second pull: %v", err)
	}
	if got := snapshotTree(t, entry.Dir); !mapsEqual(got, before) {
		t.Errorf("re-pulling the same archive changed the install")
	}

	editArchiveFile(t, filepath.Join(dist, "tiny", "v0.10.0.tgz"), "v0.10.0/services/widgets.yaml")
	if _, err := r.Pull(ctx, "tiny", "v0.10.0", appDir); err == nil {
		t.Fatal("pull of a tampered archive succeeded")
	}
	if got := snapshotTree(t, entry.Dir); !mapsEqual(got, before) {
		t.Errorf("a failed pull changed the previous install: %v, want %v", keysOf(got), keysOf(before))
	}
	leftovers, err := os.ReadDir(filepath.Dir(entry.Dir))
	if err != nil {
		t.Fatal(err)
	}
	if len(leftovers) != 1 {
		t.Errorf("provider folder holds %d entries after a failed pull, want only v0.10.0", len(leftovers))
	}
	assertPulledProviderLoads(t, entry, "v0.10.0")
}

func TestSignedButInvalidDocumentsAreRefused(t *testing.T) {
	pub, priv := newKey(t)
	files := map[string][]byte{}
	for _, rel := range []string{"provider.yaml", "services/widgets.yaml"} {
		data, err := os.ReadFile(filepath.Join(testSrc, "tiny", "v0.10.0", rel))
		if err != nil {
			t.Fatal(err)
		}
		files[rel] = data
	}
	files["services/widgets.yaml"] = []byte("openapi: 3.0.0\npaths: [not, a, map]\n")
	for _, rel := range []string{"provider.yaml", "services/widgets.yaml"} {
		files[rel+".sig"] = Sign(priv, files[rel])
	}
	archive, err := archiveBytes("v0.10.0", files)
	if err != nil {
		t.Fatal(err)
	}
	dist, _ := buildTestRegistry(t)
	if err := os.WriteFile(filepath.Join(dist, "tiny", "v0.10.0.tgz"), archive, 0o644); err != nil {
		t.Fatal(err)
	}
	r, _ := openTrusting(t, fileURL(dist), pub)
	appDir := t.TempDir()
	_, err = r.Pull(context.Background(), "tiny", "v0.10.0", appDir)
	if err == nil || !strings.Contains(err.Error(), "holds invalid documents") {
		t.Fatalf("Pull of signed but invalid documents: %v", err)
	}
	assertNothingInstalled(t, appDir, "tiny")
}

func TestCatalogPrefersNewestThenPulled(t *testing.T) {
	dist, pub := buildTestRegistry(t)
	r, _ := openTrusting(t, fileURL(dist), pub)
	appDir := t.TempDir()
	// Embedded: tiny v0.1.0 and gadgets v1.0.0. Pulled: tiny v0.10.0 and gadgets v1.0.0.
	embedded := t.TempDir()
	copyTree(t, filepath.Join(testSrc, "tiny", "v0.1.0"), filepath.Join(embedded, "tiny", "v0.1.0"))
	copyTree(t, filepath.Join(testSrc, "gadgets", "v1.0.0"), filepath.Join(embedded, "gadgets", "v1.0.0"))
	for _, pull := range [][2]string{{"tiny", "v0.10.0"}, {"gadgets", "v1.0.0"}} {
		if _, err := r.Pull(context.Background(), pull[0], pull[1], appDir); err != nil {
			t.Fatal(err)
		}
	}

	catalog, err := Catalog(os.DirFS(embedded), appDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range catalog {
		got = append(got, fmt.Sprint(e.Name, " ", e.Version, " ", e.Origin, " ", e.InUse))
	}
	want := []string{"gadgets v1.0.0 pulled true", "gadgets v1.0.0 embedded false", "tiny v0.10.0 pulled true", "tiny v0.1.0 embedded false"}
	if !slices.Equal(got, want) {
		t.Errorf("Catalog = %v, want %v", got, want)
	}

	// An older pull still wins over a newer embedded version: installing a
	// provider is asking for it. A pin picks the embedded one back.
	older := t.TempDir()
	if _, err := r.Pull(context.Background(), "tiny", "v0.1.0", older); err != nil {
		t.Fatal(err)
	}
	newerEmbedded := t.TempDir()
	copyTree(t, filepath.Join(testSrc, "tiny", "v0.10.0"), filepath.Join(newerEmbedded, "tiny", "v0.10.0"))
	catalog, err = Catalog(os.DirFS(newerEmbedded), older, nil)
	if err != nil {
		t.Fatal(err)
	}
	chosen, err := Select(catalog, "tiny", nil)
	if err != nil || chosen.Version != "v0.1.0" || chosen.Origin != OriginPulled || chosen.From != fileURL(dist) {
		t.Fatalf("Select = %+v, %v; want tiny v0.1.0 pulled from %s", chosen, err, fileURL(dist))
	}
	pins := map[string]string{"tiny": "v0.10.0"}
	chosen, err = Select(catalog, "tiny", pins)
	if err != nil || chosen.Version != "v0.10.0" || chosen.Origin != OriginEmbedded {
		t.Fatalf("Select pinned to v0.10.0 = %+v, %v; want the embedded v0.10.0", chosen, err)
	}
	assertPulledProviderLoads(t, chosen, "v0.10.0")
	if _, err := Select(catalog, "tiny", map[string]string{"tiny": "v9.9.9"}); err == nil ||
		!strings.Contains(err.Error(), "pinned to v9.9.9, which is not installed") || !strings.Contains(err.Error(), "registry pull tiny@v9.9.9") {
		t.Errorf("a pin to a missing version: %v", err)
	}
	if _, err := Select(catalog, "nope", nil); !IsNotInstalled(err) {
		t.Errorf("an unknown provider: %v", err)
	}
}

func TestParseConfig(t *testing.T) {
	cfg, err := ParseConfig(`{"url":"file:///srv/dist","localDocRoot":"/tmp/docs","verifyConfig":{"nopVerify":true,"publicKeys":["k"]}}`)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.URL != "file:///srv/dist" || cfg.LocalDocRoot != "/tmp/docs" || !cfg.VerifyConfig.NopVerify || len(cfg.VerifyConfig.PublicKeys) != 1 {
		t.Errorf("ParseConfig = %+v", cfg)
	}
	if _, err := ParseConfig(`{"verifyConfig":{"nopVerfy":true}}`); err == nil || !strings.Contains(err.Error(), `unknown field "nopVerfy"`) {
		t.Errorf("misspelt key: %v", err)
	}
	if _, err := Open(Config{URL: "file:///x", VerifyConfig: VerifyConfig{PublicKeys: []string{"not a key"}}}); err == nil || !strings.Contains(err.Error(), "publicKeys[0]") {
		t.Errorf("bad public key: %v", err)
	}
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	if err := os.CopyFS(to, os.DirFS(from)); err != nil {
		t.Fatal(err)
	}
}

func snapshotTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		out[p] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func keysOf(m map[string]string) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func TestRegistryTimeoutsMustBeDurations(t *testing.T) {
	for _, text := range []string{`{"url":"file:///x","headerTimeout":"soon"}`, `{"url":"file:///x","downloadTimeout":"-1s"}`} {
		if _, err := ParseConfig(text); err == nil || !strings.Contains(err.Error(), "positive duration") {
			t.Errorf("ParseConfig(%s): %v, want an error asking for a positive duration", text, err)
		}
	}
}

func TestSilentAndTricklingRegistriesTimeOut(t *testing.T) {
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		want    string
	}{
		{"silent", hostileapi.Silent, "no answer within 100ms"},
		{"trickling", hostileapi.Trickle(10 * time.Millisecond), "the download did not complete within 300ms"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			server := httptest.NewServer(tc.handler)
			t.Cleanup(server.Close)
			// The waits come from --registry's JSON, as a user sets them.
			cfg, err := ParseConfig(`{"url":"` + server.URL + `/dist","headerTimeout":"100ms","downloadTimeout":"300ms"}`)
			if err != nil {
				t.Fatal(err)
			}
			r, err := Open(cfg)
			if err != nil {
				t.Fatal(err)
			}
			_, err = r.List(context.Background())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("List: %v, want %q", err, tc.want)
			}
		})
	}
}
