package registry

import (
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/skyql/skyql/pkg/provider"
)

// Where a provider version comes from.
const (
	OriginEmbedded = "embedded" // built into the skyql binary
	OriginPulled   = "pulled"   // installed by `skyql registry pull`
)

// Entry is one provider version available to queries.
type Entry struct {
	Name    string
	Version string
	Origin  string // OriginEmbedded or OriginPulled
	// Dir is the version folder of a pulled provider; "" for embedded ones.
	Dir string

	fsys  fs.FS  // embedded providers: the file system holding them
	fsDir string // and the version folder inside it
}

// Open loads the provider's documents (provider.yaml now, services lazily).
func (e Entry) Open() (*provider.Provider, error) {
	if e.fsys != nil {
		return provider.LoadFS(e.fsys, e.fsDir)
	}
	return provider.LoadDir(e.Dir)
}

// Installed lists the providers pulled into appDir (<appDir>/src/<provider>/
// <version>/provider.yaml), sorted by name, newest version first. A missing
// src folder means nothing was pulled yet.
func Installed(appDir string) ([]Entry, error) {
	if appDir == "" { // no app directory: nothing can have been pulled
		return nil, nil
	}
	root := filepath.Join(appDir, "src")
	entries, err := scanVersions(os.DirFS(root), ".")
	if err != nil {
		return nil, fmt.Errorf("listing pulled providers in %s: %w", root, err)
	}
	for i := range entries {
		entries[i].Origin = OriginPulled
		entries[i].fsys, entries[i].fsDir = nil, ""
		entries[i].Dir = filepath.Join(root, entries[i].Name, entries[i].Version)
	}
	return entries, nil
}

// scanVersions finds <provider>/<version>/provider.yaml below dir in fsys.
// Folders with names that are not valid providers or versions (staging
// folders of a pull in progress start with '.') are skipped.
func scanVersions(fsys fs.FS, dir string) ([]Entry, error) {
	providers, err := fs.ReadDir(fsys, dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Entry
	for _, p := range providers {
		if !p.IsDir() || checkProviderName(p.Name()) != nil {
			continue
		}
		versions, err := fs.ReadDir(fsys, path.Join(dir, p.Name()))
		if err != nil {
			return nil, err
		}
		var found []string
		for _, v := range versions {
			if !v.IsDir() || checkVersion(v.Name()) != nil {
				continue
			}
			if _, err := fs.Stat(fsys, path.Join(dir, p.Name(), v.Name(), "provider.yaml")); err == nil {
				found = append(found, v.Name())
			}
		}
		SortNewestFirst(found)
		for _, v := range found {
			out = append(out, Entry{Name: p.Name(), Version: v, fsys: fsys, fsDir: path.Join(dir, p.Name(), v)})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Catalog merges the providers embedded in the binary (embedded holds
// <provider>/<version>/ folders; nil for none) with those pulled into appDir,
// one entry per provider: its newest version, and the pulled copy when the
// same version is both embedded and pulled, so a pull can replace what the
// binary ships. Entries are sorted by name.
func Catalog(embedded fs.FS, appDir string) ([]Entry, error) {
	var all []Entry
	if embedded != nil {
		found, err := scanVersions(embedded, ".")
		if err != nil {
			return nil, fmt.Errorf("listing embedded providers: %w", err)
		}
		for _, e := range found {
			e.Origin = OriginEmbedded
			all = append(all, e)
		}
	}
	pulled, err := Installed(appDir)
	if err != nil {
		return nil, err
	}
	all = append(all, pulled...)
	chosen := map[string]Entry{}
	for _, e := range all {
		cur, ok := chosen[e.Name]
		if !ok {
			chosen[e.Name] = e
			continue
		}
		c := CompareVersions(e.Version, cur.Version)
		if c > 0 || (c == 0 && e.Origin == OriginPulled) {
			chosen[e.Name] = e
		}
	}
	out := make([]Entry, 0, len(chosen))
	for _, name := range slices.Sorted(maps.Keys(chosen)) {
		out = append(out, chosen[name])
	}
	return out, nil
}

// Remove deletes pulled versions of a provider from appDir: the given
// version, or every pulled version when version is "". Queries then use the
// next newest pulled version, or the one built into skyql. It returns what
// it removed, and an error naming what is installed when nothing matched.
func Remove(appDir, name, version string) ([]Entry, error) {
	if err := checkProviderName(name); err != nil {
		return nil, err
	}
	if version != "" {
		if err := checkVersion(version); err != nil {
			return nil, err
		}
	}
	installed, err := Installed(appDir)
	if err != nil {
		return nil, err
	}
	var removed []Entry
	var have []string
	for _, e := range installed {
		if e.Name != name {
			continue
		}
		have = append(have, e.Version)
		if version != "" && e.Version != version {
			continue
		}
		if err := os.RemoveAll(e.Dir); err != nil {
			return removed, fmt.Errorf("removing %s %s: %w", e.Name, e.Version, err)
		}
		removed = append(removed, e)
	}
	switch {
	case len(have) == 0:
		return nil, fmt.Errorf("no version of %s was pulled into %s; providers built into skyql cannot be removed", name, appDir)
	case len(removed) == 0:
		return nil, fmt.Errorf("version %s of %s was not pulled; pulled versions: %s", version, name, strings.Join(have, ", "))
	}
	if len(removed) == len(have) {
		// The provider's folder holds nothing else now; a failure here
		// leaves an empty folder, which the catalog ignores.
		os.Remove(filepath.Join(appDir, "src", name))
	}
	return removed, nil
}
