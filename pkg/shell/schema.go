package shell

import (
	"sort"
	"strings"
	"sync"

	"github.com/skyql/skyql/pkg/engine"
	"github.com/skyql/skyql/pkg/provider"
)

// CatalogSchema answers completion from the provider documents of a
// catalog. It opens a provider or service document only when Tab asks
// inside it, and never reports errors: what cannot be read offers nothing.
func CatalogSchema(c engine.Catalog) Schema {
	return &providerSchema{catalog: c, providers: map[string]*provider.Provider{}}
}

type providerSchema struct {
	catalog engine.Catalog

	mu        sync.Mutex
	providers map[string]*provider.Provider
}

func (p *providerSchema) Children(parent string) []string {
	parts := strings.Split(parent, ".")
	var out []string
	switch {
	case parent == "":
		infos, _ := p.catalog.Providers()
		for _, info := range infos {
			if info.InUse { // one completion per provider, not per version
				out = append(out, info.Name)
			}
		}
	case len(parts) == 1:
		if prov := p.provider(parts[0]); prov != nil {
			for _, svc := range prov.ServiceNames() {
				out = append(out, parent+"."+svc)
			}
		}
	case len(parts) == 2:
		if prov := p.provider(parts[0]); prov != nil {
			if svc, err := prov.Service(parts[1]); err == nil {
				for _, r := range svc.ResourceNames() {
					out = append(out, parent+"."+r)
				}
			}
		}
	}
	return out
}

func (p *providerSchema) Table(name string) (Table, bool) {
	r := p.resource(name)
	if r == nil {
		return Table{}, false
	}
	t := Table{Methods: map[string][]string{}}
	for _, c := range r.Columns() {
		t.Columns = append(t.Columns, c.Name)
	}
	params := map[string]bool{}
	for _, m := range r.Methods() {
		var mp []string
		for _, prm := range m.Params {
			if prm.Supplied() {
				continue
			}
			mp = append(mp, prm.Name)
			if m.Verb == provider.VerbSelect && (prm.In == "path" || prm.In == "query") {
				params[prm.Name] = true
			}
		}
		t.Methods[m.Name] = mp
	}
	for name := range params {
		t.Parameters = append(t.Parameters, name)
	}
	sort.Strings(t.Parameters)
	return t, true
}

func (p *providerSchema) Fields(table, column string) []string {
	r := p.resource(table)
	if r == nil {
		return nil
	}
	fields, _ := r.Fields(column)
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = f.Path
	}
	return out
}

func (p *providerSchema) resource(name string) *provider.Resource {
	parts := strings.Split(name, ".")
	if len(parts) != 3 {
		return nil
	}
	prov := p.provider(parts[0])
	if prov == nil {
		return nil
	}
	svc, err := prov.Service(parts[1])
	if err != nil {
		return nil
	}
	r, err := svc.Resource(parts[2])
	if err != nil {
		return nil
	}
	return r
}

// provider opens a provider once.
func (p *providerSchema) provider(name string) *provider.Provider {
	p.mu.Lock()
	defer p.mu.Unlock()
	if prov, ok := p.providers[name]; ok {
		return prov
	}
	prov, err := p.catalog.Open(name)
	if err != nil {
		prov = nil
	}
	p.providers[name] = prov
	return prov
}
