package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestProviderGenerateFromConfigMatchesCommittedTree(t *testing.T) {
	// One service of the Azure config: the generator's own tests build all of them.
	dir := t.TempDir()
	spec, err := filepath.Abs("../../providers/azure/specs/dataprotection/resource-manager/Microsoft.DataProtection/stable/2022-05-01/dataprotection.json")
	if err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(dir, "config.yaml")
	content := "provider: azure\nversion: v0.1.0\nconventions: azure\nserver: https://management.azure.com/\n" +
		"services:\n  - specs: [" + spec + "]\n    title: Data Protection\n" +
		"    resources: {DataProtectionOperations_List: operations}\n"
	if err := os.WriteFile(config, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	code, stdout, stderr := run("provider", "generate", "--config", config, "--out", out)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "azure v0.1.0: 1 services, 16 resources, 58 methods written to") || !strings.Contains(stdout, "0 skipped, 0 excluded by the config") {
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
	// provider.yaml and data_protection: the generator's tests validate every service.
	dir := t.TempDir()
	const committed = "../../registry/src/azure/v0.1.0/"
	for _, file := range []string{"provider.yaml", "services/data_protection.yaml"} {
		data, err := os.ReadFile(committed + file)
		if err != nil {
			t.Fatal(err)
		}
		if file == "provider.yaml" {
			data = onlyService(t, data, "data_protection")
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, file)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, file), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, stdout, stderr := run("provider", "validate", dir)
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

// onlyService cuts a provider.yaml down to one of its services.
func onlyService(t *testing.T, providerYAML []byte, service string) []byte {
	t.Helper()
	var doc map[string]any
	if err := yaml.Unmarshal(providerYAML, &doc); err != nil {
		t.Fatal(err)
	}
	services := doc["providerServices"].(map[string]any)
	doc["providerServices"] = map[string]any{service: services[service]}
	out, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestProviderValidateWarnsOfWhatQueriesSurvive: a document in the public
// registry's shape with an objectKey beyond its schema validates with a
// warning; --strict makes it a problem.
func TestProviderValidateWarnsOfWhatQueriesSurvive(t *testing.T) {
	const dir = "../registry/testdata/regshape/azure/v00.00.00000"
	code, stdout, stderr := run("provider", "validate", dir)
	if code != exitOK || !strings.Contains(stdout, "azure.storage (") || !strings.Contains(stdout, "2 resources, 5 methods: ok, 1 warning(s)") ||
		!strings.Contains(stdout, `  warning: services/storage.yaml: at $.components.x-stackQL-resources.usages.methods.list_by_location.response.objectKey`) {
		t.Errorf("validate: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	code, _, stderr = run("provider", "validate", "--strict", dir)
	if code != exitError || !strings.Contains(stderr, "1 problem(s)") || !strings.Contains(stderr, "objectKey") {
		t.Errorf("validate --strict: exit %d, stderr %q", code, stderr)
	}
}
