package engine

import (
	"fmt"

	"github.com/skyql/skyql/pkg/provider"
)

// Providers is a Catalog of providers the caller loaded itself, e.g. with
// provider.LoadDir: for programs and tests that use skyql without its
// registry.
type Providers []*provider.Provider

// Providers lists the providers.
func (ps Providers) Providers() ([]ProviderInfo, error) {
	out := make([]ProviderInfo, len(ps))
	for i, p := range ps {
		out[i] = ProviderInfo{Name: p.Name, Version: p.Version, Origin: "loaded", InUse: true}
	}
	return out, nil
}

// Open returns the provider with that name.
func (ps Providers) Open(name string) (*provider.Provider, error) {
	for _, p := range ps {
		if p.Name == name {
			return p, nil
		}
	}
	return nil, fmt.Errorf("unknown provider %s", name)
}
