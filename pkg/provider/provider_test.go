package provider

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func loadAcme(t *testing.T) *Provider {
	t.Helper()
	p, err := LoadDir("testdata/acme/v1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func itemsResource(t *testing.T) *Resource {
	t.Helper()
	s, err := loadAcme(t).Service("storage")
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Resource("items")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestProviderFileIsReadWithoutParsingServices(t *testing.T) {
	p := loadAcme(t)
	if p.Name != "acme" || p.Version != "v1.0.0" || p.Config.Auth["type"] != "azure_default" {
		t.Fatalf("provider fields: %+v", p)
	}
	if got := p.ServiceNames(); !reflect.DeepEqual(got, []string{"broken", "storage"}) {
		t.Fatalf("services %v", got)
	}
	// The broken service is only an error once somebody asks for it.
	if _, err := p.Service("storage"); err != nil {
		t.Fatalf("storage should load although broken.yaml is malformed: %v", err)
	}
	_, err := p.Service("broken")
	var de *DocumentError
	if !errors.As(err, &de) {
		t.Fatalf("want a DocumentError, got %v", err)
	}
	if de.File != "services/broken.yaml" || !strings.Contains(de.Path, "things.methods.Things_List.operation.$ref") ||
		!strings.Contains(de.Msg, `no path "/things"`) {
		t.Fatalf("error does not name file, path and problem: %v", err)
	}
}

func TestPathKeyWithLiteralQueryString(t *testing.T) {
	m, ok := itemsResource(t).Method("Items_List")
	if !ok {
		t.Fatal("Items_List missing")
	}
	if m.Path != "/subscriptions/{subscriptionId}/vaults/{vaultName}/items/" {
		t.Errorf("path %q", m.Path)
	}
	if m.PathQuery.Get("api-version") != "2022-05-01" {
		t.Errorf("path query %v", m.PathQuery)
	}
	if m.HTTPMethod != "GET" || m.Verb != VerbSelect || m.Description != "Lists the items of a vault" {
		t.Errorf("method %+v", m)
	}
}

func TestVerbsFollowSQLVerbsOrderAndDefaultToExec(t *testing.T) {
	r := itemsResource(t)
	var sel []string
	for _, m := range r.VerbMethods(VerbSelect) {
		sel = append(sel, m.Name)
	}
	if !reflect.DeepEqual(sel, []string{"Items_Get", "Items_List"}) {
		t.Errorf("select methods %v", sel)
	}
	if m, _ := r.Method("Items_Delete"); m.Verb != VerbDelete {
		t.Errorf("delete verb %q", m.Verb)
	}
	if len(r.VerbMethods(VerbUpdate)) != 0 || len(r.VerbMethods(VerbExec)) != 0 {
		t.Errorf("unexpected update/exec methods")
	}
}

func TestRequiredParamsOrder(t *testing.T) {
	r := itemsResource(t)
	cases := map[string][]string{
		"Items_List":           {"api-version", "subscriptionId", "vaultName"},
		"Items_Get":            {"api-version", "itemName", "subscriptionId", "vaultName"},
		"Items_CreateOrUpdate": {"api-version", "itemName", "subscriptionId", "vaultName", "data__properties"},
	}
	for name, want := range cases {
		m, _ := r.Method(name)
		if got := m.RequiredParams(); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: required %v, want %v", name, got, want)
		}
	}
	m, _ := r.Method("Items_Get")
	p, ok := m.Param("api-version")
	if !ok || p.Default != "2022-05-01" || p.In != "query" || !p.Supplied() {
		t.Errorf("api-version param %+v", p)
	}
	if sub, _ := m.Param("subscriptionId"); sub.Supplied() {
		t.Error("subscriptionId has no default: the user must supply it")
	}
}

func TestColumnsFlattenAllOfAndPutIdNameFirst(t *testing.T) {
	r := itemsResource(t)
	var got []string
	for _, c := range r.Columns() {
		got = append(got, c.Name+":"+c.Type+":"+c.Description)
	}
	want := []string{
		"id:string:The resource id.",
		"name:string:The resource name.",
		"properties:object:What an item holds.",
		"tags:object:Tags.",
		"type:string:The resource type.",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("columns\n got %v\nwant %v", got, want)
	}
	// The list method's rows come from $.value's items: the same columns.
	list, _ := r.Method("Items_List")
	if len(list.Columns()) != 5 {
		t.Errorf("list columns %v", list.Columns())
	}
}

// TestPaginationOfAzureListsWithoutXMSPageable: the registry's newer
// documents drop x-ms-pageable; a {value, nextLink} response still pages.
func TestPaginationOfAzureListsWithoutXMSPageable(t *testing.T) {
	base, err := os.ReadFile("testdata/acme/v1.0.0/services/storage.yaml")
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.Replace(string(base), "      x-ms-pageable:\n        nextLinkName: nextLink\n", "", 1)
	if doc == string(base) {
		t.Fatal("the test edit did not apply")
	}
	file := filepath.Join(t.TempDir(), "storage.yaml")
	if err := os.WriteFile(file, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := LoadServiceFile(file)
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Resource("items")
	if err != nil {
		t.Fatal(err)
	}
	list, _ := r.Method("Items_List")
	if list.Pagination == nil || !list.Pagination.NextIsURL() || list.Pagination.ResponseTokenKey != "nextLink" {
		t.Errorf("pagination %+v, want nextLink", list.Pagination)
	}
	if get, _ := r.Method("Items_Get"); get.Pagination != nil {
		t.Errorf("a get pages: %+v", get.Pagination)
	}
}

func TestPaginationFromXMSPageableAndLRO(t *testing.T) {
	r := itemsResource(t)
	list, _ := r.Method("Items_List")
	if list.Pagination == nil || !list.Pagination.NextIsURL() || list.Pagination.ResponseTokenKey != "nextLink" {
		t.Errorf("pagination %+v", list.Pagination)
	}
	get, _ := r.Method("Items_Get")
	if get.Pagination != nil || get.LRO != nil {
		t.Errorf("get should neither page nor be long-running")
	}
	put, _ := r.Method("Items_CreateOrUpdate")
	if put.LRO == nil || put.LRO.FinalStateVia != "azure-async-operation" {
		t.Errorf("put LRO %+v", put.LRO)
	}
	del, _ := r.Method("Items_Delete")
	if del.LRO == nil || del.LRO.FinalStateVia != "" {
		t.Errorf("delete LRO %+v", del.LRO)
	}
}

func TestUnknownNamesSuggestTheNearest(t *testing.T) {
	p := loadAcme(t)
	_, err := p.Service("storag")
	if err == nil || !strings.Contains(err.Error(), "did you mean acme.storage?") {
		t.Errorf("service error %v", err)
	}
	s, _ := p.Service("storage")
	_, err = s.Resource("itms")
	if err == nil || !strings.Contains(err.Error(), "unknown resource acme.storage.itms; did you mean acme.storage.items?") {
		t.Errorf("resource error %v", err)
	}
	if _, err := s.Resource("zzzzzzzzzz"); err == nil || strings.Contains(err.Error(), "did you mean") {
		t.Errorf("a far-off name must not get a suggestion: %v", err)
	}
}

func TestFindMethodAcceptsSnakeCase(t *testing.T) {
	r := itemsResource(t)
	for _, name := range []string{"Items_CreateOrUpdate", "items_create_or_update", "create_or_update", "ITEMS_CREATEORUPDATE"} {
		m, err := r.FindMethod(name)
		if err != nil || m.Name != "Items_CreateOrUpdate" {
			t.Errorf("%s: %v %v", name, m, err)
		}
	}
	if _, err := r.FindMethod("Items_Creat"); err == nil || !strings.Contains(err.Error(), "Items_Get") && !strings.Contains(err.Error(), "did you mean") {
		t.Errorf("unknown method error %v", err)
	}
}

func TestMalformedDocumentsNameFilePathAndProblem(t *testing.T) {
	base, err := os.ReadFile("testdata/acme/v1.0.0/services/storage.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, from, to, want string
	}{
		{"bad verb ref", "methods/Items_Delete'\n        update", "methods/Items_Remove'\n        update",
			`at $.components.x-stackQL-resources.items.sqlVerbs.delete[0].$ref: no method "Items_Remove"`},
		{"bad operation ref", "items~1{itemName}/delete'", "items~1{itemName}/patch'",
			`has no PATCH operation`},
		{"bad yaml", "openapi: 3.0.0", "openapi: [3.0.0", `not a valid OpenAPI 3 document`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc := strings.Replace(string(base), c.from, c.to, 1)
			if doc == string(base) {
				t.Fatalf("test edit %q did not apply", c.from)
			}
			file := filepath.Join(t.TempDir(), "storage.yaml")
			if err := os.WriteFile(file, []byte(doc), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := LoadServiceFile(file)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), file) {
				t.Fatalf("got %v, want it to name %s and say %q", err, file, c.want)
			}
		})
	}
}

// TestObjectKeyBeyondTheSchemaIsAWarning: the anchor tool loads documents
// whose objectKey the response schema does not reach, so skyql loads them
// too, with the method's columns unknown and a warning naming the spot.
func TestObjectKeyBeyondTheSchemaIsAWarning(t *testing.T) {
	base, err := os.ReadFile("testdata/acme/v1.0.0/services/storage.yaml")
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.Replace(string(base), "objectKey: $.value", "objectKey: $.values", 1)
	file := filepath.Join(t.TempDir(), "storage.yaml")
	if err := os.WriteFile(file, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := LoadServiceFile(file)
	if err != nil {
		t.Fatalf("a document with an objectKey beyond its schema was refused: %v", err)
	}
	warnings := s.Warnings()
	want := `response.objectKey: $.values: the response schema has no property "values"`
	if len(warnings) != 1 || !strings.Contains(warnings[0].Error(), want) || !strings.Contains(warnings[0].Error(), file) {
		t.Fatalf("warnings %v, want one naming %s and saying %q", warnings, file, want)
	}
	if w, err := loadAcme(t).Service("storage"); err != nil || len(w.Warnings()) != 0 {
		t.Errorf("the unedited document: %v, warnings %v; want none", err, w.Warnings())
	}
}

// TestServiceFileNamedInAnotherCase: a document whose file name differs
// from provider.yaml's $ref only in case is read, with a warning, as a
// case-insensitive file system would.
func TestServiceFileNamedInAnotherCase(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("testdata/acme/v1.0.0")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, "services", "storage.yaml"), filepath.Join(dir, "services", "Storage.yaml")); err != nil {
		t.Fatal(err)
	}
	p, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	s, err := p.Service("storage")
	if err != nil {
		t.Fatalf("the service was not found under its other-case name: %v", err)
	}
	if w := s.Warnings(); len(w) != 1 || !strings.Contains(w[0].Error(), "read Storage.yaml, whose name differs in case") {
		t.Errorf("warnings %v, want one naming Storage.yaml", w)
	}
	if _, err := p.Service("broken"); err == nil {
		t.Error("the broken service loaded")
	}
}

func TestServiceValidatesWithKinOpenAPI(t *testing.T) {
	s, err := loadAcme(t).Service("storage")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if s.BaseURL() != "https://management.example.com/" {
		t.Errorf("base URL %q", s.BaseURL())
	}
}
