package registry

import (
	"fmt"

	"github.com/skyql/skyql/pkg/provider"
)

// validateVersionDir parses the provider documents in dir the way queries
// will (provider.yaml and every service it lists) and checks that they
// describe provider name at version, so nothing broken or mislabelled is
// installed or published.
func validateVersionDir(dir, name, version string) error {
	p, err := provider.LoadDir(dir)
	if err != nil {
		return err
	}
	if p.Name != name {
		return fmt.Errorf("provider.yaml names provider %q, but it is filed as %q", p.Name, name)
	}
	if p.Version != "" && p.Version != version {
		return fmt.Errorf("provider.yaml has version %q, but it is filed as %q", p.Version, version)
	}
	for _, service := range p.ServiceNames() {
		if _, err := p.Service(service); err != nil {
			return err
		}
	}
	return nil
}
