package registry_test

import (
	"flag"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/skyql/skyql/pkg/provider"
	"github.com/skyql/skyql/registry"
)

var update = flag.Bool("update", false, "recompile index/ from the services in src/")

// shippedWriter stores each index the provider compiles as a shipped one.
type shippedWriter string

func (shippedWriter) Get(string) ([]byte, bool) { return nil, false }
func (w shippedWriter) Put(key string, data []byte) error {
	return provider.WriteShippedIndex(string(w), key, data)
}

// providers opens every provider version in Source.
func providers(t *testing.T) []*provider.Provider {
	t.Helper()
	files, err := fs.Glob(registry.Source, "src/*/*/provider.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no providers in Source (%v)", err)
	}
	var out []*provider.Provider
	for _, f := range files {
		p, err := provider.LoadFS(registry.Source, path.Dir(f))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// Every service in Source has its index in Indexes, under the key a
// process computes from the document, and nothing else is shipped: a
// changed document or index format without `go generate ./registry` fails
// here instead of silently costing every fresh app directory a parse.
func TestShippedIndexesAreTheSourcesOwn(t *testing.T) {
	want := map[string]string{}
	for _, p := range providers(t) {
		if *update {
			p.Index = shippedWriter("index")
		}
		for _, name := range p.ServiceNames() {
			if *update {
				if _, err := p.Service(name); err != nil {
					t.Fatal(err)
				}
			}
			key, err := p.IndexKey(name)
			if err != nil {
				t.Fatal(err)
			}
			want[key+".json.gz"] = p.Name + "." + name
		}
	}
	var shipped fs.FS = os.DirFS("index") // what -update just wrote
	if !*update {
		var err error
		if shipped, err = fs.Sub(registry.Indexes, "index"); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := fs.ReadDir(shipped, ".")
	if err != nil {
		t.Fatal(err)
	}
	var have []string
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json.gz") {
			continue // the README
		}
		if _, ok := want[e.Name()]; ok {
			have = append(have, e.Name())
			continue
		}
		if *update {
			if err := os.Remove(path.Join("index", e.Name())); err != nil {
				t.Fatal(err)
			}
			continue
		}
		t.Errorf("index/%s belongs to no service in src/; run go generate ./registry", e.Name())
	}
	for file, service := range want {
		if !slices.Contains(have, file) {
			t.Errorf("%s has no shipped index (index/%s); run go generate ./registry", service, file)
		}
	}
}

// A service loaded through the shipped index plans as the one parsed from
// its document: the same resources, methods and columns.
func TestShippedIndexServesTheService(t *testing.T) {
	shipped, err := fs.Sub(registry.Indexes, "index")
	if err != nil {
		t.Fatal(err)
	}
	fromIndex, fromDoc := providers(t)[0], providers(t)[0]
	fromIndex.Index = provider.ShippedIndexes{FS: shipped}
	const name = "data_protection"
	a, err := fromIndex.Service(name)
	if err != nil {
		t.Fatal(err)
	}
	b, err := fromDoc.Service(name)
	if err != nil {
		t.Fatal(err)
	}
	if a.Doc != nil {
		t.Error("the service was parsed from its document, not read from its shipped index")
	}
	if !slices.Equal(a.ResourceNames(), b.ResourceNames()) {
		t.Fatalf("resources %v from the index, %v from the document", a.ResourceNames(), b.ResourceNames())
	}
	for _, rn := range a.ResourceNames() {
		ra, _ := a.Resource(rn)
		rb, _ := b.Resource(rn)
		ma, mb := ra.Methods(), rb.Methods()
		if len(ma) != len(mb) {
			t.Fatalf("%s: %d methods from the index, %d from the document", rn, len(ma), len(mb))
		}
		for i := range ma {
			sameColumns := slices.EqualFunc(ma[i].Columns(), mb[i].Columns(), func(x, y provider.Column) bool {
				return x.Name == y.Name && x.Type == y.Type && x.Description == y.Description
			})
			if ma[i].Name != mb[i].Name || ma[i].Path != mb[i].Path || !sameColumns {
				t.Errorf("%s.%s differs between the index and the document", rn, ma[i].Name)
			}
		}
	}
}
