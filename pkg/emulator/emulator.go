// Package emulator is a local, stateful Azure Resource Manager emulator. It
// serves any service document skyql loads (pkg/provider) on loopback: lists
// with nextLink paging, item CRUD, POST actions, long-running operations
// the way ARM runs them, ARM error bodies, and seeded, deterministic fault
// injection (throttling, 5xx bursts, latency, dropped connections). A
// generated dataset of subscriptions, resource groups, backup vaults,
// backup instances, policies and virtual machines fills it at start.
//
// Reads do no schema work: every stored resource is kept as its JSON bytes,
// and a page is those bytes concatenated.
//
// What it answers, as ARM does:
//   - every request needs "Authorization: Bearer <Options.Token>" (401
//     AuthenticationFailed) and ?api-version= (400 MissingApiVersionParameter,
//     or InvalidApiVersionParameter for a version no served document has);
//     several api-versions of one path may be served side by side;
//   - path segments match case-insensitively; the subscription, resource
//     group and each parent resource must exist (404 SubscriptionNotFound,
//     ResourceGroupNotFound, ParentResourceNotFound, ResourceNotFound);
//   - lists answer {"value":[...],"nextLink":"<absolute URL>"} with an
//     opaque $skipToken, Options.PageSize items a page, and every
//     Options.EmptyPageEvery-th page empty but still pointing on; lists
//     whose x-ms-pageable nextLinkName is null answer one page;
//   - PUT creates (201) or replaces (200), PATCH merges (RFC 7386),
//     DELETE removes the resource and everything nested under it (204 when
//     already gone), POST runs an action; bodies are validated against the
//     document with kin-openapi's openapi3filter (400 InvalidRequestContent);
//   - operations marked x-ms-long-running-operation answer 201 (PUT) or 202
//     (PATCH, DELETE, POST) with absolute Azure-AsyncOperation
//     (/_emulator/operations/{id}) and Location (/_emulator/operations/{id}/result)
//     URLs and Retry-After; the status URL says InProgress for
//     Options.LROPolls polls, then Succeeded, or Failed/Canceled with an
//     error when the starting request carried LROOutcomeHeader or
//     Options.LROFailEvery picked it (the change is then not made);
//   - conflicts: 409 AnotherOperationInProgress to a write on a resource
//     whose long-running operation has not yet reported its outcome
//     (unpolled, it settles after LROPolls+1 Retry-After periods, at
//     least a second each); Data Protection's 400
//     UserErrorDppDatasourceAlreadyProtected to a backup instance or
//     validateForBackup naming a datasource another instance protects;
//     409 Conflict to deleting a backup vault that holds backup instances;
//   - action results the document has no example for are built from the
//     schema: a polymorphic type's first subtype with its discriminator
//     value, ids as GUIDs (fresh per request, drawn from Seed) or the
//     target's ARM id, names and types the target's;
//   - faults, decided by the request's sequence number and Options.Seed:
//     429 TooManyRequests with Retry-After, 500/503 bursts, dropped
//     connections, added latency; every answer carries x-ms-request-id and
//     x-ms-ratelimit-remaining-subscription-{reads,writes,deletes}.
//
// Documents whose operations take no api-version (providers generated from
// plain OpenAPI 3 specs) are served as a generic REST API instead: auth per
// the document's security scheme, seeded collections, lists paged as each
// method's pagination config says (body token, Link or named header, page
// number); see generic.go.
//
// GET /_emulator/stats (Stats as JSON) and GET /_emulator/log (the recent
// requests) need no token and are not counted.
package emulator

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/skyql/skyql/pkg/provider"
)

// DefaultToken is the bearer token the emulator accepts when Options.Token
// is empty.
const DefaultToken = "skyql-emulator-token"

// LROOutcomeHeader on a request that starts a long-running operation picks
// how it ends: "Failed" or "Canceled" (anything else, or no header: it
// succeeds). The operation's status then carries an error, and the
// request's change is not applied.
const LROOutcomeHeader = "X-Emulator-LRO-Outcome"

// Options configure an Emulator. The zero value serves the default dataset
// with 100 items per page, no faults and no latency.
type Options struct {
	// PageSize is the number of items per list page (default 100).
	PageSize int
	// EmptyPageEvery makes every Nth list page served empty, still with a
	// nextLink to the same position (0: never; 1 is refused, it would
	// never end).
	EmptyPageEvery int
	// LROPolls is how many status polls answer InProgress before the
	// operation reports its outcome.
	LROPolls int
	// LROFailEvery makes every Nth long-running operation fail (0: never).
	LROFailEvery int
	// RetryAfter is sent as Retry-After (whole seconds) and retry-after-ms
	// on 429s and on long-running operation responses.
	RetryAfter time.Duration
	// Latency is added to every request, plus up to Jitter more, drawn from Seed.
	Latency time.Duration
	Jitter  time.Duration
	// ThrottleEvery answers every Nth request with 429 TooManyRequests.
	ThrottleEvery int
	// ThrottleRate answers this fraction (0..1) of requests with 429,
	// chosen deterministically from Seed and the request's sequence number.
	ThrottleRate float64
	// FailEvery starts a burst of FailBurst (default 1) server errors every
	// Nth request. FailStatus is 500 or 503; 0 alternates 500 and 503.
	FailEvery  int
	FailBurst  int
	FailStatus int
	// DropEvery closes the connection without an answer on every Nth request.
	DropEvery int
	// Seed drives the dataset and the random faults; the same seed and the
	// same request order give the same answers.
	Seed int64
	// Token is the bearer token requests must carry (default DefaultToken).
	Token string
	// Dataset sizes the seeded data; the zero value is DefaultDataset().
	Dataset DatasetSize
	// LogSize is how many recent requests the request log keeps (default 1000).
	LogSize int
	// ItemsPerCollection sizes the data of a generic (non-ARM) API: items in
	// each collection (default DefaultItemsPerCollection). See generic.go.
	ItemsPerCollection int
}

// Emulator is a running ARM emulator. It is safe for concurrent use.
type Emulator struct {
	opts   Options
	router *router
	store  *store
	lros   *lroTable
	stats  *recorder
	seq    atomic.Uint64 // request sequence number, drives faults
	pages  atomic.Uint64 // list pages served, drives EmptyPageEvery

	mu     sync.Mutex
	server *http.Server

	// generic, when set, serves a non-ARM API instead of router and store.
	generic *genericAPI
}

// New builds an emulator serving the given service documents and seeds its
// store. Several api-versions of one service may be served together; a
// request picks one with ?api-version=.
func New(services []*provider.Service, opts Options) (*Emulator, error) {
	full := make([]*provider.Service, 0, len(services))
	for _, s := range services {
		if s == nil {
			continue
		}
		// The emulator answers from the operations and schemas themselves,
		// which a service loaded from its index leaves out.
		f, err := s.Full()
		if err != nil {
			return nil, fmt.Errorf("emulator: %w", err)
		}
		full = append(full, f)
	}
	if isGenericAPI(full) {
		return newGenericEmulator(full, opts)
	}
	docs := make([]document, 0, len(full))
	for _, s := range full {
		docs = append(docs, document{doc: s.Doc, source: s.File})
	}
	return newEmulator(docs, opts)
}

// document is one OpenAPI document to serve and where it came from.
type document struct {
	doc    *openapi3.T
	source string
}

func newEmulator(docs []document, opts Options) (*Emulator, error) {
	if len(docs) == 0 {
		return nil, errors.New("emulator: no service documents to serve; pass at least one loaded service")
	}
	if err := opts.normalize(); err != nil {
		return nil, err
	}
	rt := &router{}
	for _, d := range docs {
		if err := rt.addDocument(d.doc, d.source); err != nil {
			return nil, err
		}
	}
	e := &Emulator{
		opts:   opts,
		router: rt,
		lros:   newLROTable(),
		stats:  newRecorder(opts.LogSize),
	}
	st, err := seed(opts.Dataset, opts.Seed)
	if err != nil {
		return nil, err
	}
	e.store = st
	return e, nil
}

func (o *Options) normalize() error {
	if o.PageSize == 0 {
		o.PageSize = 100
	}
	if o.PageSize < 0 {
		return fmt.Errorf("emulator: PageSize must be positive, got %d", o.PageSize)
	}
	if o.EmptyPageEvery == 1 || o.EmptyPageEvery < 0 {
		return fmt.Errorf("emulator: EmptyPageEvery must be 0 (never) or at least 2, got %d: with 1 every page would be empty and lists would never end", o.EmptyPageEvery)
	}
	if o.ThrottleRate < 0 || o.ThrottleRate > 1 {
		return fmt.Errorf("emulator: ThrottleRate is a fraction of requests, between 0 and 1; got %v", o.ThrottleRate)
	}
	if o.FailStatus != 0 && o.FailStatus != 500 && o.FailStatus != 503 {
		return fmt.Errorf("emulator: FailStatus must be 500, 503 or 0 (alternate), got %d", o.FailStatus)
	}
	if o.FailBurst == 0 {
		o.FailBurst = 1
	}
	if o.FailEvery > 0 && o.FailBurst >= o.FailEvery {
		return fmt.Errorf("emulator: FailBurst (%d) must be smaller than FailEvery (%d), or every request fails", o.FailBurst, o.FailEvery)
	}
	for name, v := range map[string]int{"LROPolls": o.LROPolls, "LROFailEvery": o.LROFailEvery, "ThrottleEvery": o.ThrottleEvery, "FailEvery": o.FailEvery, "DropEvery": o.DropEvery, "FailBurst": o.FailBurst} {
		if v < 0 {
			return fmt.Errorf("emulator: %s must not be negative, got %d", name, v)
		}
	}
	if o.ThrottleEvery == 1 || o.DropEvery == 1 {
		return errors.New("emulator: ThrottleEvery and DropEvery must be 0 (off) or at least 2: with 1 no request would ever succeed")
	}
	if o.Latency < 0 || o.Jitter < 0 || o.RetryAfter < 0 {
		return errors.New("emulator: Latency, Jitter and RetryAfter must not be negative")
	}
	if o.Token == "" {
		o.Token = DefaultToken
	}
	if o.LogSize == 0 {
		o.LogSize = 1000
	}
	if o.Dataset == (DatasetSize{}) {
		o.Dataset = DefaultDataset()
	}
	return o.Dataset.validate()
}

// Handler serves the emulator; use it with httptest or your own server.
func (e *Emulator) Handler() http.Handler { return e }

// Token is the bearer token requests must carry.
func (e *Emulator) Token() string { return e.opts.Token }

// Start listens on addr, which must be a loopback address
// ("127.0.0.1:0", "[::1]:8443", "localhost:9000"), and serves in the
// background. It returns the base URL to point ARM clients at.
func (e *Emulator) Start(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("emulator: address %q is not host:port (e.g. 127.0.0.1:0): %v", addr, err)
	}
	if host == "localhost" {
		host = "127.0.0.1"
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return "", fmt.Errorf("emulator: refusing to listen on %q: the emulator accepts a fixed token and serves only loopback; use 127.0.0.1:PORT or [::1]:PORT", addr)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.server != nil {
		return "", errors.New("emulator: already started; Close it first")
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(ip.String(), port))
	if err != nil {
		return "", fmt.Errorf("emulator: cannot listen on %s: %w", addr, err)
	}
	e.server = &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second}
	go e.server.Serve(ln)
	return "http://" + ln.Addr().String(), nil
}

// Close stops a server started with Start.
func (e *Emulator) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.server == nil {
		return nil
	}
	err := e.server.Close()
	e.server = nil
	return err
}

// Stats returns a snapshot of the counters.
func (e *Emulator) Stats() Stats { return e.stats.snapshot() }

// Log returns the most recent requests, oldest first.
func (e *Emulator) Log() []LogEntry { return e.stats.log() }
