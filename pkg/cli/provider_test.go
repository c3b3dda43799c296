package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestProviderGenerateFromConfigMatchesCommittedTree(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := run("provider", "generate", "--config", "../../providers/azure/config.yaml", "--out", out)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "azure v0.1.0: 4 service(s) [compute data_protection resources subscriptions]") {
		t.Errorf("summary: %q", stdout)
	}
	got, err := os.ReadFile(filepath.Join(out, "azure/v0.1.0/services/data_protection.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("../../registry/src/azure/v0.1.0/services/data_protection.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Error("generated data_protection.yaml differs from the committed one")
	}
}

func TestProviderGenerateReportsBadSpecAndExitsNonZero(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "widgets.json")
	doc := `{"swagger": "2.0", "info": {"title": "W", "version": "2024-01-01"}, "paths": {
	  "/widgets": {"get": {"responses": {"200": {"description": "OK", "schema": {"$ref": "#/definitions/Missing"}}}}}}}`
	if err := os.WriteFile(spec, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := run("provider", "generate", "--spec", spec, "--name", "widgets", "--out", filepath.Join(dir, "out"))
	if code != exitError {
		t.Fatalf("exit %d, want %d", code, exitError)
	}
	for _, want := range []string{"widgets.json: operation GET /widgets has no operationId", `$ref "#/definitions/Missing"`} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}

func TestProviderGenerateNeedsASource(t *testing.T) {
	if code, _, stderr := run("provider", "generate", "--spec", "x.json"); code != exitUsage || !strings.Contains(stderr, "--name") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

func TestProviderValidateCommittedTree(t *testing.T) {
	code, stdout, stderr := run("provider", "validate", "../../registry/src")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "azure.data_protection (") || !strings.Contains(stdout, "16 resources, 58 methods: ok") {
		t.Errorf("validate output:\n%s", stdout)
	}
}

func TestProviderValidateReportsBrokenService(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "services"), 0o755); err != nil {
		t.Fatal(err)
	}
	providerDoc := "id: p\nname: p\nversion: v0.1.0\nproviderServices:\n  s:\n    id: s:v0.1.0\n    name: s\n    service:\n      $ref: p/v0.1.0/services/s.yaml\n"
	if err := os.WriteFile(filepath.Join(dir, "provider.yaml"), []byte(providerDoc), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "services", "s.yaml"), []byte("openapi: 3.0.3\ninfo: [not, a, map]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := run("provider", "validate", dir)
	if code != exitError || !strings.Contains(stderr, "s.yaml") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}
