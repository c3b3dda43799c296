package registry

import (
	"fmt"

	"github.com/skyql/skyql/pkg/provider"
)

// validateVersionDir parses the provider documents in dir the way queries
// will (provider.yaml and every service it lists) and checks that they
// describe provider name at version, so nothing broken or mislabelled is
// installed or published. What the anchor tool accepts and queries survive
// (a provider.yaml version other than the folder's, as the public
// registry's okta v0.1.0 says "v1"; an objectKey beyond the response
// schema) is returned as warnings instead.
func validateVersionDir(dir, name, version string) (warnings []error, err error) {
	p, err := provider.LoadDir(dir)
	if err != nil {
		return nil, err
	}
	if p.Name != name {
		return nil, fmt.Errorf("provider.yaml names provider %q, but it is filed as %q", p.Name, name)
	}
	if p.Version != "" && p.Version != version {
		warnings = append(warnings, fmt.Errorf("provider.yaml has version %q, but it is filed as %q; it is installed as %s", p.Version, version, version))
	}
	for _, service := range p.ServiceNames() {
		s, err := p.Service(service)
		if err != nil {
			return nil, err
		}
		warnings = append(warnings, s.Warnings()...)
	}
	return warnings, nil
}
