package executor

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skyql/skyql/pkg/provider"
)

// reply is one scripted answer. "{srv}" in a header value becomes the
// server's URL, since ARM's status headers are absolute URLs.
type reply struct {
	status int
	header map[string]string
	body   string
}

// armServer answers "METHOD path" keys with scripted replies in turn (the
// last one repeats) and logs every request, as ARM's LRO endpoints would.
type armServer struct {
	*httptest.Server
	mu      sync.Mutex
	script  map[string][]reply
	served  map[string]int
	log     []string
	noCreds []string
}

func newARMServer(t *testing.T, script map[string][]reply) *armServer {
	t.Helper()
	s := &armServer{script: script, served: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *armServer) serve(w http.ResponseWriter, r *http.Request) {
	key := r.Method + " " + r.URL.Path
	s.mu.Lock()
	s.log = append(s.log, key)
	if r.Header.Get("Authorization") != "Bearer "+testToken {
		s.noCreds = append(s.noCreds, key)
	}
	replies, ok := s.script[key]
	n := s.served[key]
	s.served[key]++
	s.mu.Unlock()
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"error":{"code":"ResourceNotFound","message":"no script for ` + key + `"}}`))
		return
	}
	rep := replies[min(n, len(replies)-1)]
	for k, v := range rep.header {
		w.Header().Set(k, strings.ReplaceAll(v, "{srv}", s.URL))
	}
	if rep.body != "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(rep.status)
	_, _ = w.Write([]byte(rep.body))
}

func (s *armServer) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.log...)
}

const testToken = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.secret-part"

// bearer is the simplest real Authorizer: a fixed bearer token.
type bearer string

func (b bearer) Authorize(_ context.Context, req *http.Request) error {
	req.Header.Set("Authorization", "Bearer "+string(b))
	return nil
}

func (b bearer) AuthorizeDryRun(req *http.Request) {
	req.Header.Set("Authorization", "Bearer ***")
}

const thingPath = "/subscriptions/s1/providers/Test.Things/things/t1"

func thingCall(base, httpMethod, suffix string, lro *provider.LRO, body string) *Call {
	m := &provider.Method{
		Name: "things_" + strings.ToLower(httpMethod), HTTPMethod: httpMethod, LRO: lro,
		Path: "/subscriptions/{subscriptionId}/providers/Test.Things/things/{thingName}" + suffix,
		Params: []*provider.Param{
			{Name: "subscriptionId", In: "path", Required: true},
			{Name: "thingName", In: "path", Required: true},
			{Name: "api-version", In: "query", Required: true, Default: "2023-05-01"},
		},
	}
	c := &Call{Method: m, Params: map[string]string{"subscriptionId": "s1", "thingName": "t1"}, BaseURL: base, Auth: bearer(testToken)}
	if body != "" {
		c.Body = []byte(body)
	}
	return c
}

// newTestExecutor polls once an hour unless told otherwise, so every
// scripted status answer must carry Retry-After: a test that finishes
// proves the header was honoured.
func newTestExecutor(client *http.Client) *Executor {
	return New(Options{Client: client, PollInterval: time.Hour,
		Retry: RetryPolicy{MaxAttempts: 4, BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond, MaxRetryAfter: time.Second}})
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

var now = map[string]string{"Retry-After": "0"}

func withNow(h map[string]string) map[string]string {
	out := map[string]string{"Retry-After": "0"}
	for k, v := range h {
		out[k] = v
	}
	return out
}

func inProgress(status string) reply {
	return reply{status: 200, header: now, body: `{"id":"op1","status":"` + status + `"}`}
}

func assertLog(t *testing.T, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("requests:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func TestSendPutPollsAzureAsyncOperationThenGetsResource(t *testing.T) {
	srv := newARMServer(t, map[string][]reply{
		"PUT " + thingPath: {{status: 201, header: withNow(map[string]string{"Azure-AsyncOperation": "{srv}/operations/op1"}),
			body: `{"name":"t1","properties":{"provisioningState":"Creating"}}`}},
		"GET /operations/op1": {{status: 202, header: now}, {status: 200, header: now, body: `{"status":"Running","percentComplete":40}`},
			inProgress("InProgress"), inProgress("succeeded")},
		"GET " + thingPath: {{status: 200, body: `{"name":"t1","properties":{"provisioningState":"Succeeded","size":3}}`}},
	})
	e := newTestExecutor(srv.Client())
	var seen []LROStatus
	out, err := e.Send(testContext(t), thingCall(srv.URL, "PUT", "", &provider.LRO{}, `{"properties":{"size":3}}`),
		SendOptions{Progress: func(s LROStatus) { seen = append(seen, s) }})
	if err != nil {
		t.Fatal(err)
	}
	if out.Polls != 4 || out.StatusCode != 200 || !strings.Contains(string(out.Body), `"size":3`) {
		t.Fatalf("outcome = %+v (body %s)", out, out.Body)
	}
	assertLog(t, srv.requests(), "PUT "+thingPath, "GET /operations/op1", "GET /operations/op1", "GET /operations/op1", "GET /operations/op1", "GET "+thingPath)
	if len(seen) != 4 || seen[0].Status != "InProgress" || seen[1].Status != "Running" || seen[1].PercentComplete != 40 ||
		seen[3].Status != "succeeded" || seen[3].Polls != 4 {
		t.Fatalf("progress = %+v", seen)
	}
	if st := e.Stats(); st.Polls != 4 || st.Requests != 6 {
		t.Fatalf("stats = %+v, want 4 polls of 6 requests", st)
	}
	if len(srv.noCreds) > 0 {
		t.Fatalf("requests without the token: %v", srv.noCreds)
	}
}

func TestSendPostPollsLocationForResult(t *testing.T) {
	srv := newARMServer(t, map[string][]reply{
		"POST " + thingPath + "/backup": {{status: 202, header: withNow(map[string]string{"Location": "{srv}/results/r1"})}},
		"GET /results/r1": {{status: 202, header: withNow(map[string]string{"Location": "{srv}/results/r1"})},
			{status: 200, body: `{"jobId":"j1"}`}},
	})
	e := newTestExecutor(srv.Client())
	out, err := e.Send(testContext(t), thingCall(srv.URL, "POST", "/backup", &provider.LRO{FinalStateVia: "location"}, `{}`), SendOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if out.Polls != 2 || out.StatusCode != 200 || string(out.Body) != `{"jobId":"j1"}` {
		t.Fatalf("outcome = %+v (body %s)", out, out.Body)
	}
	assertLog(t, srv.requests(), "POST "+thingPath+"/backup", "GET /results/r1", "GET /results/r1")
}

func TestSendDeletePollsLocationUntilNoContent(t *testing.T) {
	srv := newARMServer(t, map[string][]reply{
		"DELETE " + thingPath:      {{status: 202, header: withNow(map[string]string{"Location": "{srv}/operationResults/d1"})}},
		"GET /operationResults/d1": {{status: 202, header: now}, {status: 204}},
	})
	e := newTestExecutor(srv.Client())
	out, err := e.Send(testContext(t), thingCall(srv.URL, "DELETE", "", &provider.LRO{}, ""), SendOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if out.Polls != 2 || out.StatusCode != 204 || out.Body != nil {
		t.Fatalf("outcome = %+v", out)
	}
}

func TestSendFailedOperationCarriesCodeAndMessage(t *testing.T) {
	srv := newARMServer(t, map[string][]reply{
		"PUT " + thingPath: {{status: 201, header: withNow(map[string]string{"Azure-AsyncOperation": "{srv}/operations/op1"})}},
		"GET /operations/op1": {inProgress("InProgress"),
			{status: 200, body: `{"status":"Failed","error":{"code":"QuotaExceeded","message":"the vault holds 100 things already"}}`}},
	})
	e := newTestExecutor(srv.Client())
	_, err := e.Send(testContext(t), thingCall(srv.URL, "PUT", "", &provider.LRO{}, `{}`), SendOptions{})
	var opErr *OperationError
	if !errors.As(err, &opErr) {
		t.Fatalf("err = %v, want *OperationError", err)
	}
	if opErr.Status != "Failed" || !strings.Contains(err.Error(), "QuotaExceeded") || !strings.Contains(err.Error(), "the vault holds 100 things already") {
		t.Fatalf("err = %v", err)
	}
	if got := srv.requests(); len(got) != 3 {
		t.Fatalf("requests = %v; a failed operation needs no final GET", got)
	}
}

func TestSendCancelledIsAnErrorCaseInsensitive(t *testing.T) {
	srv := newARMServer(t, map[string][]reply{
		"DELETE " + thingPath: {{status: 202, header: withNow(map[string]string{"Azure-AsyncOperation": "{srv}/operations/op1", "Location": "{srv}/results/r1"})}},
		"GET /operations/op1": {{status: 200, body: `{"status":"CANCELLED"}`}},
	})
	_, err := newTestExecutor(srv.Client()).Send(testContext(t), thingCall(srv.URL, "DELETE", "", nil, ""), SendOptions{})
	var opErr *OperationError
	if !errors.As(err, &opErr) || opErr.Status != "CANCELLED" || !strings.Contains(err.Error(), "without giving a reason") {
		t.Fatalf("err = %v", err)
	}
}

func TestSendNoWaitReturnsOperationURL(t *testing.T) {
	srv := newARMServer(t, map[string][]reply{
		"POST " + thingPath + "/restore": {{status: 202, header: map[string]string{
			"Azure-AsyncOperation": "{srv}/operations/op9", "Location": "{srv}/results/r9", "Retry-After": "30"}}},
	})
	e := newTestExecutor(srv.Client())
	out, err := e.Send(testContext(t), thingCall(srv.URL, "POST", "/restore", &provider.LRO{}, `{}`), SendOptions{NoWait: true})
	if err != nil {
		t.Fatal(err)
	}
	if out.OperationURL != srv.URL+"/operations/op9" || out.StatusCode != 202 || out.Polls != 0 {
		t.Fatalf("outcome = %+v", out)
	}
	assertLog(t, srv.requests(), "POST "+thingPath+"/restore")
}

func TestSendPutPollsResourceProvisioningState(t *testing.T) {
	creating := reply{status: 200, header: now, body: `{"properties":{"provisioningState":"Creating"}}`}
	srv := newARMServer(t, map[string][]reply{
		"PUT " + thingPath: {{status: 201, header: now, body: `{"properties":{"provisioningState":"Accepted"}}`}},
		"GET " + thingPath: {creating, creating, {status: 200, body: `{"name":"t1","properties":{"provisioningState":"Succeeded"}}`}},
	})
	out, err := newTestExecutor(srv.Client()).Send(testContext(t), thingCall(srv.URL, "PUT", "", &provider.LRO{}, `{}`), SendOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if out.Polls != 3 || !strings.Contains(string(out.Body), `"name":"t1"`) {
		t.Fatalf("outcome = %+v (body %s)", out, out.Body)
	}
	assertLog(t, srv.requests(), "PUT "+thingPath, "GET "+thingPath, "GET "+thingPath, "GET "+thingPath)
}

func TestSendPostStatusMonitorResult(t *testing.T) {
	srv := newARMServer(t, map[string][]reply{
		"POST " + thingPath + "/validate": {{status: 202, header: withNow(map[string]string{"Azure-AsyncOperation": "{srv}/operations/v1"})}},
		"GET /operations/v1":              {{status: 200, body: `{"status":"Succeeded","result":{"valid":true}}`}},
	})
	out, err := newTestExecutor(srv.Client()).Send(testContext(t), thingCall(srv.URL, "POST", "/validate", &provider.LRO{FinalStateVia: "azure-async-operation"}, `{}`), SendOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if string(out.Body) != `{"valid":true}` {
		t.Fatalf("body = %s", out.Body)
	}
}

func TestSendStatusReadRetriesTransientAndFailsOnOthers(t *testing.T) {
	srv := newARMServer(t, map[string][]reply{
		"PUT " + thingPath: {{status: 201, header: withNow(map[string]string{"Azure-AsyncOperation": "{srv}/operations/op1"})}},
		"GET /operations/op1": {{status: 503, header: now}, inProgress("InProgress"),
			{status: 403, body: `{"error":{"code":"AuthorizationFailed","message":"no read access"}}`}},
	})
	e := newTestExecutor(srv.Client())
	_, err := e.Send(testContext(t), thingCall(srv.URL, "PUT", "", &provider.LRO{}, `{}`), SendOptions{})
	var opErr *OperationError
	if err == nil || errors.As(err, &opErr) || !strings.Contains(err.Error(), "reading the long-running operation's status failed") || !strings.Contains(err.Error(), "AuthorizationFailed") {
		t.Fatalf("err = %v, want a failed status read", err)
	}
	if st := e.Stats(); st.Retries != 1 || st.Polls != 2 {
		t.Fatalf("stats = %+v, want 1 retry (the 503) and 2 polls", st)
	}
}

func TestSendLocationErrorIsTheOperationsFailure(t *testing.T) {
	srv := newARMServer(t, map[string][]reply{
		"POST " + thingPath + "/backup": {{status: 202, header: withNow(map[string]string{"Location": "{srv}/results/r1"})}},
		"GET /results/r1":               {{status: 400, body: `{"error":{"code":"UserErrorPolicyNotFound","message":"the policy is gone"}}`}},
	})
	_, err := newTestExecutor(srv.Client()).Send(testContext(t), thingCall(srv.URL, "POST", "/backup", &provider.LRO{}, `{}`), SendOptions{})
	var opErr *OperationError
	if !errors.As(err, &opErr) || opErr.Code != "UserErrorPolicyNotFound" || !strings.Contains(err.Error(), "the policy is gone") {
		t.Fatalf("err = %v", err)
	}
}

func TestSendPostServerErrorNotRetried(t *testing.T) {
	srv := newARMServer(t, map[string][]reply{
		"POST " + thingPath + "/backup": {{status: 500, header: now, body: `{"error":{"code":"InternalServerError","message":"boom"}}`}},
	})
	_, err := newTestExecutor(srv.Client()).Send(testContext(t), thingCall(srv.URL, "POST", "/backup", &provider.LRO{}, `{}`), SendOptions{})
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 500 {
		t.Fatalf("err = %v", err)
	}
	if got := srv.requests(); len(got) != 1 {
		t.Fatalf("requests = %v; a POST must not be retried", got)
	}
}

func TestSendPutThrottledIsRetried(t *testing.T) {
	srv := newARMServer(t, map[string][]reply{
		"PUT " + thingPath: {{status: 429, header: now, body: `{"error":{"code":"TooManyRequests","message":"slow down"}}`},
			{status: 200, body: `{"name":"t1","properties":{"provisioningState":"Succeeded"}}`}},
	})
	e := newTestExecutor(srv.Client())
	out, err := e.Send(testContext(t), thingCall(srv.URL, "PUT", "", &provider.LRO{}, `{}`), SendOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if out.Polls != 0 || out.StatusCode != 200 || len(srv.requests()) != 2 || e.Stats().Retries != 1 {
		t.Fatalf("outcome = %+v, requests %v, stats %+v", out, srv.requests(), e.Stats())
	}
}

func TestSendRefusesStatusURLOnAnotherHost(t *testing.T) {
	elsewhere := newARMServer(t, map[string][]reply{"GET /operations/op1": {inProgress("Succeeded")}})
	srv := newARMServer(t, map[string][]reply{
		"PUT " + thingPath: {{status: 201, header: withNow(map[string]string{"Azure-AsyncOperation": elsewhere.URL + "/operations/op1"})}},
	})
	_, err := newTestExecutor(srv.Client()).Send(testContext(t), thingCall(srv.URL, "PUT", "", &provider.LRO{}, `{}`), SendOptions{})
	if err == nil || !strings.Contains(err.Error(), "refusing to send credentials") {
		t.Fatalf("err = %v", err)
	}
	if got := elsewhere.requests(); len(got) != 0 {
		t.Fatalf("the other host got %v", got)
	}
}

func TestSendGetIsNotAnOperation(t *testing.T) {
	srv := newARMServer(t, map[string][]reply{
		"GET " + thingPath: {{status: 200, body: `{"name":"t1","properties":{"provisioningState":"Updating"}}`}},
	})
	out, err := newTestExecutor(srv.Client()).Send(testContext(t), thingCall(srv.URL, "GET", "", nil, ""), SendOptions{})
	if err != nil || out.Polls != 0 || len(srv.requests()) != 1 {
		t.Fatalf("outcome = %+v, err %v, requests %v", out, err, srv.requests())
	}
}

func TestPollDelayHonoursRetryAfter(t *testing.T) {
	e := New(Options{PollInterval: 3 * time.Second})
	for _, tc := range []struct {
		header map[string]string
		want   time.Duration
	}{
		{nil, 3 * time.Second},
		{map[string]string{"Retry-After": "0"}, 0},
		{map[string]string{"Retry-After": "17"}, 17 * time.Second},
		{map[string]string{"retry-after-ms": "250"}, 250 * time.Millisecond},
		{map[string]string{"Retry-After": "86400"}, maxPollDelay},
	} {
		h := http.Header{}
		for k, v := range tc.header {
			h.Set(k, v)
		}
		if got := e.pollDelayFor(h); got != tc.want {
			t.Errorf("pollDelayFor(%v) = %s, want %s", tc.header, got, tc.want)
		}
	}
	if got := New(Options{}).pollDelayFor(http.Header{}); got != DefaultPollInterval {
		t.Errorf("default poll delay = %s, want %s", got, DefaultPollInterval)
	}
}
