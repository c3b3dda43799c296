// Package arm serves service documents the way Azure Resource Manager
// does, from a store of resources kept as JSON:
//   - every request needs "Authorization: Bearer <Config.Token>" (401
//     AuthenticationFailed) and ?api-version= (400 MissingApiVersionParameter,
//     or InvalidApiVersionParameter for a version no served document has);
//     several api-versions of one path may be served side by side;
//   - path segments match case-insensitively; the subscription, resource
//     group and each parent resource must exist (404 SubscriptionNotFound,
//     ResourceGroupNotFound, ParentResourceNotFound, ResourceNotFound);
//   - lists answer {"value":[...],"nextLink":"<absolute URL>"} with an
//     opaque $skipToken, Config.PageSize items a page, and every
//     Config.EmptyPageEvery-th page empty but still pointing on; lists
//     whose x-ms-pageable nextLinkName is null answer one page; a resource
//     in a resource group is also listed subscription-wide;
//   - PUT creates (201) or replaces (200), PATCH merges (RFC 7386),
//     DELETE removes the resource and everything nested under it (204 when
//     already gone), POST runs an action; bodies are validated against the
//     document with kin-openapi's openapi3filter (400 InvalidRequestContent);
//   - operations marked x-ms-long-running-operation answer 201 (PUT) or 202
//     (PATCH, DELETE, POST) with absolute Azure-AsyncOperation
//     (/_emulator/operations/{id}) and Location (/_emulator/operations/{id}/result)
//     URLs and Retry-After; the status URL says InProgress for
//     Config.LROPolls polls, then Succeeded, or Failed/Canceled with an
//     error when the starting request carried LROOutcomeHeader or
//     Config.LROFailEvery picked it (the change is then not made);
//   - 409 AnotherOperationInProgress to a write on a resource whose
//     long-running operation has not yet reported its outcome (unpolled,
//     it settles after LROPolls+1 Retry-After periods, at least a second
//     each);
//   - Config.RefuseSubscriptions answers everything under a subscription
//     with 409 MissingSubscriptionRegistration or 403 AuthorizationFailed;
//   - action results the document has no example for are built from the
//     schema (package example);
//   - every answer carries x-ms-request-id and
//     x-ms-ratelimit-remaining-subscription-{reads,writes,deletes}.
//
// A service's own behaviour (refusals, read-only properties, the effect
// of actions) comes from Rules. Documents are loaded when a request first
// reaches one of their paths, so a server over hundreds of documents
// starts at once.
package arm

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/skyql/skyql/pkg/emulator/internal/jsonhttp"
	"github.com/skyql/skyql/pkg/emulator/internal/pathtemplate"
	"github.com/skyql/skyql/pkg/emulator/traffic"
)

// LROOutcomeHeader on a request that starts a long-running operation picks
// how it ends: "Failed" or "Canceled" (anything else, or no header: it
// succeeds). The operation's status then carries an error, and the
// request's change is not applied.
const LROOutcomeHeader = "X-Emulator-LRO-Outcome"

// Refusal is how a subscription refuses every request under it.
type Refusal string

// The refusals a subscription may answer with.
const (
	// RefuseUnregistered: 409 MissingSubscriptionRegistration, as for a
	// subscription not registered for the resource provider.
	RefuseUnregistered Refusal = "MissingSubscriptionRegistration"
	// RefuseForbidden: 403 AuthorizationFailed, as for a caller without a
	// role in the subscription.
	RefuseForbidden Refusal = "AuthorizationFailed"
)

// Config sets the protocol's knobs; traffic.Config sets faults.
type Config struct {
	Token          string // the bearer token requests must carry
	PageSize       int    // items per list page
	EmptyPageEvery int    // every Nth page served empty (0: never)
	LROPolls       int    // polls answering InProgress
	LROFailEvery   int    // every Nth long-running operation fails (0: never)
	// RetryAfter paces long-running operations (at least a second a poll
	// when nobody polls).
	RetryAfter time.Duration
	Seed       int64 // drives the GUIDs in action results
	// RefuseSubscriptions maps subscription ids to the refusal every
	// request under them gets.
	RefuseSubscriptions map[string]Refusal
}

// Server is an ARM endpoint over a Store. It is safe for concurrent use.
type Server struct {
	cfg     Config
	traffic *traffic.Traffic
	store   *Store
	rules   []Rule
	router  *router
	lros    *lroTable
	pages   atomic.Uint64 // list pages served, drives EmptyPageEvery
}

// New serves docs over st. Documents without Paths are loaded now; the
// others when first needed.
func New(cfg Config, tr *traffic.Traffic, st *Store, docs []Document, rules []Rule) (*Server, error) {
	if len(docs) == 0 {
		return nil, errors.New("no service documents to serve; pass at least one")
	}
	for sub, r := range cfg.RefuseSubscriptions {
		if r != RefuseUnregistered && r != RefuseForbidden {
			return nil, fmt.Errorf("subscription %s: unknown refusal %q; use %s or %s", sub, r, RefuseUnregistered, RefuseForbidden)
		}
	}
	refused := make(map[string]Refusal, len(cfg.RefuseSubscriptions))
	for sub, r := range cfg.RefuseSubscriptions {
		refused[strings.ToLower(sub)] = r
	}
	cfg.RefuseSubscriptions = refused
	s := &Server{cfg: cfg, traffic: tr, store: st, rules: rules, router: newRouter(), lros: newLROTable()}
	for _, d := range docs {
		ld := &lazyDocument{Document: d}
		if len(d.Paths) > 0 {
			s.router.addPending(ld)
			continue
		}
		if err := s.router.load(ld); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// ServeHTTP runs one request through faults, authentication, api-version
// checks and the routing table.
func (s *Server) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	call := s.traffic.Begin(rw, r)
	defer call.End()
	w := call.W

	// Route first, so faults are counted against the route they hit.
	isOperation := strings.HasPrefix(r.URL.Path, operationsPrefix)
	query := r.URL.Query()
	version := query.Get("api-version")
	segs := pathtemplate.Split(r.URL.Path)
	var rt route
	var loadErr error
	if isOperation {
		call.Route = "GET " + operationsPrefix + "{operationId}"
	} else {
		rt, loadErr = s.router.resolve(segs, r.Method, version)
		if rt.op != nil {
			call.Route = rt.op.routeKey
		}
	}

	setCommonHeaders(w.Header(), r, call.Seq)
	if call.Disrupt(writeError) {
		return
	}
	if !s.authorized(r) {
		writeError(w, http.StatusUnauthorized, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing or does not carry the emulator's bearer token (Authorization: Bearer <token>; the token is printed by `skyql sandbox`).")
		return
	}
	base := jsonhttp.BaseURL(r)
	if isOperation {
		s.serveOperation(w, r, base)
		return
	}
	if s.refuseSubscription(w, segs) {
		return
	}
	if version == "" {
		writeError(w, http.StatusBadRequest, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.")
		return
	}
	if loadErr != nil {
		writeError(w, http.StatusInternalServerError, "InternalServerError", "The emulator could not load the document serving %s: %v", r.URL.Path, loadErr)
		return
	}
	if !rt.found {
		writeNoRoute(w, r.URL.Path, version)
		return
	}
	if rt.op == nil {
		if !containsMethod(rt.methods, r.Method) {
			writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "The HTTP method %s is not supported at %s; the document offers %s.", r.Method, r.URL.Path, strings.Join(rt.methods, ", "))
			return
		}
		writeError(w, http.StatusBadRequest, "InvalidApiVersionParameter", "The api-version '%s' is invalid. The supported versions are '%s'.", version, strings.Join(rt.versions, ","))
		return
	}
	req := &request{s: s, w: w, r: r, op: rt.op, segs: segs, query: query, base: base, seq: call.Seq}
	req.segments, req.nodes = rt.op.aligned(rt.scopeExtra)
	req.serve()
}

// containsMethod: methods serve method, HEAD being served by GET.
func containsMethod(methods []string, method string) bool {
	for _, m := range methods {
		if m == method || (method == http.MethodHead && m == http.MethodGet) {
			return true
		}
	}
	return false
}

// refuseSubscription answers the refusal configured for the subscription
// the path is under, if any.
func (s *Server) refuseSubscription(w http.ResponseWriter, segs []string) bool {
	if len(segs) < 2 || !strings.EqualFold(segs[0], "subscriptions") {
		return false
	}
	sub := segs[1]
	refusal, ok := s.cfg.RefuseSubscriptions[strings.ToLower(sub)]
	if !ok {
		return false
	}
	switch refusal {
	case RefuseUnregistered:
		namespace := "the resource provider"
		if i := typeStart(segs); i > 0 && i < len(segs) {
			namespace = "namespace '" + segs[i] + "'"
		}
		writeError(w, http.StatusConflict, string(refusal), "The subscription '%s' is not registered to use %s. Register it (az provider register) and retry; this emulator refuses it because it was started so.", sub, namespace)
	default:
		writeError(w, http.StatusForbidden, string(refusal), "The client does not have authorization to perform action over scope '/subscriptions/%s' or the scope is invalid. This emulator refuses every request in this subscription because it was started so.", sub)
	}
	return true
}

func writeNoRoute(w http.ResponseWriter, path, version string) {
	lower := strings.ToLower(path)
	if i := strings.LastIndex(lower, "/providers/"); i >= 0 {
		writeError(w, http.StatusNotFound, "InvalidResourceType", "The resource type of '%s' could not be found for api version '%s': no served document has this path.", path, version)
		return
	}
	writeError(w, http.StatusNotFound, "NotFound", "No served document has the path '%s'.", path)
}

func (s *Server) authorized(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	const prefix = "bearer "
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return false
	}
	return strings.TrimSpace(h[len(prefix):]) == s.cfg.Token
}

// setCommonHeaders adds the headers every ARM response carries.
func setCommonHeaders(h http.Header, r *http.Request, n uint64) {
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

// pageBuffers recycles the buffers list pages are assembled in.
var pageBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}
