package registry

import (
	"fmt"
	"maps"
	"slices"

	"gopkg.in/yaml.v3"
)

// IndexFile is the name of the registry index inside the dist directory.
const IndexFile = "providers.yaml"

// Index is a registry's providers.yaml: for each provider, its published
// versions, newest first.
type Index struct {
	Providers map[string]IndexEntry `yaml:"providers"`
}

// IndexEntry lists one provider's versions, newest first.
type IndexEntry struct {
	Versions []string `yaml:"versions"`
}

// parseIndex reads providers.yaml. Names and versions are checked, since
// they become paths on disk, and versions are re-sorted newest first
// whatever order the file uses.
func parseIndex(data []byte) (*Index, error) {
	var idx Index
	if err := yaml.Unmarshal(data, &idx); err != nil {
		return nil, fmt.Errorf("%s is not valid YAML: %w", IndexFile, err)
	}
	if idx.Providers == nil {
		return nil, fmt.Errorf("%s has no 'providers' map", IndexFile)
	}
	for name, entry := range idx.Providers {
		if err := checkProviderName(name); err != nil {
			return nil, fmt.Errorf("%s: %w", IndexFile, err)
		}
		for _, v := range entry.Versions {
			if err := checkVersion(v); err != nil {
				return nil, fmt.Errorf("%s, provider %s: %w", IndexFile, name, err)
			}
		}
		SortNewestFirst(entry.Versions)
	}
	return &idx, nil
}

// Names returns the provider names, sorted.
func (idx *Index) Names() []string {
	names := slices.Sorted(maps.Keys(idx.Providers))
	return names
}

func (idx *Index) marshal() ([]byte, error) {
	return yaml.Marshal(idx)
}
