package generator

import (
	"bytes"
	"flag"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/skyql/skyql/pkg/internal/goldentest"
)

var update = flag.Bool("update", false, "rewrite the committed provider documents under registry/src")

const (
	azureConfig   = "../../providers/azure/config.yaml"
	committedTree = "../../registry/src"
)

var azure struct {
	once sync.Once
	cfg  *Config
	res  *Result
	err  error
}

// generateAzure builds the whole Azure provider once for all tests of the package
// (about 20 s of CPU).
func generateAzure(t *testing.T) (*Config, *Result) {
	t.Helper()
	azure.once.Do(func() {
		azure.cfg, azure.err = LoadConfig(azureConfig)
		if azure.err == nil {
			azure.res = Generate(azure.cfg)
		}
	})
	if azure.err != nil {
		t.Fatal(azure.err)
	}
	return azure.cfg, azure.res
}

// TestCommittedAzureProviderIsCurrent regenerates the Azure provider into a temp dir and
// compares it with registry/src, so that a spec or generator change cannot leave stale
// documents behind.
func TestCommittedAzureProviderIsCurrent(t *testing.T) {
	_, res := generateAzure(t)
	if err := res.Err(); err != nil {
		t.Fatalf("the Azure provider does not build:\n%v", err)
	}
	if *update {
		if err := res.Write(committedTree); err != nil {
			t.Fatal(err)
		}
	}
	fresh := t.TempDir()
	if err := res.Write(fresh); err != nil {
		t.Fatal(err)
	}
	goldentest.CompareTrees(t, fresh, committedTree, "azure",
		"run `go test ./pkg/generator -run TestCommittedAzureProviderIsCurrent -update` (or `go generate ./registry`) and commit the result")
}

// TestEveryAzureSpecAndOperationIsKept: every service of the config is built, and
// each has as many methods as its spec files have operations (an operation that
// several files repeat identically counts once).
func TestEveryAzureSpecAndOperationIsKept(t *testing.T) {
	cfg, res := generateAzure(t)
	if len(res.Problems) > 0 {
		t.Errorf("%d services skipped:\n%v", len(res.Problems), res.Err())
	}
	if len(res.Services) != len(cfg.Services) {
		t.Errorf("%d services built of %d configured", len(res.Services), len(cfg.Services))
	}
	for _, sc := range cfg.Services {
		operations := map[string]bool{}
		for _, spec := range sc.Specs {
			tree, err := readTree(spec)
			if err != nil {
				t.Fatal(err)
			}
			for _, section := range []string{"paths", "x-ms-paths"} {
				paths, _ := tree[section].(map[string]any)
				for path, item := range paths {
					if isNextPageOperation(path) {
						continue
					}
					for method := range item.(map[string]any) {
						if slices.Contains(httpMethods, method) {
							operations[strings.ToUpper(method)+" "+path] = true
						}
					}
				}
			}
		}
		if got := res.Counts[sc.Name].Methods; got != len(operations) {
			t.Errorf("service %s: %d methods from %d operations in %d spec files", sc.Name, got, len(operations), len(sc.Specs))
		}
	}
}

// TestGenerateIsDeterministic builds the services that merge the most files twice.
func TestGenerateIsDeterministic(t *testing.T) {
	cfg, err := LoadConfig(azureConfig)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Services = slices.DeleteFunc(cfg.Services, func(s ServiceConfig) bool {
		return !slices.Contains([]string{"compute", "monitor", "data_protection"}, s.Name)
	})
	first, second := Generate(cfg), Generate(cfg)
	if len(first.Files) != 4 {
		t.Fatalf("generated %d files, want 3 services and provider.yaml", len(first.Files))
	}
	for name, content := range first.Files {
		if !bytes.Equal(content, second.Files[name]) {
			t.Errorf("%s differs between two runs (line %d)", name, goldentest.FirstDifferentLine(string(content), string(second.Files[name])))
		}
	}
}

func BenchmarkGenerateAzure(b *testing.B) {
	cfg, err := LoadConfig(azureConfig)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := Generate(cfg).Err(); err != nil {
			b.Fatal(err)
		}
	}
}
