package generator

import (
	"context"
	"testing"

	"github.com/skyql/skyql/pkg/provider"
)

// TestGeneratedDocumentsLoad reads every committed Azure service back with pkg/provider:
// each resource and method must resolve and kin-openapi must accept the document.
func TestGeneratedDocumentsLoad(t *testing.T) {
	p, err := provider.LoadDir(committedTree + "/azure/v0.1.0")
	if err != nil {
		t.Fatal(err)
	}
	if p.Config.Auth["type"] != "azure_default" {
		t.Errorf("provider auth = %+v, want type azure_default", p.Config.Auth)
	}
	for _, name := range p.ServiceNames() {
		s, err := p.Service(name)
		if err != nil {
			t.Errorf("service %s: %v", name, err)
			continue
		}
		if err := s.Validate(context.Background()); err != nil {
			t.Errorf("service %s: %v", name, err)
		}
		if got := s.BaseURL(); got != "https://management.azure.com/" {
			t.Errorf("service %s: base URL %q", name, got)
		}
		for _, rname := range s.ResourceNames() {
			r, err := s.Resource(rname)
			if err != nil {
				t.Errorf("%s.%s: %v", name, rname, err)
				continue
			}
			for _, m := range r.Methods() {
				if api, ok := m.Param("api-version"); ok && (!api.Required || api.Default == nil) {
					t.Errorf("%s.%s.%s: api-version must be required with a default, got required=%v default=%v", name, rname, m.Name, api.Required, api.Default)
				}
				pageable, _ := m.Operation.Extensions["x-ms-pageable"].(map[string]any)
				if next, _ := pageable["nextLinkName"].(string); next != "" && m.Pagination == nil {
					t.Errorf("%s.%s.%s: x-ms-pageable with nextLinkName %q but no pagination", name, rname, m.Name, next)
				}
			}
		}
	}
}
