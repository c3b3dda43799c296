package generator

import (
	"bytes"
	"flag"
	"github.com/skyql/skyql/pkg/internal/goldentest"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the committed provider documents under registry/src")

const (
	azureConfig   = "../../providers/azure/config.yaml"
	committedTree = "../../registry/src"
)

// TestCommittedAzureProviderIsCurrent regenerates the Azure provider into a temp dir and
// compares it with registry/src, so that a spec or generator change cannot leave stale
// documents behind.
func TestCommittedAzureProviderIsCurrent(t *testing.T) {
	cfg, err := LoadConfig(azureConfig)
	if err != nil {
		t.Fatal(err)
	}
	res := Generate(cfg)
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

func TestGenerateIsDeterministic(t *testing.T) {
	cfg, err := LoadConfig(azureConfig)
	if err != nil {
		t.Fatal(err)
	}
	first, second := Generate(cfg), Generate(cfg)
	if len(first.Files) == 0 {
		t.Fatal("nothing generated")
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
