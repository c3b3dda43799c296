package provider

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// modelOf is everything a service loaded from its index must reproduce:
// the model without the OpenAPI objects, as JSON.
func modelOf(t *testing.T, s *Service) string {
	t.Helper()
	type method struct {
		*Method
		Resource  string `json:"Resource"`
		Operation bool
		Columns   []Column
	}
	var out []any
	out = append(out, s.Name, s.Title, s.Description, s.Version, s.BaseURL(), s.config)
	for _, rname := range s.ResourceNames() {
		r, err := s.Resource(rname)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r.ID, r.Name, r.Title, r.Description, r.config, r.Columns())
		for _, m := range r.Methods() {
			out = append(out, method{Method: m, Resource: m.Resource.ID, Columns: m.Columns()})
		}
		for _, v := range verbOrder {
			var names []string
			for _, m := range r.VerbMethods(v) {
				names = append(names, m.Name)
			}
			out = append(out, v, names)
		}
	}
	b, err := json.MarshalIndent(out, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestServiceLoadedFromIndexMatchesTheDocument(t *testing.T) {
	cache := DirIndexCache(t.TempDir())
	// The kitchen provider's documents carry the registry features Azure's
	// lack: server variables, views, transforms.
	for _, service := range []struct{ dir, name string }{
		{"../../registry/src/azure/v0.1.0", "data_protection"}, {"../../registry/src/azure/v0.1.0", "compute"},
		{"../../registry/src/azure/v0.1.0", "resources"}, {"../../registry/src/azure/v0.1.0", "subscriptions"},
		{"../engine/testdata/kitchen/v1.0.0", "formula"}, {"../engine/testdata/kitchen/v1.0.0", "secrets"},
	} {
		dir, name := service.dir, service.name
		full, err := LoadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := full.Service(name)
		if err != nil {
			t.Fatal(err)
		}

		writer, _ := LoadDir(dir)
		writer.Index = cache
		written, err := writer.Service(name) // parses and stores the index
		if err != nil {
			t.Fatal(err)
		}
		// What the parse hands out is the index too, so that reading every
		// service does not hold every parsed document.
		if written.Doc != nil {
			t.Fatalf("%s: the first load kept the parsed document", name)
		}
		if again, err := written.Full(); err != nil || again.Doc == nil {
			t.Fatalf("%s: Full after the first load: %v", name, err)
		}
		reader, _ := LoadDir(dir)
		reader.Index = cache
		indexed, err := reader.Service(name)
		if err != nil {
			t.Fatal(err)
		}
		if indexed.Doc != nil {
			t.Fatalf("%s: the second load parsed the document instead of reading its index", name)
		}
		if got, want := modelOf(t, indexed), modelOf(t, parsed); got != want {
			t.Fatalf("%s: the service read from its index differs from the parsed one", name)
		}
		again, err := indexed.Full()
		if err != nil || again.Doc == nil {
			t.Fatalf("%s: Full: %v", name, err)
		}
		if got, want := modelOf(t, again), modelOf(t, parsed); got != want {
			t.Fatalf("%s: Full differs from the parsed service", name)
		}
	}
}

func TestParameterDefaultsKeepTheirTextThroughTheIndex(t *testing.T) {
	// $filter gets a large integer default, which a float64 prints as 1e+06.
	load := acmeWith(t, "name: $filter\n          in: query\n          required: false\n          schema: {type: string}",
		"name: $filter\n          in: query\n          required: false\n          schema: {type: integer, default: 1000000}")
	// The first load parses the document and writes its index, the second
	// reads that index; both hand out what the index holds.
	for _, mode := range []string{"parsed", "indexed"} {
		s := load()
		r, _ := s.Resource("items")
		list, _ := r.Method("Items_List")
		filter, ok := list.Param("$filter")
		if !ok || filter.DefaultText() != "1000000" || filter.Type != "integer" {
			t.Fatalf("%s: $filter: %+v", mode, filter)
		}
		get, _ := r.Method("Items_Get")
		if v, ok := get.Param("api-version"); !ok || !v.Supplied() || v.DefaultText() != "2022-05-01" {
			t.Fatalf("%s: api-version: %+v", mode, v)
		}
	}
}

// acmeWith copies the acme provider to a temporary directory with one
// edit of its storage document, and returns a loader for that copy: each
// call loads it afresh (parsed the first time, from the index after).
func acmeWith(t *testing.T, old, replacement string) func() *Service {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("testdata/acme/v1.0.0")); err != nil {
		t.Fatal(err)
	}
	doc := filepath.Join(dir, "services", "storage.yaml")
	data, err := os.ReadFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(data), old, replacement, 1)
	if edited == string(data) {
		t.Fatalf("the test document no longer holds %q", old)
	}
	if err := os.WriteFile(doc, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	cache := DirIndexCache(t.TempDir())
	return func() *Service {
		t.Helper()
		p, err := LoadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		p.Index = cache
		s, err := p.Service("storage")
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
}

func TestUnreadableIndexFallsBackToTheDocument(t *testing.T) {
	dir := t.TempDir()
	cache := DirIndexCache(dir)
	p := loadAcme(t)
	p.Index = cache
	if _, err := p.Service("storage"); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) != 1 {
		t.Fatalf("index files: %v", files)
	}
	damaged := []byte(`{"format":"skyql-service-index/1","resources":[{"id":`)
	if err := os.WriteFile(files[0], damaged, 0o600); err != nil {
		t.Fatal(err)
	}
	p = loadAcme(t)
	p.Index = cache
	s, err := p.Service("storage")
	if err != nil {
		t.Fatal(err)
	}
	if rewritten, err := os.ReadFile(files[0]); err != nil || bytes.Equal(rewritten, damaged) {
		t.Fatalf("a damaged index must be ignored, the document parsed and its index written again (%v)", err)
	}
	if !reflect.DeepEqual(s.ResourceNames(), []string{"items"}) {
		t.Fatalf("resources %v", s.ResourceNames())
	}
}

// BenchmarkLoadService compares a process's first load of the Azure
// data_protection service: parsing its document, or reading its index.
func BenchmarkLoadService(b *testing.B) {
	const dir = "../../registry/src/azure/v0.1.0"
	load := func(cache IndexCache) *Service {
		p, err := LoadDir(dir)
		if err != nil {
			b.Fatal(err)
		}
		p.Index = cache
		s, err := p.Service("data_protection")
		if err != nil {
			b.Fatal(err)
		}
		return s
	}
	b.Run("document", func(b *testing.B) {
		for b.Loop() {
			load(nil)
		}
	})
	b.Run("index", func(b *testing.B) {
		cache := DirIndexCache(b.TempDir())
		load(cache) // writes the index
		for b.Loop() {
			if s := load(cache); s.Doc != nil {
				b.Fatal("read the document, not the index")
			}
		}
	})
}

func TestResourceIDsDefaultToProviderServiceResource(t *testing.T) {
	load := acmeWith(t, "      id: acme.storage.items\n", "")
	for _, mode := range []string{"parsed", "indexed"} {
		r, err := load().Resource("items")
		if err != nil || r.ID != "acme.storage.items" {
			t.Fatalf("%s: id %q (%v)", mode, r.ID, err)
		}
	}
}
