package generator

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeSpec writes a minimal Swagger 2.0 document with the given paths and definitions.
func writeSpec(t *testing.T, dir, name, paths, definitions string) string {
	t.Helper()
	doc := `{"swagger": "2.0", "info": {"title": "T", "version": "2024-01-01"},
  "host": "management.azure.com", "schemes": ["https"],
  "paths": {` + paths + `}, "definitions": {` + definitions + `}}`
	return writeFile(t, dir, name, doc)
}

// writeFile writes content to dir/name and returns the file's path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const widgetGet = `"/widgets/{name}": {"get": {"operationId": "Widgets_Get",
  "parameters": [{"name": "name", "in": "path", "required": true, "type": "string"},
                 {"name": "api-version", "in": "query", "required": true, "type": "string"}],
  "x-ms-examples": {"Get": {"$ref": "./examples/missing.json"}},
  "responses": {"200": {"description": "OK", "schema": {"$ref": "#/definitions/Widget"}}}}}`

const widgetDef = `"Widget": {"type": "object", "description": "A widget", "properties": {"id": {"type": "string"}}}`

func generateFrom(t *testing.T, services ...ServiceConfig) *Result {
	t.Helper()
	cfg := &Config{Provider: "test", Version: "v0.1.0", Services: services, dir: "."}
	if err := cfg.check(); err != nil {
		t.Fatal(err)
	}
	return Generate(cfg)
}

func TestBadSpecsAreReportedAndTheRestIsBuilt(t *testing.T) {
	dir := t.TempDir()
	good := writeSpec(t, dir, "good.json", widgetGet, widgetDef)
	unresolved := writeSpec(t, dir, "unresolved.json",
		`"/a": {"get": {"operationId": "A_Get", "responses": {"200": {"description": "OK", "schema": {"$ref": "#/definitions/Nowhere"}}}}},
		 "/b": {"get": {"operationId": "B_Get", "responses": {"200": {"description": "OK", "schema": {"$ref": "./common.json#/definitions/Thing"}}}}}`, "")
	duplicate := writeSpec(t, dir, "duplicate.json",
		`"/a": {"get": {"operationId": "A_Get", "responses": {"200": {"description": "OK"}}}},
		 "/b": {"get": {"operationId": "A_Get", "responses": {"200": {"description": "OK"}}},
		        "put": {"responses": {"200": {"description": "OK"}}}}`, "")

	res := generateFrom(t,
		ServiceConfig{Name: "good", Specs: []string{good}},
		ServiceConfig{Name: "unresolved", Specs: []string{unresolved}},
		ServiceConfig{Name: "duplicate", Specs: []string{duplicate}},
	)
	if _, ok := res.Files["test/v0.1.0/services/good.yaml"]; !ok {
		t.Errorf("the good service was not built; files: %v", res.Services)
	}
	if _, ok := res.Files["test/v0.1.0/provider.yaml"]; !ok {
		t.Error("provider.yaml was not written")
	}
	if len(res.Problems) != 2 {
		t.Fatalf("want problems for 2 services, got %d: %v", len(res.Problems), res.Err())
	}
	msg := res.Err().Error()
	for _, want := range []string{
		`service unresolved was not generated`,
		`unresolved.json: $ref "#/definitions/Nowhere" at /paths/~1a/get/responses/200/schema/$ref: nothing at #/definitions`,
		`unresolved.json: $ref "./common.json#/definitions/Thing" at /paths/~1b/get/responses/200/schema/$ref: cannot read`,
		`duplicate.json: operation GET /b: operationId "A_Get" is already used by GET /a`,
		`duplicate.json: operation PUT /b has no operationId`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("the report lacks %q:\n%s", want, msg)
		}
	}
	provider := string(res.Files["test/v0.1.0/provider.yaml"])
	if strings.Contains(provider, "unresolved") || !strings.Contains(provider, "good") {
		t.Errorf("provider.yaml must list exactly the services built:\n%s", provider)
	}
}

func TestRefsIntoOtherFilesAreInternalized(t *testing.T) {
	dir := t.TempDir()
	writeSpec(t, dir, "common/types.json", "", `"Widget": {"type": "object", "description": "shared", "properties": {"tags": {"$ref": "#/definitions/Tags"}}},
		"Tags": {"type": "object", "additionalProperties": {"type": "string"}}`)
	spec := writeSpec(t, dir, "api/spec.json",
		strings.Replace(widgetGet, `"#/definitions/Widget"`, `"../common/types.json#/definitions/Widget"`, 1),
		widgetDef)
	res := generateFrom(t, ServiceConfig{Name: "api", Specs: []string{spec}})
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	doc := string(res.Files["test/v0.1.0/services/api.yaml"])
	for _, want := range []string{
		"$ref: '#/components/schemas/common_types_Widget'", // the local Widget keeps its name
		"description: shared",
		"$ref: '#/components/schemas/Tags'",
		`default: "2024-01-01"`,
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("document lacks %q:\n%s", want, doc)
		}
	}
	if strings.Contains(doc, "types.json") || strings.Contains(doc, "x-ms-examples") {
		t.Errorf("document still points at other files:\n%s", doc)
	}
}

func TestConfigNamesUnknownOperation(t *testing.T) {
	dir := t.TempDir()
	spec := writeSpec(t, dir, "spec.json", widgetGet, widgetDef)
	res := generateFrom(t, ServiceConfig{Name: "api", Specs: []string{spec}, Resources: map[string]string{"Gadgets_Get": "gadgets"}})
	if err := res.Err(); err == nil || !strings.Contains(err.Error(), `operationId "Gadgets_Get", which none of its specs has`) {
		t.Errorf("want an error naming Gadgets_Get, got %v", err)
	}
}
