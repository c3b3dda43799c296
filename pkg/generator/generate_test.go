package generator

import (
	"bytes"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
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
	want := readTreeFiles(t, fresh, "azure")
	got := readTreeFiles(t, committedTree, "azure")
	const hint = "run `go test ./pkg/generator -run TestCommittedAzureProviderIsCurrent -update` (or `go generate ./registry`) and commit the result"
	for name, content := range want {
		committed, ok := got[name]
		switch {
		case !ok:
			t.Errorf("%s is not committed: %s", name, hint)
		case !bytes.Equal(committed, content):
			t.Errorf("%s is stale (first difference at line %d): %s", name, firstDifferentLine(committed, content), hint)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s is committed but no longer generated: %s", name, hint)
		}
	}
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
			t.Errorf("%s differs between two runs (line %d)", name, firstDifferentLine(content, second.Files[name]))
		}
	}
}

func readTreeFiles(t *testing.T, root, provider string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(filepath.Join(root, provider), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		files[filepath.ToSlash(rel)] = data
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return files
}

func firstDifferentLine(a, b []byte) int {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			return i + 1
		}
	}
	return min(len(la), len(lb)) + 1
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
