package test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The tests in this file register real public OpenAPI 3 specs (testdata/linode,
// testdata/okta, testdata/twilio; see each SOURCES.md) as a new user would, and
// query them through the real binary against Stoplight's Prism, an independent
// mock server from npm (pinned in prism/package.json), in static mode: every
// answer is the spec's own example. A recording proxy in front of Prism keeps
// the requests skyql sent, and Prism validates each of them against the spec,
// so a boolean sent as 1 or an integer sent as "1.0" is answered 422.

// prismDir holds the pinned Prism install (npm ci there).
const prismDir = "prism"

var prismInstall struct {
	once sync.Once
	bin  string
	err  error
}

// prismBinary installs Prism from the lock file the first time it is needed (CI
// runs npm ci beforehand) and returns its path. Without node and npm the tests
// are skipped.
func prismBinary(t *testing.T) string {
	t.Helper()
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed: the tests against real specs need the Prism mock server from npm (install Node.js, then run npm ci in test/prism)", tool)
		}
	}
	prismInstall.once.Do(func() {
		bin := filepath.Join(prismDir, "node_modules", ".bin", "prism")
		if _, err := os.Stat(bin); err != nil {
			install := exec.Command("npm", "ci", "--no-audit", "--no-fund")
			install.Dir = prismDir
			if out, err := install.CombinedOutput(); err != nil {
				prismInstall.err = fmt.Errorf("npm ci in test/prism: %v\n%s", err, out)
				return
			}
		}
		prismInstall.bin, prismInstall.err = filepath.Abs(bin)
	})
	if prismInstall.err != nil {
		t.Fatal(prismInstall.err)
	}
	return prismInstall.bin
}

// recordedRequest is one request skyql sent, and Prism's answer to it.
type recordedRequest struct {
	Method string
	Path   string
	Query  url.Values
	Body   []byte
	Status int
}

func (r recordedRequest) String() string {
	s := fmt.Sprintf("%s %s", r.Method, r.Path)
	if len(r.Query) > 0 {
		s += "?" + r.Query.Encode()
	}
	return fmt.Sprintf("%s -> %d", s, r.Status)
}

// mockAPI is Prism serving one spec, behind a proxy that records requests.
type mockAPI struct {
	URL      string
	mu       sync.Mutex
	requests []recordedRequest
}

// startPrism serves spec with Prism on a free loopback port in static mode.
// examples names the example the proxy asks Prism for, by request path (Prism
// answers with an operation's first example otherwise, for some lists the empty one).
func startPrism(t *testing.T, spec string, examples map[string]string) *mockAPI {
	t.Helper()
	bin := prismBinary(t)
	port := freePort(t)
	logs, err := os.Create(filepath.Join(t.TempDir(), "prism.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logs.Close()
	cmd := exec.Command(bin, "mock", "--host", "127.0.0.1", "--port", port, "--dynamic=false", spec)
	cmd.Stdout, cmd.Stderr = logs, logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // node may start helpers: stop them all
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting prism: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	})
	target := &url.URL{Scheme: "http", Host: "127.0.0.1:" + port}
	waitUntilServing(t, target.String(), exited, logs.Name())

	api := &mockAPI{}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(resp *http.Response) error {
		req := resp.Request
		body, _ := req.Context().Value(bodyKey{}).([]byte)
		api.mu.Lock()
		api.requests = append(api.requests, recordedRequest{
			Method: req.Method, Path: req.URL.Path, Query: req.URL.Query(), Body: body, Status: resp.StatusCode,
		})
		api.mu.Unlock()
		return nil
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		if example, ok := examples[r.URL.Path]; ok {
			r.Header.Set("Prefer", "example="+example)
		}
		proxy.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), bodyKey{}, body)))
	}))
	t.Cleanup(srv.Close)
	api.URL = srv.URL
	return api
}

// Requests returns what was sent since the last call, and forgets it.
func (m *mockAPI) Requests() []recordedRequest {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := m.requests
	m.requests = nil
	return out
}

// expectRequests checks the requests sent since the last check, in order.
func (m *mockAPI) expectRequests(t *testing.T, what string, want ...string) []recordedRequest {
	t.Helper()
	got := m.Requests()
	var lines []string
	for _, r := range got {
		lines = append(lines, r.String())
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s sent:\n  %s\nwant:\n  %s", what, strings.Join(lines, "\n  "), strings.Join(want, "\n  "))
	}
	return got
}

// bodyKey carries a request's body to the proxy's ModifyResponse.
type bodyKey struct{}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return fmt.Sprint(l.Addr().(*net.TCPAddr).Port)
}

// waitUntilServing waits for Prism to answer anything (it takes seconds to read
// a spec), or fails with its output when it exits first.
func waitUntilServing(t *testing.T, base string, exited <-chan error, logFile string) {
	t.Helper()
	logs := func() string {
		data, _ := os.ReadFile(logFile)
		return string(data)
	}
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			t.Fatalf("prism exited before serving (%v):\n%s", err, logs())
		default:
		}
		resp, err := http.Get(base + "/")
		if err == nil {
			resp.Body.Close()
			return
		}
		var opErr *net.OpError
		if !errors.As(err, &opErr) {
			t.Fatalf("asking prism: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("prism did not serve within 3 minutes:\n%s", logs())
}

// realAPI is a provider generated from a real spec, installed in its own app
// directory, and the mock serving that spec.
type realAPI struct {
	*mockAPI
	appDir, provider string
	env              []string
	// report is what provider generate --report printed.
	report string
}

// specOptions are what a spec's test sets beyond the spec itself.
type specOptions struct {
	// config is an overrides file for provider generate --config.
	config string
	// examples are the examples Prism is asked for, by request path.
	examples map[string]string
	// env holds the credentials' environment variables.
	env []string
}

// registerSpec generates provider name from spec into a fresh app directory, as
// a new user would, and starts Prism on the spec.
func registerSpec(t *testing.T, spec, name string, opts specOptions) *realAPI {
	t.Helper()
	api := &realAPI{appDir: t.TempDir(), provider: name, env: opts.env}
	args := []string{"provider", "generate", "--spec", spec, "--name", name, "--out", filepath.Join(api.appDir, "src"), "--report"}
	if opts.config != "" {
		args = append(args, "--config", opts.config)
	}
	api.report = runSkyql(t, nil, args...).mustSucceed(t).stdout
	api.mockAPI = startPrism(t, spec, opts.examples)
	return api
}

// skyql runs a command against the mock; --no-cache so every query is sent.
func (a *realAPI) skyql(t *testing.T, args ...string) result {
	t.Helper()
	full := append([]string{"--app-dir", a.appDir, "--endpoint", a.provider + "=" + a.URL, "--no-cache"}, args...)
	return runSkyql(t, a.env, full...)
}

func (a *realAPI) query(t *testing.T, sql string) []map[string]any {
	t.Helper()
	return jsonRows(t, a.skyql(t, "exec", "-o", "json", sql).mustSucceed(t).stdout)
}

// selectAll runs SELECT * FROM table (WHERE where, when given), checks it gives
// wantRows rows, sent the requests wanted and that DESCRIBE agrees with the
// JSON output's types, and returns the rows.
func (a *realAPI) selectAll(t *testing.T, table, where string, wantRows int, requests ...string) []map[string]any {
	t.Helper()
	sql := "SELECT * FROM " + table
	if where != "" {
		sql += " WHERE " + where
	}
	rows := a.query(t, sql)
	if len(rows) != wantRows {
		t.Fatalf("%s: %d rows, want %d: %v", sql, len(rows), wantRows, rows)
	}
	a.expectRequests(t, sql, requests...)
	a.checkTypesAgree(t, table, rows)
	return rows
}

// checkTypesAgree checks that every value of the rows has the JSON type DESCRIBE
// gives its column (null aside): what DESCRIBE says is what JSON output holds.
func (a *realAPI) checkTypesAgree(t *testing.T, table string, rows []map[string]any) {
	t.Helper()
	types := map[string]string{}
	for _, r := range a.query(t, "DESCRIBE "+table) {
		types[fmt.Sprint(r["name"])] = fmt.Sprint(r["type"])
	}
	for i, row := range rows {
		for col, v := range row {
			want, described := types[col]
			if !described || v == nil {
				continue
			}
			got := "string"
			switch v := v.(type) {
			case bool:
				got = "boolean"
			case json.Number:
				got = "number"
				if _, err := v.Int64(); err == nil {
					got = "integer"
				}
			case map[string]any:
				got = "object"
			case []any:
				got = "array"
			}
			if got != want && !(want == "number" && got == "integer") {
				t.Errorf("%s row %d: %s is %s in JSON output but DESCRIBE says %s (%v)", table, i+1, col, got, want, v)
			}
		}
	}
}

// bodyOf decodes a recorded request's JSON body.
func bodyOf(t *testing.T, r recordedRequest) map[string]any {
	t.Helper()
	var body map[string]any
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatalf("%s: body is not a JSON object: %v\n%s", r, err, r.Body)
	}
	return body
}

func mustContain(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, text)
		}
	}
}

// TestLinodeSpec: page-number paging with page/pages/results in an allOf
// envelope, a path parameter ({apiVersion}) with a default, integer ids, JSON
// bodies with booleans, actions under an item.
func TestLinodeSpec(t *testing.T) {
	t.Parallel()
	api := registerSpec(t, "testdata/linode/linode.yaml", "linode", specOptions{env: []string{"LINODE_TOKEN=test-token"}})
	mustContain(t, "the generation report", api.report,
		"service linode (testdata/linode/linode.yaml): 24 operations, 5 resources, methods by verb: select 10, insert 4, replace 4, delete 4, exec 2",
		"insert  post_linode_instance       POST /{apiVersion}/linode/instances\n",
		"exec    post_boot_linode_instance  POST /{apiVersion}/linode/instances/{linodeId}/boot\n",
		"select  get_linode_instances       GET /{apiVersion}/linode/instances\n            paging: page number: query parameter page, size parameter page_size, total pages in pages, total items in results",
	)
	if strings.Contains(api.report, "ambiguous") {
		t.Errorf("nothing about Linode's paging is ambiguous:\n%s", api.report)
	}

	services := api.query(t, "SHOW SERVICES IN linode")
	if d := fmt.Sprint(services[0]["description"]); len(d) > 160 || d == "" {
		t.Errorf("SHOW SERVICES description %q: want the spec's first sentence, short", d)
	}

	// The example says page 1 of 1: one request, and the list ends.
	instances := api.selectAll(t, "linode.linode.linode_instances", "", 1, "GET /v4/linode/instances -> 200")
	if instances[0]["label"] != "linode123" {
		t.Errorf("instances: %v", instances)
	}

	// An integer path parameter: sent as 123, and its column is the integer 123.
	one := api.query(t, "SELECT id, label, linodeId FROM linode.linode.linode_instances WHERE linodeId = 123")
	if len(one) != 1 || one[0]["linodeId"] != json.Number("123") {
		t.Errorf("linodeId = 123: %v, want the integer 123 in the linodeId column", one)
	}
	api.expectRequests(t, "the instance by id", "GET /v4/linode/instances/123 -> 200")

	// A child list joined to its parent: one call per instance.
	joined := api.query(t, `SELECT i.label AS instance, d.label AS disk, d.size
		FROM linode.linode.linode_instances i JOIN linode.linode.linode_instances_disks d ON d.linodeId = i.id`)
	if len(joined) != 1 || joined[0]["instance"] != "linode123" || joined[0]["disk"] == nil {
		t.Errorf("instances joined to disks: %v", joined)
	}
	api.expectRequests(t, "the join", "GET /v4/linode/instances -> 200", "GET /v4/linode/instances/123/disks -> 200")

	// INSERT sends booleans as booleans and integers as integers.
	api.skyql(t, "exec", `INSERT INTO linode.linode.linode_instances (data__region, data__type, data__label, data__booted, data__swap_size)
		VALUES ('us-east', 'g6-standard-2', 'web-1', true, '512')`).mustSucceed(t)
	sent := api.expectRequests(t, "the INSERT", "POST /v4/linode/instances -> 200")
	if len(sent) == 1 {
		body := bodyOf(t, sent[0])
		if body["booted"] != true || body["swap_size"] != float64(512) || body["label"] != "web-1" {
			t.Errorf("INSERT body %s: want booted true, swap_size 512 (a number), label web-1", sent[0].Body)
		}
	}

	// An action on an item and a DELETE by an integer id.
	api.skyql(t, "exec", "EXEC linode.linode.linode_instances.post_boot_linode_instance @linodeId = 123").mustSucceed(t)
	api.skyql(t, "exec", "DELETE FROM linode.linode.linode_instances WHERE linodeId = 123").mustSucceed(t)
	api.expectRequests(t, "EXEC and DELETE", "POST /v4/linode/instances/123/boot -> 200", "DELETE /v4/linode/instances/123 -> 200")
}

// TestOktaSpec: server variables, cursor paging through Link headers (declared on
// one list, assumed on the others and said so), boolean query parameters,
// arrays as list responses, camelCase operationIds, api_key auth.
func TestOktaSpec(t *testing.T) {
	t.Parallel()
	api := registerSpec(t, "testdata/okta/okta.yaml", "okta", specOptions{env: []string{"OKTA_API_KEY=SSWS test-token"}})
	mustContain(t, "the generation report", api.report,
		"service okta (testdata/okta/okta.yaml): 16 operations, 4 resources, methods by verb: select 6, insert 2, replace 3, delete 3, exec 2",
		"select  listEmailTemplates     GET /api/v1/brands/{brandId}/templates/email\n            paging: Link header (declared on the response)",
		"exec    activateUser           POST /api/v1/users/{id}/lifecycle/activate\n",
		"insert  createUser             POST /api/v1/users\n",
		"ambiguous (3):",
		"GET /api/v1/users (users.listUsers): cursor parameter after, but neither a next-cursor body field nor a Link header is declared: a Link header is assumed",
	)

	users := api.selectAll(t, "okta.okta.users", "", 1, "GET /api/v1/users -> 200")
	if users[0]["status"] != "ACTIVE" {
		t.Errorf("users: %v", users)
	}

	// Prism's Link header holds no rel="next": the list ends after one page.
	api.selectAll(t, "okta.okta.brands_templates_email", "brandId = 'bnd1'", 1,
		"GET /api/v1/brands/bnd1/templates/email -> 200")
	// An array query parameter, as the spec declares it (form style, explode: false):
	// one expand=settings,customizationCount.
	for _, expand := range []string{`'["settings","customizationCount"]'`, `'settings,customizationCount'`} {
		if rows := api.query(t, "SELECT name FROM okta.okta.brands_templates_email WHERE brandId = 'bnd1' AND expand = "+expand); len(rows) != 1 {
			t.Errorf("expand = %s: %v, want the one template", expand, rows)
		}
		api.expectRequests(t, "expand = "+expand, "GET /api/v1/brands/bnd1/templates/email?expand=settings%2CcustomizationCount -> 200")
	}

	// A boolean query parameter and an object body field.
	api.skyql(t, "exec", `INSERT INTO okta.okta.users (activate, data__profile)
		VALUES (true, '{"firstName": "Isaac", "lastName": "Brock", "email": "isaac@example.com", "login": "isaac@example.com"}')`).mustSucceed(t)
	sent := api.expectRequests(t, "the INSERT", "POST /api/v1/users?activate=true -> 200")
	if len(sent) == 1 {
		if profile, _ := bodyOf(t, sent[0])["profile"].(map[string]any); profile["login"] != "isaac@example.com" {
			t.Errorf("INSERT body %s: want profile as an object", sent[0].Body)
		}
	}
	api.skyql(t, "exec", "DELETE FROM okta.okta.users WHERE id = '00u1' AND sendEmail = false").mustSucceed(t)
	api.expectRequests(t, "the DELETE", "DELETE /api/v1/users/00u1?sendEmail=false -> 204")

	// A value that is no boolean is refused before anything is sent.
	r := api.skyql(t, "exec", "DELETE FROM okta.okta.users WHERE id = '00u1' AND sendEmail = 'maybe'")
	r.mustFail(t, `parameter sendEmail is a boolean: give true or false, not "maybe"`)
	api.expectRequests(t, "the refused DELETE")
}

// TestTwilioSpec: JSON, the next page's URL in a nested meta object, a date-time
// query parameter, a path parameter differing from a property only in case (Sid,
// sid), basic auth.
func TestTwilioSpec(t *testing.T) {
	t.Parallel()
	api := registerSpec(t, "testdata/twilio/twilio_monitor_v1.json", "twilio", specOptions{
		config:   "testdata/twilio/config.yaml",
		examples: map[string]string{"/v1/Alerts": "readFull", "/v1/Events": "readFull"}, // not readEmpty
		env:      []string{"TWILIO_USERNAME=AC00000000000000000000000000000000", "TWILIO_PASSWORD=secret"},
	})
	mustContain(t, "the generation report", api.report,
		"service twilio_monitor_v1 (testdata/twilio/twilio_monitor_v1.json): 4 operations, 2 resources, methods by verb: select 4",
		"select  ListAlert   GET /v1/Alerts\n            paging: next URL: body field meta.next_page_url",
		"select  ListEvent   GET /v1/Events\n            paging: page number: query parameter Page (set by the config)",
	)

	alerts := api.selectAll(t, "twilio.twilio_monitor_v1.alerts", "StartDate = '2016-01-01T00:00:00Z'", 1,
		"GET /v1/Alerts?StartDate=2016-01-01T00%3A00%3A00Z -> 200")
	if alerts[0]["sid"] != "NOaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" {
		t.Errorf("alerts: %v", alerts)
	}

	one := api.query(t, "SELECT sid, log_level FROM twilio.twilio_monitor_v1.alerts WHERE Sid = 'NOaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'")
	if len(one) != 1 {
		t.Errorf("alert by Sid: %v", one)
	}
	api.expectRequests(t, "the alert by Sid", "GET /v1/Alerts/NOaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa -> 200")

	// The config pages events by page number with no total, and Prism serves the
	// same example for every page: the repeated page ends the list, its row once.
	api.selectAll(t, "twilio.twilio_monitor_v1.events", "", 1, "GET /v1/Events -> 200", "GET /v1/Events?Page=1 -> 200")
}
