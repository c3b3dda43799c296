package generator

import (
	"strings"
	"testing"

	"github.com/skyql/skyql/pkg/provider"
)

// TestMergeKeepsEveryOperationAndSchema merges two files of one service the way Azure
// cuts them: each with its own api-version and its own, different, copy of Resource, an
// identical copy of Error, the same operation twice, and an operationId both use for
// different operations.
func TestMergeKeepsEveryOperationAndSchema(t *testing.T) {
	dir := t.TempDir()
	apiVersion := `{"name": "api-version", "in": "query", "required": true, "type": "string"}`
	op := func(id, def string) string {
		return `{"operationId": "` + id + `", "parameters": [{"$ref": "#/parameters/ApiVersionParameter"}],
		  "responses": {"200": {"description": "OK", "schema": {"$ref": "#/definitions/` + def + `"}},
		                "default": {"description": "error", "schema": {"$ref": "#/definitions/Error"}}}}`
	}
	errorDef := `"Error": {"type": "object", "properties": {"code": {"type": "string"}}}`
	spec := func(name, version, paths, resource string) string {
		doc := `{"swagger": "2.0", "info": {"title": "T", "version": "` + version + `"},
		  "host": "management.azure.com", "paths": {` + paths + `},
		  "parameters": {"ApiVersionParameter": ` + apiVersion + `},
		  "definitions": {` + errorDef + `, "Resource": ` + resource + `}}`
		return writeFile(t, dir, name, doc)
	}
	shared := `"/operations": {"get": {"operationId": "Operations_Get",
	  "responses": {"200": {"description": "OK", "schema": {"$ref": "#/definitions/Error"}}}}}`
	first := spec("vaults.json", "2023-01-01",
		`"/vaults": {"get": `+op("Vaults_List", "Resource")+`}, `+shared,
		`{"type": "object", "properties": {"id": {"type": "string"}}}`)
	second := spec("keys.json", "2024-02-01",
		`"/keys": {"get": `+op("Keys_List", "Resource")+`, "post": `+op("Vaults_List", "Error")+`}, `+shared,
		`{"type": "object", "properties": {"id": {"type": "string"}, "kid": {"type": "string"}}}`)

	res := generateFrom(t, ServiceConfig{Name: "vault", Specs: []string{first, second}})
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	if got := res.Counts["vault"]; got.Methods != 4 {
		t.Errorf("counts %+v, want 4 methods (Vaults_List, Operations_Get, Keys_List, Vaults_List_keys)", got)
	}
	doc := string(res.Files["test/v0.1.0/services/vault.yaml"])
	for _, want := range []string{"Resource_2:", "kid:", "ApiVersionParameter_2:", "Vaults_List_keys:"} {
		if !strings.Contains(doc, want) {
			t.Errorf("document lacks %q", want)
		}
	}
	if strings.Contains(doc, "Error_2") {
		t.Error("identical copies of Error were not merged")
	}

	s := loadGenerated(t, res, "vault")
	for method, version := range map[string]string{"Vaults_List": "2023-01-01", "Keys_List": "2024-02-01", "Vaults_List_keys": "2024-02-01"} {
		m := findMethod(t, s, method)
		if api, ok := m.Param("api-version"); !ok || api.Default != version {
			t.Errorf("%s: api-version default %v, want %s", method, api.Default, version)
		}
	}
}

func TestMergeRejectsAnOperationDefinedTwiceDifferently(t *testing.T) {
	dir := t.TempDir()
	first := writeSpec(t, dir, "a.json", widgetGet, widgetDef)
	second := writeSpec(t, dir, "b.json", strings.Replace(widgetGet, "Widgets_Get", "Widgets_Read", 1), widgetDef)
	res := generateFrom(t, ServiceConfig{Name: "w", Specs: []string{first, second}})
	if err := res.Err(); err == nil || !strings.Contains(err.Error(), "b.json: operation GET /widgets/{name} is also in an earlier spec of the service, differently") {
		t.Errorf("want the second definition reported, got %v", err)
	}
}

func loadGenerated(t *testing.T, res *Result, service string) *provider.Service {
	t.Helper()
	dir := t.TempDir()
	if err := res.Write(dir); err != nil {
		t.Fatal(err)
	}
	p, err := provider.LoadDir(dir + "/" + res.Provider + "/" + res.Version)
	if err != nil {
		t.Fatal(err)
	}
	s, err := p.Service(service)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func findMethod(t *testing.T, s *provider.Service, name string) *provider.Method {
	t.Helper()
	for _, rname := range s.ResourceNames() {
		r, err := s.Resource(rname)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range r.Methods() {
			if m.Name == name {
				return m
			}
		}
	}
	t.Fatalf("no method %s", name)
	return nil
}
