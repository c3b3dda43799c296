package arm

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/skyql/skyql/pkg/emulator/traffic"
)

const (
	testToken = "test-token"
	testSub   = "00000000-0000-0000-0000-000000000001"
)

// armDocument is a minimal ARM document at api-version version with a GET
// for each path; a path ending in a literal is a list.
func armDocument(t *testing.T, version string, paths ...string) *openapi3.T {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "openapi: 3.0.3\ninfo: {title: t, version: %q}\npaths:\n", version)
	for _, p := range paths {
		list := !strings.HasSuffix(p, "}")
		fmt.Fprintf(&b, "  %q:\n    get:\n      operationId: op%d\n", p, b.Len())
		b.WriteString("      parameters:\n        - {name: api-version, in: query, required: true, schema: {type: string, default: " + version + "}}\n")
		if list {
			b.WriteString("      x-ms-pageable: {nextLinkName: nextLink}\n")
		}
		b.WriteString("      responses: {'200': {description: OK, content: {application/json: {schema: {type: object}}}}}\n")
	}
	doc, err := openapi3.NewLoader().LoadFromData([]byte(b.String()))
	if err != nil {
		t.Fatalf("test document: %v\n%s", err, b.String())
	}
	return doc
}

// countingDocument serves doc lazily by its paths and counts its loads.
func countingDocument(name string, doc *openapi3.T, loads *atomic.Int32) Document {
	return Document{Source: name, Paths: doc.Paths.Keys(), Load: func() (*openapi3.T, error) {
		loads.Add(1)
		return doc, nil
	}}
}

// testStore holds one subscription, a resource group and a storage account
// and a role assignment in it.
func testStore() *Store {
	st := NewStore(8)
	rg := "/subscriptions/" + testSub + "/resourceGroups/rg1"
	for _, r := range []struct{ id, name string }{
		{"/subscriptions/" + testSub, testSub},
		{rg, "rg1"},
		{rg + "/providers/Microsoft.Storage/storageAccounts/st1", "st1"},
		{rg + "/providers/Microsoft.Authorization/roleAssignments/ra1", "ra1"},
	} {
		st.Add(r.id, r.name, []byte(`{"id":"`+r.id+`","name":"`+r.name+`"}`))
	}
	st.Sort()
	return st
}

func serve(t *testing.T, cfg Config, docs ...Document) *httptest.Server {
	t.Helper()
	cfg.Token, cfg.PageSize = testToken, 10
	srv, err := New(cfg, traffic.New(traffic.Config{LogSize: 10}), testStore(), docs, nil)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts
}

// get sends an authorized GET and decodes the JSON answer; it reports a
// failure with t.Error, so goroutines may call it, and returns status 0.
func get(t *testing.T, url string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return 0, nil
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var body map[string]any
	if err := json.Unmarshal(data, &body); err != nil {
		t.Errorf("GET %s: %d, not JSON: %s", url, resp.StatusCode, data)
		return 0, nil
	}
	return resp.StatusCode, body
}

// TestDocumentsLoadWhenFirstReached: a document with Paths is loaded by the
// first request to one of its paths, once, and the others stay unloaded.
func TestDocumentsLoadWhenFirstReached(t *testing.T) {
	var storageLoads, computeLoads atomic.Int32
	storage := armDocument(t, "2023-05-01",
		"/subscriptions/{subscriptionId}/providers/Microsoft.Storage/storageAccounts",
		"/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Storage/storageAccounts/{accountName}")
	compute := armDocument(t, "2024-03-01", "/subscriptions/{subscriptionId}/providers/Microsoft.Compute/disks")
	ts := serve(t, Config{}, countingDocument("storage", storage, &storageLoads), countingDocument("compute", compute, &computeLoads))
	if storageLoads.Load()+computeLoads.Load() != 0 {
		t.Fatal("documents were loaded before any request")
	}
	base := ts.URL + "/subscriptions/" + testSub
	var wg sync.WaitGroup
	for range 8 { // at once: the document is still loaded once
		wg.Go(func() {
			status, body := get(t, base+"/providers/Microsoft.Storage/storageAccounts?api-version=2023-05-01")
			if v, _ := body["value"].([]any); status != 200 || len(v) != 1 {
				t.Errorf("list: %d %v", status, body)
			}
		})
	}
	wg.Wait()
	if status, body := get(t, base+"/resourceGroups/RG1/providers/microsoft.storage/storageAccounts/st1?api-version=2023-05-01"); status != 200 || body["name"] != "st1" {
		t.Errorf("get: %d %v", status, body)
	}
	if storageLoads.Load() != 1 || computeLoads.Load() != 0 {
		t.Errorf("loads: storage %d, compute %d; want 1 and 0", storageLoads.Load(), computeLoads.Load())
	}
	if status, body := get(t, base+"/providers/Microsoft.Compute/disks?api-version=2023-05-01"); status != 400 || !strings.Contains(fmt.Sprint(body), "2024-03-01") {
		t.Errorf("a path of the other document at a wrong api-version: %d %v; want 400 naming 2024-03-01", status, body)
	}
	if computeLoads.Load() != 1 {
		t.Errorf("compute loaded %d times, want 1", computeLoads.Load())
	}
}

// TestScopeParameterSpansSegments: "/{scope}/providers/..." serves a
// resource at subscription or resource group scope.
func TestScopeParameterSpansSegments(t *testing.T) {
	doc := armDocument(t, "2022-04-01",
		"/{scope}/providers/Microsoft.Authorization/roleAssignments",
		"/{scope}/providers/Microsoft.Authorization/roleAssignments/{roleAssignmentName}")
	ts := serve(t, Config{}, Document{Source: "authorization", Load: func() (*openapi3.T, error) { return doc, nil }})
	rg := ts.URL + "/subscriptions/" + testSub + "/resourceGroups/rg1/providers/Microsoft.Authorization/roleAssignments"
	if status, body := get(t, rg+"/ra1?api-version=2022-04-01"); status != 200 || body["name"] != "ra1" {
		t.Errorf("get at resource group scope: %d %v", status, body)
	}
	if status, body := get(t, rg+"?api-version=2022-04-01"); status != 200 || len(body["value"].([]any)) != 1 {
		t.Errorf("list at resource group scope: %d %v", status, body)
	}
	missing := ts.URL + "/subscriptions/" + testSub + "/resourceGroups/nope/providers/Microsoft.Authorization/roleAssignments/ra1?api-version=2022-04-01"
	if status, body := get(t, missing); status != 404 || !strings.Contains(fmt.Sprint(body), "ResourceGroupNotFound") {
		t.Errorf("a scope in a missing resource group: %d %v", status, body)
	}
}

// TestRefusedSubscriptions: a subscription configured to refuse answers
// every request under it with its refusal; others answer normally.
func TestRefusedSubscriptions(t *testing.T) {
	doc := armDocument(t, "2023-05-01", "/subscriptions/{subscriptionId}/providers/Microsoft.Storage/storageAccounts")
	const other = "00000000-0000-0000-0000-000000000002"
	for _, c := range []struct {
		refusal Refusal
		status  int
	}{{RefuseUnregistered, 409}, {RefuseForbidden, 403}} {
		ts := serve(t, Config{RefuseSubscriptions: map[string]Refusal{strings.ToUpper(other): c.refusal}},
			Document{Source: "storage", Load: func() (*openapi3.T, error) { return doc, nil }})
		status, body := get(t, ts.URL+"/subscriptions/"+other+"/providers/Microsoft.Storage/storageAccounts?api-version=2023-05-01")
		detail, _ := body["error"].(map[string]any)
		if status != c.status || detail["code"] != string(c.refusal) {
			t.Errorf("%s: %d %v", c.refusal, status, body)
		}
		if status, _ := get(t, ts.URL+"/subscriptions/"+testSub+"/providers/Microsoft.Storage/storageAccounts?api-version=2023-05-01"); status != 200 {
			t.Errorf("%s: another subscription answered %d", c.refusal, status)
		}
	}
	if _, err := New(Config{RefuseSubscriptions: map[string]Refusal{testSub: "Nope"}}, traffic.New(traffic.Config{}), testStore(),
		[]Document{{Source: "storage", Load: func() (*openapi3.T, error) { return doc, nil }}}, nil); err == nil {
		t.Error("an unknown refusal was accepted")
	}
}

// TestGenericResourceLists: /subscriptions/{s}/resources and the resource
// group's list hold every top-level resource, filtered by resourceType.
func TestGenericResourceLists(t *testing.T) {
	doc := armDocument(t, "2015-11-01",
		"/subscriptions/{subscriptionId}/resources",
		"/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/resources")
	ts := serve(t, Config{}, Document{Source: "resources", Load: func() (*openapi3.T, error) { return doc, nil }})
	sub := ts.URL + "/subscriptions/" + testSub
	for _, c := range []struct {
		path string
		want int
	}{
		{"/resources?api-version=2015-11-01", 2},
		{"/resourceGroups/rg1/resources?api-version=2015-11-01", 2},
		{"/resources?api-version=2015-11-01&$filter=" + url.QueryEscape("resourceType eq 'Microsoft.Storage/storageAccounts'"), 1},
		{"/resources?api-version=2015-11-01&$filter=" + url.QueryEscape("resourceType eq 'Microsoft.KeyVault/vaults'"), 0},
	} {
		status, body := get(t, sub+c.path)
		if v, _ := body["value"].([]any); status != 200 || len(v) != c.want {
			t.Errorf("GET %s: %d %v, want %d items", c.path, status, body, c.want)
		}
	}
	if status, body := get(t, sub+"/resources?api-version=2015-11-01&$filter=location+eq+'eastus'"); status != 400 || !strings.Contains(fmt.Sprint(body), "resourceType eq") {
		t.Errorf("an unsupported filter: %d %v", status, body)
	}
}

// TestPagesSpanRepeatedNames: a subscription-wide list whose resource
// groups hold same-named resources pages through every one of them.
func TestPagesSpanRepeatedNames(t *testing.T) {
	st := NewStore(8)
	for _, rg := range []string{"rg-a", "rg-b", "rg-c"} {
		id := "/subscriptions/" + testSub + "/resourceGroups/" + rg + "/providers/Microsoft.Compute/virtualMachines/vm-web-01"
		st.Add(id, "vm-web-01", []byte(`{"id":"`+id+`"}`))
	}
	st.Sort()
	list := Key("/subscriptions/" + testSub + "/providers/Microsoft.Compute/virtualMachines")
	var got []string
	after, more := "", true
	for more {
		var bodies [][]byte
		bodies, after, more = st.page(list, after, 1, nil)
		for _, b := range bodies {
			got = append(got, string(b))
		}
	}
	if len(got) != 3 || got[0] == got[1] || got[1] == got[2] {
		t.Errorf("pages of one item: %q; want the three virtual machines once each", got)
	}
}

// TestDocumentThatFailsToLoad: every request reaching a document that
// cannot be loaded is answered 500 naming it; the others are served.
func TestDocumentThatFailsToLoad(t *testing.T) {
	storage := armDocument(t, "2023-05-01", "/subscriptions/{subscriptionId}/providers/Microsoft.Storage/storageAccounts")
	broken := Document{Source: "broken.yaml", Paths: []string{"/subscriptions/{subscriptionId}/providers/Microsoft.Broken/things"},
		Load: func() (*openapi3.T, error) { return nil, fmt.Errorf("not a valid OpenAPI 3 document") }}
	var loads atomic.Int32
	ts := serve(t, Config{}, broken, countingDocument("storage", storage, &loads))
	for range 2 {
		status, body := get(t, ts.URL+"/subscriptions/"+testSub+"/providers/Microsoft.Broken/things?api-version=1")
		if status != 500 || !strings.Contains(fmt.Sprint(body), "broken.yaml") {
			t.Errorf("a path of the broken document: %d %v", status, body)
		}
	}
	if status, _ := get(t, ts.URL+"/subscriptions/"+testSub+"/providers/Microsoft.Storage/storageAccounts?api-version=2023-05-01"); status != 200 {
		t.Errorf("the other document answered %d", status)
	}
}

// TestAPIVersionInPathKey: the registry's documents write the api-version
// only in the path key's literal query and name parameters in snake_case,
// with an info.version that is no api-version; the emulator serves the
// path key's version, matching by position, not by parameter name.
func TestAPIVersionInPathKey(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData([]byte(`openapi: 3.0.0
info: {title: storage, version: 2026-03-01-generated}
paths:
  /subscriptions/{subscription_id}/resourceGroups/{resource_group_name}/providers/Microsoft.Storage/storageAccounts?api-version=2023-05-01:
    get:
      operationId: StorageAccounts_ListByResourceGroup
      parameters:
        - {name: subscription_id, in: path, required: true, schema: {type: string}}
        - {name: resource_group_name, in: path, required: true, schema: {type: string}}
      x-ms-pageable: {nextLinkName: nextLink}
      responses: {'200': {description: OK, content: {application/json: {schema: {type: object}}}}}
`))
	if err != nil {
		t.Fatal(err)
	}
	ts := serve(t, Config{}, Document{Source: "storage", Load: func() (*openapi3.T, error) { return doc, nil }})
	status, body := get(t, ts.URL+"/subscriptions/"+testSub+"/resourceGroups/rg1/providers/Microsoft.Storage/storageAccounts?api-version=2023-05-01")
	if v, _ := body["value"].([]any); status != 200 || len(v) != 1 {
		t.Errorf("list at the path key's api-version: %d %v; want the one storage account", status, body)
	}
}
