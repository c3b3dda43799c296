package engine

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skyql/skyql/pkg/executor"
	"github.com/skyql/skyql/pkg/provider"
	"github.com/skyql/skyql/pkg/store"
)

// kitchenAPI is an HTTPS server that answers for every host name, so that
// documents whose server URLs name real hosts (https://{vault_name}...)
// reach it while the host each request named is recorded.
type kitchenAPI struct {
	mu     sync.Mutex
	hosts  []string
	paths  []string
	writes []string // "METHOD path content-type body"
}

func (k *kitchenAPI) record(r *http.Request) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.hosts = append(k.hosts, r.Host)
	k.paths = append(k.paths, r.URL.RequestURI())
}

func (k *kitchenAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	k.record(r)
	w.Header().Set("Content-Type", "application/json")
	switch {
	case strings.HasPrefix(r.URL.Path, "/api/formula/"):
		name := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/api/formula/"), ".json")
		json.NewEncoder(w).Encode(map[string]any{
			"name": name, "full_name": "homebrew/core/" + name, "license": map[string]string{"skyql": "MIT", "sqlite": "blessing"}[name],
			"versions":     map[string]any{"stable": "1.2." + name, name: "own-" + name},
			"dependencies": []string{"go", "sqlite"},
		})
	case r.URL.Path == "/secrets":
		json.NewEncoder(w).Encode(map[string]any{"value": []any{
			map[string]any{"id": "https://" + r.Host + "/secrets/a", "enabled": true},
		}})
	case r.URL.Path == "/" && r.URL.Query().Get("Action") == "ListRevocations":
		w.Header().Set("Content-Type", "text/xml")
		io.WriteString(w, `<?xml version="1.0"?>
<ListRevocationsResponse xmlns="https://reports.example.com/doc/2015-12-01/">
  <ListRevocationsResult>
    <Revocations>
      <member><RevocationId>r-1</RevocationId><NumberOfEntries>3</NumberOfEntries></member>
      <member><RevocationId>r-2</RevocationId><NumberOfEntries>5</NumberOfEntries></member>
    </Revocations>
  </ListRevocationsResult>
</ListRevocationsResponse>`)
	case r.URL.Path == "/v2/droplets" && r.URL.Query().Get("page") == "":
		json.NewEncoder(w).Encode(map[string]any{"droplets": []any{map[string]any{"id": 1, "name": "web-1"}},
			"links": map[string]any{"pages": map[string]any{"next": "https://" + r.Host + "/v2/droplets?page=2"}}})
	case r.URL.Path == "/v2/droplets":
		json.NewEncoder(w).Encode(map[string]any{"droplets": []any{map[string]any{"id": 2, "name": "web-2"}}, "links": map[string]any{}})
	case r.Method == http.MethodPut || r.Method == http.MethodPost:
		body, _ := io.ReadAll(r.Body)
		k.mu.Lock()
		k.writes = append(k.writes, r.Method+" "+r.URL.RequestURI()+" "+r.Header.Get("Content-Type")+" "+string(body))
		k.mu.Unlock()
		io.WriteString(w, `{"id": "/ns/new", "name": "new"}`)
	case r.URL.Path == "/metrics":
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "# TYPE requests counter\nrequests 42\n")
	case r.URL.Path == "/namespaces" && r.URL.Query().Get("page") == "":
		json.NewEncoder(w).Encode(map[string]any{
			"value":    []any{map[string]any{"id": "/ns/a", "name": "a", "properties": map[string]any{"status": "Active", "createdAt": "2026-01-01"}}},
			"nextLink": "https://" + r.Host + "/namespaces?page=2",
		})
	case r.URL.Path == "/namespaces":
		json.NewEncoder(w).Encode(map[string]any{
			"value": []any{map[string]any{"id": "/ns/b", "name": "b", "properties": map[string]any{"status": "Disabled"}}},
		})
	default:
		http.NotFound(w, r)
	}
}

// newKitchenSession serves the kitchen provider's documents from api.
func newKitchenSession(t *testing.T) (*Session, *kitchenAPI) {
	t.Helper()
	p, err := provider.LoadDir("testdata/kitchen/v1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	api := &kitchenAPI{}
	srv := httptest.NewUnstartedServer(api)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // handshakes cut short at Close
	srv.StartTLS()
	t.Cleanup(srv.Close)
	client := srv.Client()
	transport := client.Transport.(*http.Transport).Clone()
	transport.TLSClientConfig = &tls.Config{RootCAs: transport.TLSClientConfig.RootCAs, ServerName: "example.com"}
	transport.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, srv.Listener.Addr().String())
	}
	t.Cleanup(transport.CloseIdleConnections)
	client = &http.Client{Transport: transport}
	st, err := store.Open(context.Background(), store.Options{TTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s := New(Config{
		Catalog:  dirCatalog{p},
		Store:    st,
		Executor: executor.New(executor.Options{Client: client, Concurrency: 2}),
	})
	return s, api
}

func TestServerVariablesAreBoundFromWhere(t *testing.T) {
	s, api := newKitchenSession(t)
	var got rows
	if err := s.Execute(context.Background(), "SELECT id, vault_name FROM kitchen.secrets.secrets WHERE vault_name = 'kv-prod-01'", &got); err != nil {
		t.Fatal(err)
	}
	if len(got.data) != 1 || got.data[0][0] != "https://kv-prod-01.eu.vault.example.net/secrets/a" || got.data[0][1] != "kv-prod-01" {
		t.Errorf("rows %v, hosts %v", got.data, api.hosts)
	}
	// A variable with a default takes the WHERE's value too, checked
	// against the document's enum.
	got = rows{}
	if err := s.Execute(context.Background(), "SELECT id FROM kitchen.secrets.secrets WHERE vault_name = 'kv-2' AND region = 'us'", &got); err != nil {
		t.Fatal(err)
	}
	if len(got.data) != 1 || got.data[0][0] != "https://kv-2.us.vault.example.net/secrets/a" {
		t.Errorf("rows %v", got.data)
	}
	expectErrors(t, s, map[string]string{
		"SELECT id FROM kitchen.secrets.secrets":                                             "vault_name",
		"SELECT id FROM kitchen.secrets.secrets WHERE vault_name = 'kv' AND region = 'asia'": "must be one of eu, us",
		"SELECT id FROM kitchen.secrets.secrets WHERE vault_name = 'evil.example.org/x'":     `'/' is not allowed there`,
		"SELECT id FROM kitchen.secrets.secrets WHERE vault_name = 'a@evil.example.org'":     `'@' is not allowed there`,
	})
	for _, h := range api.hosts {
		if !strings.HasSuffix(h, ".vault.example.net") {
			t.Errorf("a request went to %s", h)
		}
	}
}

func TestServerVariablesAreShownAsParameters(t *testing.T) {
	s, _ := newKitchenSession(t)
	var got rows
	if err := s.Execute(context.Background(), "SHOW METHODS IN kitchen.secrets.secrets", &got); err != nil {
		t.Fatal(err)
	}
	if len(got.data) != 1 || got.data[0][1] != "vault_name" {
		t.Errorf("SHOW METHODS: %v", got.data)
	}
	var described rows
	if err := s.Execute(context.Background(), "DESCRIBE kitchen.secrets.secrets", &described); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(fmt.Sprint(described.data), "vault_name string Key vault name.") {
		t.Errorf("DESCRIBE: %v", described.data)
	}
	var explained rows
	if err := s.Execute(context.Background(), "EXPLAIN SELECT id FROM kitchen.secrets.secrets WHERE vault_name = 'kv-prod-01'", &explained); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(explained.data[0], " "), "GET https://kv-prod-01.eu.vault.example.net/secrets") {
		t.Errorf("EXPLAIN: %v", explained.data)
	}
}

func TestViewsRunOverTheirResources(t *testing.T) {
	s, api := newKitchenSession(t)
	var got rows
	if err := s.Execute(context.Background(), "SELECT formula_name, latest_version, license FROM kitchen.formula.vw_info ORDER BY formula_name", &got); err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"skyql", "1.2.skyql", "MIT"}, {"sqlite", "1.2.sqlite", "blessing"}}
	if strings.Join(got.cols, ",") != "formula_name,latest_version,license" || !equalRows(got.data, want) {
		t.Errorf("vw_info: %v %v, want %v", got.cols, got.data, want)
	}
	// A view over a view, with an alias and a filter of its own.
	got = rows{}
	if err := s.Execute(context.Background(), "SELECT v.formula_name FROM kitchen.formula.vw_info_of_info v WHERE v.latest_version LIKE '1.2.%'", &got); err != nil {
		t.Fatal(err)
	}
	if !equalRows(got.data, [][]string{{"skyql"}}) {
		t.Errorf("vw_info_of_info: %v", got.data)
	}
	// The query's constants replace the definition's own: a view is a template.
	got = rows{}
	if err := s.Execute(context.Background(), "SELECT formula_name, latest_version FROM kitchen.formula.vw_info WHERE formula_name = 'curl'", &got); err != nil {
		t.Fatal(err)
	}
	if !equalRows(got.data, [][]string{{"curl", "1.2.curl"}}) {
		t.Errorf("vw_info for curl: %v", got.data)
	}
	// A definition that requires a parameter applies once the query gives it.
	got = rows{}
	if err := s.Execute(context.Background(), "SELECT formula_name, license FROM kitchen.formula.vw_by_name WHERE formula_name = 'skyql'", &got); err != nil {
		t.Fatal(err)
	}
	if !equalRows(got.data, [][]string{{"skyql", "MIT"}}) {
		t.Errorf("vw_by_name: %v", got.data)
	}
	// Written for PostgreSQL only: the JSON functions are translated.
	got = rows{}
	if err := s.Execute(context.Background(), "SELECT * FROM kitchen.formula.vw_postgres_only ORDER BY dependency", &got); err != nil {
		t.Fatal(err)
	}
	want = [][]string{{"skyql", "1.2.skyql", "own-skyql", "go"}, {"skyql", "1.2.skyql", "own-skyql", "sqlite"}}
	if !equalRows(got.data, want) {
		t.Errorf("vw_postgres_only: %v, want %v", got.data, want)
	}
	expectErrors(t, s, map[string]string{
		"SELECT * FROM kitchen.formula.vw_cast":          "view kitchen.formula.vw_cast is defined only for PostgreSQL, and the PostgreSQL cast ::integer has no SQLite translation",
		"SELECT * FROM kitchen.formula.vw_other_dialect": "view kitchen.formula.vw_other_dialect is defined only for oracle",
		"SELECT * FROM kitchen.formula.vw_by_name":       "view kitchen.formula.vw_by_name needs formula_name: give each in WHERE (formula_name = '...')",
	})
	// DESCRIBE reads a view's columns from its definition, calling no API.
	calls := len(api.paths)
	for view, want := range map[string]string{
		"vw_info":    "formula_name full_name latest_version license",
		"vw_by_name": "formula_name license",
	} {
		var described rows
		if err := s.Execute(context.Background(), "DESCRIBE kitchen.formula."+view, &described); err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, r := range described.data {
			names = append(names, r[0])
		}
		if strings.Join(names, " ") != want {
			t.Errorf("DESCRIBE %s: %v, want %s", view, described.data, want)
		}
	}
	if len(api.paths) != calls {
		t.Errorf("DESCRIBE called the API: %v", api.paths[calls:])
	}
	for _, p := range api.paths {
		if p == "/api/formula/never-used.json" {
			t.Errorf("the Postgres fallback of vw_info ran")
		}
	}
}

func TestResponsesAreReshapedAsTheDocumentSays(t *testing.T) {
	s, _ := newKitchenSession(t)
	for sql, want := range map[string][][]string{
		// XML read into maps, then the document's mxj template.
		"SELECT RevocationId, NumberOfEntries FROM kitchen.reports.revocations ORDER BY RevocationId": {{"r-1", "3"}, {"r-2", "5"}},
		// A text/plain answer handed to a text template as one string.
		"SELECT contents FROM kitchen.reports.metrics": {{"# TYPE requests counter\nrequests 42\n"}},
		// A next-page link found by a JSONPath token key.
		"SELECT id, name FROM kitchen.reports.droplets ORDER BY id": {{"1", "web-1"}, {"2", "web-2"}},
		// Each page of JSON reshaped, and paging still follows the nextLink it keeps.
		"SELECT name, json_extract(properties, '$.status') FROM kitchen.reports.namespaces ORDER BY name": {{"a", "Active"}, {"b", "Disabled"}},
		// The flattened fields are columns of their own.
		"SELECT name, status, createdAt FROM kitchen.reports.namespaces ORDER BY name": {{"a", "Active", "2026-01-01"}, {"b", "Disabled", "<nil>"}},
	} {
		var got rows
		if err := s.Execute(context.Background(), sql, &got); err != nil {
			t.Errorf("%s: %v", sql, err)
			continue
		}
		if !equalRows(got.data, want) {
			t.Errorf("%s:\n got %q\nwant %q", sql, got.data, want)
		}
	}
}

func TestWriteBodiesFollowTheDocument(t *testing.T) {
	s, api := newKitchenSession(t)
	ctx := context.Background()
	// requestBodyTranslate naive: body fields by name, snake_case in the
	// document's nativeCasing; request.base under them.
	stmts := []string{
		`INSERT INTO kitchen.reports.namespaces (namespace_name, location, zone_redundant, private_endpoint_connections)
		 SELECT 'ns1', 'westeurope', true, '[{"id": "pe1"}]'`,
		`UPDATE kitchen.reports.namespaces SET data__kind = 'Premium', location = 'westeurope', zone_redundant = false WHERE namespace_name = 'ns1'`,
		// A request transform: the object's contents are the body itself.
		`INSERT INTO kitchen.reports.objects (key, contents) SELECT 'notes.txt', 'hello'`,
		// The path key's __type tells operations apart and is never sent.
		`EXEC kitchen.reports.droplets.reboot @droplet_id = 7`,
	}
	for _, sql := range stmts {
		if err := s.Execute(ctx, sql, &rows{}); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	want := []string{
		`PUT /namespaces/ns1 application/json {"kind":"Standard","location":"westeurope","privateEndpointConnections":[{"id":"pe1"}],"zoneRedundant":true}`,
		`PUT /namespaces/ns1 application/json {"kind":"Premium","location":"westeurope","zoneRedundant":false}`,
		`PUT /objects/notes.txt application/octet-stream hello`,
		`POST /v2/droplets/7/actions application/json {"type":"reboot"}`,
	}
	if strings.Join(api.writes, "\n") != strings.Join(want, "\n") {
		t.Errorf("sent\n%s\nwant\n%s", strings.Join(api.writes, "\n"), strings.Join(want, "\n"))
	}
	expectErrors(t, s, map[string]string{
		"UPDATE kitchen.reports.namespaces SET colour = 'red' WHERE namespace_name = 'ns1'": "UPDATE can only SET body fields (data__<field>, or a field of create_or_update's body by name), not colour",
	})
}

func equalRows(got, want [][]string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if strings.Join(got[i], "\x00") != strings.Join(want[i], "\x00") {
			return false
		}
	}
	return true
}

// expectErrors runs each statement and checks that it fails with a message
// holding its text.
func expectErrors(t *testing.T, s *Session, wants map[string]string) {
	t.Helper()
	for sql, want := range wants {
		err := s.Execute(context.Background(), sql, &rows{})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s:\n got %v\nwant %q", sql, err, want)
		}
	}
}
