package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// statusWriter remembers the status code for the log and counters.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Control endpoints: not ARM, not counted, no token, no faults.
const (
	statsPath = "/_emulator/stats"
	logPath   = "/_emulator/log"
)

// ServeHTTP runs one request through faults, authentication, api-version
// checks and the routing table.
func (e *Emulator) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case statsPath:
		writeJSON(rw, http.StatusOK, e.Stats())
		return
	case logPath:
		writeJSON(rw, http.StatusOK, e.Log())
		return
	}
	if e.generic != nil {
		e.serveGeneric(rw, r)
		return
	}
	n, w, entry, finish := e.track(rw, r)
	defer finish()

	// Route first, so faults are counted against the route they hit.
	isOperation := strings.HasPrefix(r.URL.Path, operationsPrefix)
	query := r.URL.Query()
	version := query.Get("api-version")
	segs := splitPath(r.URL.Path)
	var nd *node
	var op *operation
	if isOperation {
		entry.Route = "GET " + operationsPrefix + "{operationId}"
	} else if nd = e.router.root.match(segs); nd != nil {
		byVersion := nd.ops[r.Method]
		if r.Method == http.MethodHead && byVersion == nil {
			byVersion = nd.ops[http.MethodGet]
		}
		if op = byVersion[version]; op != nil {
			entry.Route = op.routeKey
		}
	}

	e.setCommonHeaders(w.Header(), r, n)
	if e.delayAndInjectFault(w, r, n, entry, writeError) {
		return
	}
	if !e.authorized(r) {
		writeError(w, http.StatusUnauthorized, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing or does not carry the emulator's bearer token (Authorization: Bearer <token>; the token is printed by `skyql sandbox`).")
		return
	}
	base := baseURL(r)
	if isOperation {
		e.serveOperation(w, r, base)
		return
	}
	if version == "" {
		writeError(w, http.StatusBadRequest, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.")
		return
	}
	if nd == nil {
		writeNoRoute(w, r.URL.Path, version)
		return
	}
	if op == nil {
		if nd.ops[r.Method] == nil && !(r.Method == http.MethodHead && nd.ops[http.MethodGet] != nil) {
			writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "The HTTP method %s is not supported at %s; the document offers %s.", r.Method, r.URL.Path, strings.Join(methodsOf(nd), ", "))
			return
		}
		writeError(w, http.StatusBadRequest, "InvalidApiVersionParameter", "The api-version '%s' is invalid. The supported versions are '%s'.", version, strings.Join(nd.versions, ","))
		return
	}
	req := &request{e: e, w: w, r: r, op: op, segs: segs, query: query, base: base, seq: n}
	req.serve()
}

func methodsOf(nd *node) []string {
	var ms []string
	for _, m := range []string{"GET", "PUT", "PATCH", "DELETE", "POST", "HEAD"} {
		if nd.ops[m] != nil {
			ms = append(ms, m)
		}
	}
	return ms
}

func writeNoRoute(w http.ResponseWriter, path, version string) {
	lower := strings.ToLower(path)
	if i := strings.LastIndex(lower, "/providers/"); i >= 0 {
		writeError(w, http.StatusNotFound, "InvalidResourceType", "The resource type of '%s' could not be found for api version '%s': no served document has this path.", path, version)
		return
	}
	writeError(w, http.StatusNotFound, "NotFound", "No served document has the path '%s'.", path)
}

func (e *Emulator) authorized(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	const prefix = "bearer "
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return false
	}
	return strings.TrimSpace(h[len(prefix):]) == e.opts.Token
}

// setCommonHeaders adds the headers every ARM response carries.
func (e *Emulator) setCommonHeaders(h http.Header, r *http.Request, n uint64) {
	rid := fmt.Sprintf("00000000-0000-4000-9000-%012x", n)
	h.Set("x-ms-request-id", rid)
	if c := r.Header.Get("x-ms-correlation-request-id"); c != "" {
		h.Set("x-ms-correlation-request-id", c)
	} else {
		h.Set("x-ms-correlation-request-id", rid)
	}
	if c := r.Header.Get("x-ms-client-request-id"); c != "" && strings.EqualFold(r.Header.Get("x-ms-return-client-request-id"), "true") {
		h.Set("x-ms-client-request-id", c)
	}
	// ARM's remaining-budget headers, counting down a bucket per kind the
	// way real reads (250) and writes/deletes (200) do, refilled by wrap.
	kind, bucket := "reads", uint64(250)
	switch r.Method {
	case http.MethodPut, http.MethodPatch, http.MethodPost:
		kind, bucket = "writes", 200
	case http.MethodDelete:
		kind, bucket = "deletes", 200
	}
	left := strconv.FormatUint(bucket-1-(n%bucket), 10)
	h.Set("x-ms-ratelimit-remaining-subscription-"+kind, left)
	h.Set("x-ms-ratelimit-remaining-subscription-global-"+kind, left)
}

func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "InternalServerError", "encoding the answer failed: %v", err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b)
}

func writeBody(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

// pageBuffers recycles the buffers list pages are assembled in.
var pageBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func readAll(r io.Reader) ([]byte, error) {
	if r == nil {
		return nil, nil
	}
	return io.ReadAll(io.LimitReader(r, 8<<20+1))
}

// errorWriter writes an error answer in a protocol's own shape.
type errorWriter func(w http.ResponseWriter, status int, code, format string, args ...any)

// delayAndInjectFault applies the configured latency, then serves the
// fault (if any) chosen for request n. It reports whether it answered.
func (e *Emulator) delayAndInjectFault(w *statusWriter, r *http.Request, n uint64, entry *LogEntry, writeErr errorWriter) bool {
	if d := e.opts.delayFor(n); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
		}
	}
	switch e.opts.faultFor(n) {
	case faultDrop:
		entry.Fault = "drop"
		// Aborting the handler makes net/http close the connection
		// without writing a response, which is what a dropped
		// connection looks like to the client.
		panic(http.ErrAbortHandler)
	case faultThrottle:
		entry.Fault = "throttle"
		e.setRetryAfter(w.Header())
		writeErr(w, http.StatusTooManyRequests, "TooManyRequests", "The request is being throttled (emulator fault injection, request %d). Retry after the Retry-After header's delay.", n)
		return true
	case faultFail500:
		entry.Fault = "fail"
		writeErr(w, http.StatusInternalServerError, "InternalServerError", "Encountered internal server error (emulator fault injection, request %d). Retry the request.", n)
		return true
	case faultFail503:
		entry.Fault = "fail"
		writeErr(w, http.StatusServiceUnavailable, "ServiceUnavailable", "The service is temporarily unavailable (emulator fault injection, request %d). Retry the request.", n)
		return true
	}
	return false
}

// track numbers a request, counts it in flight, and returns the log entry
// that finish records with its status and duration.
func (e *Emulator) track(rw http.ResponseWriter, r *http.Request) (n uint64, w *statusWriter, entry *LogEntry, finish func()) {
	n = e.seq.Add(1)
	e.stats.enter()
	w = &statusWriter{ResponseWriter: rw}
	entry = &LogEntry{Seq: n, Time: time.Now(), Method: r.Method, URL: r.URL.RequestURI()}
	return n, w, entry, func() {
		entry.DurationMS = float64(time.Since(entry.Time).Microseconds()) / 1000
		if entry.Status == 0 && entry.Fault != "drop" {
			entry.Status = w.status
		}
		e.stats.leave(*entry)
	}
}
