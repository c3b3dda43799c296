package registry

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
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
	OriginPulled   = "pulled"   // installed by `skyql registry pull` from a registry
	OriginFromDir  = "from-dir" // installed by `skyql registry pull --from-dir` from a source tree
)

// Entry is one provider version available to queries.
type Entry struct {
	Name    string
	Version string
	Origin  string // OriginEmbedded, OriginPulled or OriginFromDir
	// From is the registry URL a pulled version came from, or the folder a
	// from-dir version was copied from; "" for embedded ones and for
	// versions installed before skyql recorded it.
	From string
	// Dir is the version folder of an installed provider; "" for embedded ones.
	Dir string
	// InUse marks, among a provider's versions in a Catalog, the one its
	// queries use (see Select).
	InUse bool

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
		entries[i].fsys, entries[i].fsDir = nil, ""
		entries[i].Dir = filepath.Join(root, entries[i].Name, entries[i].Version)
		entries[i].Origin, entries[i].From = readOrigin(entries[i].Dir)
	}
	return entries, nil
}

// originFile, inside an installed version folder, records where the
// version came from, for SHOW PROVIDERS. The name starts with '.', which
// no provider document's does.
const originFile = ".skyql-origin.json"

type originRecord struct {
	Origin string `json:"origin"`
	From   string `json:"from"`
}

func writeOrigin(dir, origin, from string) error {
	data, err := json.Marshal(originRecord{Origin: origin, From: from})
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, originFile), append(data, '\n'), 0o644)
}

// readOrigin reads dir's origin record. A version installed before skyql
// wrote one (or whose record is unreadable) was pulled from a registry
// nobody noted.
func readOrigin(dir string) (origin, from string) {
	data, err := os.ReadFile(filepath.Join(dir, originFile))
	if err != nil {
		return OriginPulled, ""
	}
	var rec originRecord
	if json.Unmarshal(data, &rec) != nil || (rec.Origin != OriginPulled && rec.Origin != OriginFromDir) {
		return OriginPulled, ""
	}
	return rec.Origin, rec.From
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

// Catalog lists every provider version available to queries: those
// embedded in the binary (embedded holds <provider>/<version>/ folders; nil
// for none) and those installed into appDir. Entries are sorted by name,
// then newest version first, an installed copy before an embedded one of
// the same version; InUse marks the version Select picks for each name
// under pins (provider name -> version). A pin naming a version that is not
// installed marks none: Select reports it when the provider is opened.
func Catalog(embedded fs.FS, appDir string, pins map[string]string) ([]Entry, error) {
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
	installed, err := Installed(appDir)
	if err != nil {
		return nil, err
	}
	all = append(all, installed...)
	slices.SortStableFunc(all, func(a, b Entry) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		if c := CompareVersions(b.Version, a.Version); c != 0 {
			return c
		}
		return cmpBool(a.Origin == OriginEmbedded, b.Origin == OriginEmbedded)
	})
	for i := 0; i < len(all); {
		j := i
		for j < len(all) && all[j].Name == all[i].Name {
			j++
		}
		if k, err := choose(all[i:j], pins[all[i].Name]); err == nil {
			all[i+k].InUse = true
		}
		i = j
	}
	return all, nil
}

// cmpBool orders false before true.
func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// Select returns the version of provider name that queries use, from a
// Catalog's entries: the pinned version when pins names one, else the
// newest installed (pulled or from-dir) version, so that installing a
// provider replaces the built-in one even when its version number is lower
// (the registry's source trees are all v00.00.00000), else the newest
// embedded one.
func Select(entries []Entry, name string, pins map[string]string) (Entry, error) {
	start := slices.IndexFunc(entries, func(e Entry) bool { return e.Name == name })
	if start < 0 {
		if pin, ok := pins[name]; ok {
			return Entry{}, pinnedMissing(name, pin, nil)
		}
		return Entry{}, errNotInstalled
	}
	end := start
	for end < len(entries) && entries[end].Name == name {
		end++
	}
	k, err := choose(entries[start:end], pins[name])
	if err != nil {
		return Entry{}, err
	}
	return entries[start+k], nil
}

// errNotInstalled: no version of the provider is embedded or installed.
var errNotInstalled = errors.New("not installed")

// IsNotInstalled reports whether Select found no version at all.
func IsNotInstalled(err error) bool { return errors.Is(err, errNotInstalled) }

// choose picks among one provider's versions, sorted as Catalog sorts them.
func choose(versions []Entry, pin string) (int, error) {
	if pin != "" {
		if i := slices.IndexFunc(versions, func(e Entry) bool { return e.Version == pin }); i >= 0 {
			return i, nil
		}
		return 0, pinnedMissing(versions[0].Name, pin, versions)
	}
	if i := slices.IndexFunc(versions, func(e Entry) bool { return e.Origin != OriginEmbedded }); i >= 0 {
		return i, nil
	}
	return 0, nil
}

// pinnedMissing says that the pinned version of a provider is not among
// the versions installed (none at all when versions is empty).
func pinnedMissing(name, pin string, versions []Entry) error {
	have := "none"
	if len(versions) > 0 {
		var vs []string
		for _, e := range versions {
			vs = append(vs, e.Version+" ("+e.Origin+")")
		}
		have = strings.Join(vs, ", ")
	}
	return fmt.Errorf("provider %s is pinned to %s, which is not installed (installed: %s); install it with `skyql registry pull %s@%s`, or pin another version", name, pin, have, name, pin)
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
