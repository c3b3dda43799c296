package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDocsRendersServiceFromEmbeddedRegistry(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := run("docs", "--out", out, "azure.data_protection")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "azure v0.1.0: 17 page(s)") {
		t.Errorf("summary %q", stdout)
	}
	got, err := os.ReadFile(filepath.Join(out, "azure/data_protection/backup_instances/index.md"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("../../docs/providers/azure/data_protection/backup_instances/index.md")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Error("backup_instances page differs from the committed one")
	}
}

func TestDocsFromSourceTreeAndUnknownProvider(t *testing.T) {
	out := t.TempDir()
	if code, _, stderr := run("docs", "--src", "../../registry/src", "--out", out, "--product", "skyql", "azure.compute"); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	page, err := os.ReadFile(filepath.Join(out, "azure/compute/virtual_machines/index.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), "  - skyql\n") || !strings.Contains(string(page), "`VirtualMachines_Get` | `SELECT`") {
		t.Errorf("unexpected page:\n%s", page)
	}
	code, _, stderr := run("docs", "--out", out, "azuer")
	if code != exitError || !strings.Contains(stderr, `no provider "azuer" (available: azure)`) {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}
