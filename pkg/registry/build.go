package registry

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Build publishes the source tree srcDir (<provider>/<version>/provider.yaml
// and services/*.yaml) into the dist directory outDir: outDir/providers.yaml
// and one signed archive per version, outDir/<provider>/<version>.tgz.
// Every version is validated first, so a registry never serves documents
// skyql cannot load. Archives are deterministic: the same tree and key give
// the same bytes.
func Build(srcDir, outDir string, key ed25519.PrivateKey) error {
	if len(key) != ed25519.PrivateKeySize {
		return fmt.Errorf("the signing key has %d bytes, an Ed25519 private key has %d", len(key), ed25519.PrivateKeySize)
	}
	tree, err := readSourceTree(srcDir)
	if err != nil {
		return err
	}
	if len(tree.Providers) == 0 {
		return fmt.Errorf("%s holds no providers: expected <provider>/<version>/provider.yaml", srcDir)
	}
	for _, name := range tree.Names() {
		for _, version := range tree.Providers[name].Versions {
			if err := buildVersion(srcDir, outDir, name, version, key); err != nil {
				return fmt.Errorf("building %s %s: %w", name, version, err)
			}
		}
	}
	data, err := tree.marshal()
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(outDir, IndexFile), data)
}

// readSourceTree finds the provider versions in srcDir. Entries starting
// with '.' and plain files (a README) are skipped; a folder with a name that
// is not a valid provider or version is an error, as it would be silently
// left out otherwise.
func readSourceTree(srcDir string) (*Index, error) {
	providers, err := os.ReadDir(srcDir)
	if err != nil {
		return nil, fmt.Errorf("reading the registry source tree: %w", err)
	}
	idx := &Index{Providers: map[string]IndexEntry{}}
	for _, p := range providers {
		if !p.IsDir() || strings.HasPrefix(p.Name(), ".") {
			continue
		}
		if err := checkProviderName(p.Name()); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(srcDir, p.Name()), err)
		}
		versions, err := os.ReadDir(filepath.Join(srcDir, p.Name()))
		if err != nil {
			return nil, err
		}
		var entry IndexEntry
		for _, v := range versions {
			if !v.IsDir() || strings.HasPrefix(v.Name(), ".") {
				continue
			}
			if err := checkVersion(v.Name()); err != nil {
				return nil, fmt.Errorf("%s: %w", filepath.Join(srcDir, p.Name(), v.Name()), err)
			}
			entry.Versions = append(entry.Versions, v.Name())
		}
		if len(entry.Versions) == 0 {
			return nil, fmt.Errorf("%s has no version folders (e.g. v0.1.0/provider.yaml)", filepath.Join(srcDir, p.Name()))
		}
		SortNewestFirst(entry.Versions)
		idx.Providers[p.Name()] = entry
	}
	return idx, nil
}

func buildVersion(srcDir, outDir, name, version string, key ed25519.PrivateKey) error {
	dir := filepath.Join(srcDir, name, version)
	files, err := readVersionFiles(dir)
	if err != nil {
		return err
	}
	// What a pull would only warn about is refused here: a registry skyql
	// builds publishes documents without known faults.
	warnings, err := validateVersionDir(dir, name, version)
	if err == nil && len(warnings) > 0 {
		err = fmt.Errorf("%s: %w (a pull installs such documents with a warning; build publishes none)", dir, errors.Join(warnings...))
	}
	if err != nil {
		return err
	}
	signed := make(map[string][]byte, 2*len(files))
	for rel, data := range files {
		signed[rel] = data
		signed[rel+".sig"] = Sign(key, data)
	}
	archive, err := archiveBytes(version, signed)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(outDir, name), 0o755); err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(outDir, name, version+".tgz"), archive)
}

// readVersionFiles reads provider.yaml and services/*.yaml of one version
// folder, keyed by their '/'-separated path inside it. Any other file is an
// error, since it would not be published.
func readVersionFiles(dir string) (map[string][]byte, error) {
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel == "." || rel == "services" {
				return nil
			}
			return fmt.Errorf("unexpected folder %s: a version folder holds provider.yaml and services/*.yaml only", p)
		}
		if !d.Type().IsRegular() || !isDocumentPath(rel) {
			return fmt.Errorf("unexpected file %s: a version folder holds provider.yaml and services/*.yaml only (regular files)", p)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files[rel] = data
		return nil
	})
	if err != nil {
		return nil, err
	}
	if _, ok := files["provider.yaml"]; !ok {
		return nil, fmt.Errorf("%s has no provider.yaml", dir)
	}
	return files, nil
}

// writeFileAtomic writes data to a temporary file beside name and renames it
// into place, so readers never see half a file.
func writeFileAtomic(name string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+path.Base(filepath.ToSlash(name))+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}
