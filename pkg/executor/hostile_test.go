package executor

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skyql/skyql/pkg/auth"
	"github.com/skyql/skyql/pkg/internal/hostileapi"
	"github.com/skyql/skyql/pkg/provider"
)

// The hostile API: a local server that misbehaves in each way an API
// could, to show that the executor sends credentials nowhere else, reads
// and waits within its limits, and ends every paging loop.

// recorder is a server that must never be reached: it counts requests.
type recorder struct {
	*httptest.Server
	hits atomic.Int32
}

func newRecorder(t *testing.T) *recorder {
	r := &recorder{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		r.hits.Add(1)
		_, _ = w.Write([]byte(`{"value":[{"stolen":true}]}`))
	}))
	t.Cleanup(r.Close)
	return r
}

// hostileAPI serves the corpus below at paths named after each case.
type hostileAPI struct {
	*httptest.Server
	elsewhere *recorder
	// otherHost counts requests that arrived under another host name.
	otherHost atomic.Int32
	requests  atomic.Int32
}

func newHostileAPI(t *testing.T) *hostileAPI {
	h := &hostileAPI{elsewhere: newRecorder(t)}
	h.Server = httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(h.Close)
	return h
}

func (h *hostileAPI) serve(w http.ResponseWriter, r *http.Request) {
	h.requests.Add(1)
	if !strings.HasPrefix(r.Host, "127.0.0.1:") {
		h.otherHost.Add(1)
	}
	page := func(next string) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"value":[{"path":%q}],"nextLink":%q}`, r.URL.Path, next)
	}
	_, port, _ := net.SplitHostPort(r.Host)
	switch r.URL.Path {
	case "/items":
		page("")
	case "/redirect-port", "/page2/2", "/lro-status":
		http.Redirect(w, r, h.elsewhere.URL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	case "/redirect-host":
		http.Redirect(w, r, "http://localhost:"+port+"/items", http.StatusTemporaryRedirect)
	case "/redirect-scheme":
		http.Redirect(w, r, "https://127.0.0.1:"+port+"/items", http.StatusTemporaryRedirect)
	case "/redirect-same":
		http.Redirect(w, r, "/items", http.StatusFound)
	case "/page2":
		page(h.URL + "/page2/2")
	case "/lro":
		w.Header().Set("Azure-AsyncOperation", h.URL+"/lro-status")
		w.WriteHeader(http.StatusCreated)
	case "/endless":
		hostileapi.Endless(w, r)
	case "/huge-length":
		w.Header().Set("Content-Length", strconv.Itoa(512<<20))
		_, _ = w.Write([]byte(`{"value":[]}`))
	case "/slow":
		hostileapi.Trickle(10*time.Millisecond)(w, r)
	case "/stall":
		hostileapi.Stall(`{"value":[`)(w, r)
	case "/ping":
		page(h.URL + "/pong")
	case "/pong":
		page(h.URL + "/ping")
	case "/count":
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		page(fmt.Sprintf("%s/count?n=%d", h.URL, n+1))
	case "/echo-error":
		// An API that quotes the request, query string and all, in its error.
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"error":{"code":"Bad","message":"cannot serve %s for %s"}}`, r.URL, r.Header.Get("Authorization"))
	case "/echo-loop":
		page(h.URL + r.URL.String())
	default:
		http.NotFound(w, r)
	}
}

// hostileCall lists path with nextLink paging.
func hostileCall(base, path string, a Authorizer) *Call {
	m := &provider.Method{Name: "hostile_list", HTTPMethod: "GET", Path: path,
		Response: provider.Response{ObjectKey: "$.value"},
		Pagination: &provider.Pagination{RequestTokenKey: "nextLink", RequestTokenLocation: "request",
			ResponseTokenKey: "nextLink", ResponseTokenLocation: "body"}}
	return &Call{Method: m, BaseURL: base, Auth: a}
}

// hostileExecutor retries quickly, within limits small enough for a test.
func hostileExecutor(limits Limits, secrets Redactor) *Executor {
	return New(Options{Limits: limits, Secrets: secrets,
		Retry: RetryPolicy{MaxAttempts: 4, BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond, MaxRetryAfter: time.Second}})
}

// fetchOne runs one call and returns its result and the items it delivered.
func fetchOne(t *testing.T, e *Executor, call *Call) (Result, int) {
	t.Helper()
	var items atomic.Int32
	res := e.Fetch(testContext(t), []*Call{call}, SinkFunc(func(_ int, page [][]byte) error {
		items.Add(int32(len(page)))
		return nil
	}))[0]
	return res, int(items.Load())
}

func TestRedirectsLeaveTheAPIsOriginNever(t *testing.T) {
	h := newHostileAPI(t)
	for _, tc := range []struct {
		path      string
		wantItems int // rows delivered before the refused redirect
	}{
		{"/redirect-port", 0},   // another port, first page
		{"/page2", 1},           // another port, second page
		{"/redirect-host", 0},   // another host name
		{"/redirect-scheme", 0}, // http to https
	} {
		t.Run(tc.path, func(t *testing.T) {
			res, items := fetchOne(t, hostileExecutor(Limits{}, nil), hostileCall(h.URL, tc.path, bearer(testToken)))
			var redirect *RedirectError
			if !errors.As(res.Err, &redirect) || !strings.Contains(res.Err.Error(), "refused") {
				t.Fatalf("err = %v, want a refused redirect", res.Err)
			}
			if items != tc.wantItems {
				t.Errorf("%d rows delivered, want %d", items, tc.wantItems)
			}
		})
	}
	if h.elsewhere.hits.Load() != 0 || h.otherHost.Load() != 0 {
		t.Fatalf("requests reached another origin: %d on another port, %d under another host name", h.elsewhere.hits.Load(), h.otherHost.Load())
	}
}

func TestRedirectWithinTheOriginIsFollowed(t *testing.T) {
	h := newHostileAPI(t)
	res, items := fetchOne(t, hostileExecutor(Limits{}, nil), hostileCall(h.URL, "/redirect-same", bearer(testToken)))
	if res.Err != nil || items != 1 {
		t.Fatalf("err %v, %d items", res.Err, items)
	}
}

func TestLROPollRedirectIsRefused(t *testing.T) {
	h := newHostileAPI(t)
	call := hostileCall(h.URL, "/lro", bearer(testToken))
	call.Method.HTTPMethod, call.Method.LRO, call.Body = "PUT", &provider.LRO{}, []byte(`{}`)
	e := New(Options{PollInterval: time.Millisecond})
	_, err := e.Send(testContext(t), call, SendOptions{})
	var redirect *RedirectError
	if !errors.As(err, &redirect) {
		t.Fatalf("err = %v, want a refused redirect", err)
	}
	if h.elsewhere.hits.Load() != 0 {
		t.Fatal("the status poll reached another origin")
	}
}

func TestOversizedResponsesEndWithoutRetry(t *testing.T) {
	h := newHostileAPI(t)
	for _, path := range []string{"/endless", "/huge-length"} {
		t.Run(path, func(t *testing.T) {
			before := h.requests.Load()
			res, _ := fetchOne(t, hostileExecutor(Limits{MaxResponseBytes: 1 << 20}, nil), hostileCall(h.URL, path, bearer(testToken)))
			var tooLarge *ResponseTooLargeError
			if !errors.As(res.Err, &tooLarge) || !strings.Contains(res.Err.Error(), "larger than 1 MiB") || !strings.Contains(res.Err.Error(), "--max-response-size") {
				t.Fatalf("err = %v", res.Err)
			}
			if n := h.requests.Load() - before; n != 1 {
				t.Fatalf("%d requests, want 1: an oversized answer is not worth retrying", n)
			}
		})
	}
}

func TestSlowAndStalledBodiesEndAtTheirDeadline(t *testing.T) {
	h := newHostileAPI(t)
	for _, tc := range []struct {
		path    string
		limits  Limits
		setting string
	}{
		{"/slow", Limits{ResponseTimeout: 200 * time.Millisecond}, "--response-timeout"},
		{"/stall", Limits{IdleTimeout: 100 * time.Millisecond}, "--body-idle-timeout"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			before := h.requests.Load()
			res, items := fetchOne(t, hostileExecutor(tc.limits, nil), hostileCall(h.URL, tc.path, bearer(testToken)))
			var timeout *TimeoutError
			if !errors.As(res.Err, &timeout) || timeout.Setting != tc.setting {
				t.Fatalf("err = %v, want a timeout naming %s", res.Err, tc.setting)
			}
			if items != 0 {
				t.Errorf("%d rows delivered from a body that never ended", items)
			}
			if n := h.requests.Load() - before; n != maxTimeouts {
				t.Fatalf("%d requests, want %d", n, maxTimeouts)
			}
		})
	}
}

func TestSilentServerEndsAtTheHeaderDeadline(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var accepted atomic.Int32
	var conns sync.WaitGroup
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			conns.Add(1)
			go func() { // read the request, answer nothing
				defer conns.Done()
				defer c.Close()
				buf := make([]byte, 4096)
				for {
					if _, err := c.Read(buf); err != nil {
						return
					}
				}
			}()
		}
	}()
	res, _ := fetchOne(t, hostileExecutor(Limits{HeaderTimeout: 100 * time.Millisecond}, nil),
		hostileCall("http://"+ln.Addr().String(), "/items", bearer(testToken)))
	var timeout *TimeoutError
	if !errors.As(res.Err, &timeout) || timeout.Setting != "--header-timeout" || !strings.Contains(res.Err.Error(), "no response headers") {
		t.Fatalf("err = %v", res.Err)
	}
	if n := accepted.Load(); n != maxTimeouts {
		t.Fatalf("%d connections, want %d attempts", n, maxTimeouts)
	}
	ln.Close()
	conns.Wait()
}

func TestPagingLoopsEnd(t *testing.T) {
	h := newHostileAPI(t)
	res, items := fetchOne(t, hostileExecutor(Limits{}, nil), hostileCall(h.URL, "/ping", bearer(testToken)))
	if res.Err == nil || !strings.Contains(res.Err.Error(), "page 2 of hostile_list() links back to page 1") {
		t.Fatalf("ping-pong: err = %v", res.Err)
	}
	if items != 2 {
		t.Errorf("ping-pong delivered %d rows before the loop was seen, want 2", items)
	}

	// A link that counts up never repeats: the page cap ends it, as a
	// capped call the engine reports as a failure.
	res, items = fetchOne(t, hostileExecutor(Limits{MaxPages: 5}, nil), hostileCall(h.URL, "/count", bearer(testToken)))
	if res.Err != nil || !res.Capped || res.Pages != 5 || items != 5 {
		t.Fatalf("counting links: %+v, %d rows", res, items)
	}
}

func TestSecretsInErrorsAreRedactedByValue(t *testing.T) {
	const key = "hostile-api-key-6f1c"
	t.Setenv("SKYQL_TEST_HOSTILE_KEY", key)
	sources := auth.NewSources(auth.Configs{"hostile": {Type: auth.TypeAPIKey, Location: "query",
		Name: "subscription-key", CredentialsEnvVar: "SKYQL_TEST_HOSTILE_KEY"}})
	a, err := sources.For("hostile", nil)
	if err != nil {
		t.Fatal(err)
	}
	h := newHostileAPI(t)
	for _, path := range []string{"/echo-error", "/echo-loop", "/redirect-port"} {
		t.Run(path, func(t *testing.T) {
			res, _ := fetchOne(t, hostileExecutor(Limits{}, sources), hostileCall(h.URL, path, a))
			if res.Err == nil {
				t.Fatal("the call succeeded")
			}
			text := res.Err.Error()
			var api *APIError
			if errors.As(res.Err, &api) {
				text += api.URL + api.Message
			}
			if strings.Contains(text, key) {
				t.Fatalf("the key is in the error: %s", text)
			}
			if !strings.Contains(text, "subscription-key=***") {
				t.Fatalf("the error no longer shows where the key was: %s", text)
			}
		})
	}
}

func TestAPIErrorMessagesCannotDriveTheTerminal(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":{"code":"Bad\u001b[2J","message":"see \u001b]0;owned\u0007 and \u009b31m\nnext line"}}`))
	}))
	t.Cleanup(srv.Close)
	res, _ := fetchOne(t, hostileExecutor(Limits{}, nil), hostileCall(srv.URL, "/items", nil))
	want := `HTTP 400 Bad\x1b[2J: see \x1b]0;owned\x07 and \x9b31m` + "\nnext line"
	if res.Err == nil || !strings.Contains(res.Err.Error(), want) {
		t.Fatalf("err = %v, want it to contain %q", res.Err, want)
	}
}
