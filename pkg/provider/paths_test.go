package provider

import (
	"slices"
	"strings"
	"testing"
)

func TestScanPathKeys(t *testing.T) {
	doc := strings.NewReader(`openapi: 3.0.3
info:
  title: t
paths:
  # a comment
  /plain/{id}:
    get:
      operationId: A
  '/quoted/it''s':
    get: {}
  "/double/{x}": {}
  ? /explicit/long/key
  : get: {}
  /with/query?api-version=2022-05-01:
    get: {}
components:
  schemas: {}
`)
	got, err := scanPathKeys(doc)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"/plain/{id}", "/quoted/it's", "/double/{x}", "/explicit/long/key", "/with/query?api-version=2022-05-01"}
	if !slices.Equal(got, want) {
		t.Fatalf("paths = %q, want %q", got, want)
	}
	if got, err := scanPathKeys(strings.NewReader("openapi: 3.0.3\npaths: {}\n")); err != nil || len(got) != 0 {
		t.Errorf("empty paths: %q, %v", got, err)
	}
	if _, err := scanPathKeys(strings.NewReader("openapi: 3.0.3\npaths: {/a: {}}\n")); err == nil {
		t.Error("a flow-style paths mapping was scanned; want an error so the caller parses the document")
	}
}

func TestServicePathsMatchTheParsedDocument(t *testing.T) {
	p, err := LoadDir("../../registry/src/azure/v0.1.0")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range p.ServiceNames() {
		paths, err := p.ServicePaths(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		s, err := p.Service(name)
		if err != nil {
			t.Fatal(err)
		}
		full, err := s.Full()
		if err != nil {
			t.Fatal(err)
		}
		if want := full.Doc.Paths.Keys(); !slices.Equal(slices.Sorted(slices.Values(paths)), slices.Sorted(slices.Values(want))) {
			t.Errorf("%s: scanned %d paths, the document has %d", name, len(paths), len(want))
		}
	}
	if _, err := p.ServicePaths("no_such_service"); err == nil {
		t.Error("ServicePaths of an unknown service succeeded")
	}
}
