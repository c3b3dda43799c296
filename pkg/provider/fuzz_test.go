package provider

import (
	"os"
	"testing"
	"testing/fstest"
)

// FuzzLoad feeds arbitrary provider and service documents to the loader:
// it must return a model or an error, never panic, and a model it returns
// must answer every question the planner asks of it.
// Run: go test ./pkg/provider -run '^$' -fuzz FuzzLoad
func FuzzLoad(f *testing.F) {
	providerDoc, err := os.ReadFile("testdata/acme/v1.0.0/provider.yaml")
	if err != nil {
		f.Fatal(err)
	}
	for _, service := range []string{"storage", "broken"} {
		doc, err := os.ReadFile("testdata/acme/v1.0.0/services/" + service + ".yaml")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(providerDoc, doc)
	}
	f.Add([]byte("id: x\nproviderServices: {s: {service: {$ref: services/s.yaml}}}"), []byte(`{"openapi":"3.0.0","info":{"title":"t","version":"1"},"paths":{}}`))
	f.Add([]byte("id: [unclosed"), []byte("openapi: 3.0.0\npaths: {/a: {get: {}}}\ncomponents: {x-stackQL-resources: {r: {methods: {m: {operation: {$ref: '#/paths/~1a/get'}}}}}}"))
	f.Fuzz(func(t *testing.T, providerDoc, serviceDoc []byte) {
		fsys := fstest.MapFS{"provider.yaml": {Data: providerDoc}}
		p, err := LoadFS(fsys, ".")
		if err != nil {
			return
		}
		for _, name := range p.ServiceNames() {
			fsys[serviceFile(".", p.services[name].file)] = &fstest.MapFile{Data: serviceDoc}
		}
		for _, name := range p.ServiceNames() {
			s, err := p.Service(name)
			if err != nil {
				continue
			}
			for _, rn := range s.ResourceNames() {
				r, err := s.Resource(rn)
				if err != nil {
					t.Fatalf("resource %q is listed but not found: %v", rn, err)
				}
				r.Columns()
				for _, m := range r.Methods() {
					if _, ok := r.Method(m.Name); !ok {
						t.Fatalf("method %q is listed but not found", m.Name)
					}
				}
			}
		}
	})
}
