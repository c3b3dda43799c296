package registry

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/skyql/skyql/pkg/provider"
)

// InstallDir installs provider documents from a source tree on disk, as the
// public registry keeps them (providers/src/<provider>/<version>/): src is
// a version folder (holding provider.yaml) or a provider folder holding
// version folders, each of which is installed. The provider's name is the
// one provider.yaml gives, its version the folder's name. Documents are
// validated as a pull validates them, copied into
// <appDir>/src/<provider>/<version>/, and recorded as from-dir with src's
// absolute path; warnings are printed to w. No signature is checked: the
// user named the folder.
func InstallDir(src, appDir string, w io.Writer) ([]Entry, error) {
	abs, err := filepath.Abs(src)
	if err != nil {
		return nil, err
	}
	dirs, err := versionDirs(abs)
	if err != nil {
		return nil, err
	}
	var out []Entry
	for _, dir := range dirs {
		e, err := installVersionDir(dir, appDir, w)
		if err != nil {
			return out, err
		}
		out = append(out, e)
	}
	return out, nil
}

// versionDirs is src when it holds provider.yaml, else its sub-folders
// that do.
func versionDirs(src string) ([]string, error) {
	info, err := os.Stat(src)
	if err != nil {
		return nil, fmt.Errorf("--from-dir: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("--from-dir %s is a file: name a provider version folder (holding provider.yaml), e.g. providers/src/okta/v00.00.00000, or the provider folder above it", src)
	}
	if _, err := os.Stat(filepath.Join(src, "provider.yaml")); err == nil {
		return []string{src}, nil
	}
	subs, err := os.ReadDir(src)
	if err != nil {
		return nil, err
	}
	var dirs []string
	for _, sub := range subs {
		if _, err := os.Stat(filepath.Join(src, sub.Name(), "provider.yaml")); sub.IsDir() && err == nil {
			dirs = append(dirs, filepath.Join(src, sub.Name()))
		}
	}
	if len(dirs) == 0 {
		return nil, fmt.Errorf("--from-dir %s holds no provider.yaml, nor do its sub-folders: name a provider version folder, e.g. providers/src/okta/v00.00.00000, or the provider folder above it", src)
	}
	return dirs, nil
}

func installVersionDir(dir, appDir string, w io.Writer) (Entry, error) {
	version := filepath.Base(dir)
	if err := checkVersion(version); err != nil {
		return Entry{}, fmt.Errorf("%s: the folder's name is the version: %w", dir, err)
	}
	p, err := provider.LoadDir(dir)
	if err != nil {
		return Entry{}, err
	}
	if err := checkProviderName(p.Name); err != nil {
		return Entry{}, fmt.Errorf("%s: provider.yaml: %w", dir, err)
	}
	return install(appDir, p.Name, version, OriginFromDir, dir, w, func(staging string) ([]error, error) {
		skipped, err := copyDocuments(dir, staging)
		if err != nil {
			return nil, err
		}
		warnings, err := validateVersionDir(staging, p.Name, version)
		if err != nil {
			return nil, fmt.Errorf("%s holds invalid documents: %w", dir, err)
		}
		if len(skipped) > 0 {
			warnings = append(warnings, fmt.Errorf("left out %d file(s) of %s that are not provider documents: %s", len(skipped), dir, strings.Join(skipped, ", ")))
		}
		return warnings, nil
	})
}

// copyDocuments copies provider.yaml and services/*.yaml from dir into
// dest; it returns the other files it left out, relative to dir.
func copyDocuments(dir, dest string) (skipped []string, err error) {
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil || d.IsDir() {
			return err
		}
		rel = filepath.ToSlash(rel)
		if !d.Type().IsRegular() || !isDocumentPath(rel) {
			skipped = append(skipped, rel)
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		target := filepath.Join(dest, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	return skipped, err
}
