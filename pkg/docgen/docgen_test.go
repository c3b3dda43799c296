package docgen

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skyql/skyql/pkg/internal/goldentest"
	"github.com/skyql/skyql/pkg/provider"
	"github.com/skyql/skyql/registry"
)

var update = flag.Bool("update", false, "rewrite golden files and the committed docs under docs/providers")

const committedDocs = "../../docs/providers"

func azure(t *testing.T) *provider.Provider {
	t.Helper()
	p, err := provider.LoadFS(registry.Source, "src/azure/v0.1.0")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func resource(t *testing.T, p *provider.Provider, service, name string) *provider.Resource {
	t.Helper()
	s, err := p.Service(service)
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Resource(name)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// fromOverview is the part of a page that the documents determine.
func fromOverview(t *testing.T, page string) string {
	t.Helper()
	i := strings.Index(page, "## Overview\n")
	if i < 0 {
		t.Fatalf("page has no ## Overview:\n%s", page)
	}
	return page[i:]
}

// TestBackupInstancesPageMatchesReference compares the generated page with the public
// registry's page for the same API version, byte for byte from ## Overview on.
func TestBackupInstancesPageMatchesReference(t *testing.T) {
	want, err := os.ReadFile("testdata/azure.data_protection.backup_instances.md")
	if err != nil {
		t.Fatal(err)
	}
	got := ResourcePage(resource(t, azure(t), "data_protection", "backup_instances"), DefaultOptions())
	if g, w := fromOverview(t, got), fromOverview(t, string(want)); g != w {
		t.Errorf("page differs from the reference at line %d of ## Overview on:\n--- got\n%s\n--- want\n%s", goldentest.FirstDifferentLine(g, w), g, w)
	}
}

func TestGoldenPages(t *testing.T) {
	p := azure(t)
	s, err := p.Service("data_protection")
	if err != nil {
		t.Fatal(err)
	}
	servicePage, err := ServicePage(s, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Product: "skyql", Keywords: []string{"sql"}, Image: "/img/{product}/{provider}.png"}
	for golden, page := range map[string]string{
		"testdata/data_protection.index.md":      servicePage,
		"testdata/azure.index.md":                ProviderPage(p, DefaultOptions()),
		"testdata/export_jobs.custom_options.md": ResourcePage(resource(t, p, "data_protection", "export_jobs"), opts),
	} {
		if *update {
			if err := os.WriteFile(golden, []byte(page), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		if page != string(want) {
			t.Errorf("%s differs at line %d (run `go test ./pkg/docgen -update` if the change is intended):\n%s", golden, goldentest.FirstDifferentLine(page, string(want)), page)
		}
	}
}

func TestEscapeCell(t *testing.T) {
	got := escapeCell("a|b <c> {d}\r\ne\nf")
	if want := `a\|b &lt;c&gt; &#123;d&#125;<br />e<br />f`; got != want {
		t.Errorf("escapeCell = %q, want %q", got, want)
	}
}

// TestCommittedDocsAreCurrent renders the pages of the services under
// docs/providers/azure (a few: `skyql docs --out DIR azure` writes all of them) into a
// temp dir and compares them with the committed ones.
func TestCommittedDocsAreCurrent(t *testing.T) {
	p := azure(t)
	entries, err := os.ReadDir(filepath.Join(committedDocs, p.Name))
	if err != nil {
		t.Fatal(err)
	}
	var services []string
	for _, e := range entries {
		if e.IsDir() {
			services = append(services, e.Name())
		}
	}
	if len(services) == 0 {
		t.Fatalf("no service pages under %s", filepath.Join(committedDocs, p.Name))
	}
	if *update {
		for _, s := range services {
			if err := os.RemoveAll(filepath.Join(committedDocs, p.Name, s)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := Write(p, services, committedDocs, DefaultOptions()); err != nil {
			t.Fatal(err)
		}
	}
	fresh := t.TempDir()
	if _, err := Write(p, services, fresh, DefaultOptions()); err != nil {
		t.Fatal(err)
	}
	goldentest.CompareTrees(t, fresh, committedDocs, p.Name,
		"run `go test ./pkg/docgen -run TestCommittedDocsAreCurrent -update` and commit docs/providers")
}
