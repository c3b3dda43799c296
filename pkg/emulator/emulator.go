// Package emulator is a local, stateful Azure Resource Manager emulator
// behind `skyql sandbox` and --sandbox. It serves the documents skyql
// loads (pkg/provider) on loopback, filled with sample data. Its parts:
//
//   - arm: the ARM protocol over a store of resources: api-version, ARM
//     errors, ancestry checks, nextLink paging, long-running operations,
//     conflicts, subscription refusals; documents are loaded when a
//     request first reaches one of their paths;
//   - rest: plain REST APIs (documents whose operations take no
//     api-version, such as ones generated from a plain OpenAPI 3 spec);
//   - traffic: latency, injected faults (429s, 5xx bursts, dropped
//     connections), counters and the request log, for both;
//   - example: bodies built from a document's examples and schemas;
//   - samples: subscriptions, resource groups, virtual machines and the
//     inventory of the resources people list first, declared per ARM
//     type in samples/inventory/*.yaml;
//   - samples/dataprotection: backup vaults, policies and instances, and
//     Data Protection's own rules.
//
// Several subscriptions: Options.Dataset.Subscriptions (the inventory
// always spans subscriptions 1 and 2). To test a caller that fans out over
// subscriptions, Options.RefuseSubscriptions makes one answer every
// request with 409 MissingSubscriptionRegistration (RefuseUnregistered)
// or 403 AuthorizationFailed (RefuseForbidden):
//
//	emulator.Options{RefuseSubscriptions: map[string]emulator.Refusal{
//		emulator.SubscriptionID(1): emulator.RefuseForbidden,
//	}}
//
// GET /_emulator/stats (Stats as JSON) and GET /_emulator/log (the recent
// requests) need no token and are not counted.
package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/skyql/skyql/pkg/emulator/arm"
	"github.com/skyql/skyql/pkg/emulator/rest"
	"github.com/skyql/skyql/pkg/emulator/samples"
	"github.com/skyql/skyql/pkg/emulator/samples/dataprotection"
	"github.com/skyql/skyql/pkg/emulator/traffic"
	"github.com/skyql/skyql/pkg/provider"
)

// DefaultToken is the bearer token the emulator accepts when Options.Token
// is empty.
const DefaultToken = "skyql-emulator-token"

// LROOutcomeHeader on a request that starts a long-running operation picks
// how it ends: "Failed" or "Canceled".
const LROOutcomeHeader = arm.LROOutcomeHeader

// DefaultItemsPerCollection is how many items each collection of a plain
// REST API holds.
const DefaultItemsPerCollection = rest.DefaultItemsPerCollection

// The sample dataset's fixed names (see samples.DatasetSize).
const (
	DefaultSubscriptionID = samples.DefaultSubscriptionID
	DefaultTenantID       = samples.DefaultTenantID
	DefaultResourceGroup  = samples.DefaultResourceGroup
	DefaultLocation       = samples.DefaultLocation
	DefaultVault          = samples.DefaultVault
	DefaultPolicy         = samples.DefaultPolicy
	DefaultVM             = samples.DefaultVM
)

// DatasetSize sizes the sample data; see samples.DatasetSize.
type DatasetSize = samples.DatasetSize

// DefaultDataset, SingleVault, ParseDatasetSize and SubscriptionID are
// samples', here so callers need one import.
var (
	DefaultDataset   = samples.DefaultDataset
	SingleVault      = samples.SingleVault
	ParseDatasetSize = samples.ParseDatasetSize
	SubscriptionID   = samples.SubscriptionID
)

// Refusal is how a subscription refuses every request under it.
type Refusal = arm.Refusal

// The refusals of Options.RefuseSubscriptions.
const (
	RefuseUnregistered = arm.RefuseUnregistered // 409 MissingSubscriptionRegistration
	RefuseForbidden    = arm.RefuseForbidden    // 403 AuthorizationFailed
)

// Stats are the emulator's counters; LogEntry is one logged request.
type (
	Stats    = traffic.Stats
	LogEntry = traffic.LogEntry
)

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
	// RefuseSubscriptions answers every ARM request under a subscription
	// (keyed by id) with a refusal.
	RefuseSubscriptions map[string]Refusal
	// Seed drives the dataset and the random faults; the same seed and the
	// same request order give the same answers.
	Seed int64
	// Token is the bearer token requests must carry (default DefaultToken).
	Token string
	// Dataset sizes the seeded data; the zero value is DefaultDataset().
	Dataset DatasetSize
	// LogSize is how many recent requests the request log keeps (default 1000).
	LogSize int
	// ItemsPerCollection sizes the data of a plain REST API: items in
	// each collection (default DefaultItemsPerCollection).
	ItemsPerCollection int
}

// Emulator is a running emulator. It is safe for concurrent use.
type Emulator struct {
	opts    Options
	traffic *traffic.Traffic
	api     http.Handler

	mu     sync.Mutex
	server *http.Server
}

// New builds an emulator serving the given services, parsed now, and
// seeds it. Several api-versions of one service may be served together; a
// request picks one with ?api-version=.
func New(services []*provider.Service, opts Options) (*Emulator, error) {
	var full []*provider.Service
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
	if err := opts.normalize(); err != nil {
		return nil, err
	}
	tr := traffic.New(opts.trafficConfig())
	if len(full) > 0 && rest.Plain(full) {
		srv, err := rest.New(rest.Config{Token: opts.Token, PageSize: opts.PageSize, ItemsPerCollection: opts.ItemsPerCollection, Seed: opts.Seed}, tr, full)
		if err != nil {
			return nil, fmt.Errorf("emulator: %w", err)
		}
		return &Emulator{opts: opts, traffic: tr, api: srv}, nil
	}
	docs := make([]arm.Document, len(full))
	for i, s := range full {
		doc := s.Doc
		docs[i] = arm.Document{Source: s.File, Load: func() (*openapi3.T, error) { return doc, nil }}
	}
	return newARM(docs, opts, tr)
}

// ServeProvider builds an emulator serving every service of p. An Azure
// Resource Manager provider's documents are parsed only when a request
// first reaches one of their paths, so it starts at once whatever the
// number of services; any other provider's are parsed now.
func ServeProvider(p *provider.Provider, opts Options) (*Emulator, error) {
	var (
		docs  []arm.Document
		isARM bool
	)
	for _, name := range p.ServiceNames() {
		paths, err := p.ServicePaths(name)
		if err != nil {
			return New(servicesOf(p), opts) // not routable without parsing: parse everything
		}
		if len(paths) == 0 {
			continue // nothing to serve
		}
		isARM = isARM || armPaths(paths)
		docs = append(docs, arm.Document{Source: p.Name + "." + name, Paths: paths, Load: func() (*openapi3.T, error) {
			s, err := p.Service(name)
			if err != nil {
				return nil, err
			}
			full, err := s.Full()
			if err != nil {
				return nil, err
			}
			return full.Doc, nil
		}})
	}
	if !isARM {
		return New(servicesOf(p), opts)
	}
	if err := opts.normalize(); err != nil {
		return nil, err
	}
	return newARM(docs, opts, traffic.New(opts.trafficConfig()))
}

// armPaths: some template is an Azure Resource Manager one, under
// /subscriptions or /providers.
func armPaths(paths []string) bool {
	for _, p := range paths {
		lower := strings.ToLower(p)
		if strings.HasPrefix(lower, "/subscriptions/") || strings.HasPrefix(lower, "/providers/") {
			return true
		}
	}
	return false
}

// servicesOf lists p's services; one that fails to load is left for New's
// error.
func servicesOf(p *provider.Provider) []*provider.Service {
	var out []*provider.Service
	for _, name := range p.ServiceNames() {
		s, err := p.Service(name)
		if err != nil {
			continue
		}
		out = append(out, s)
	}
	return out
}

func newARM(docs []arm.Document, opts Options, tr *traffic.Traffic) (*Emulator, error) {
	if len(docs) == 0 {
		return nil, errors.New("emulator: no service documents to serve; pass at least one loaded service")
	}
	d := opts.Dataset
	st := arm.NewStore(d.Subscriptions*d.ResourceGroups*d.Vaults*(d.Instances+4) + 256)
	if err := samples.Seed(st, d, opts.Seed); err != nil {
		return nil, fmt.Errorf("emulator: %w", err)
	}
	dataprotection.Seed(st, d, opts.Seed)
	st.Sort()
	cfg := arm.Config{Token: opts.Token, PageSize: opts.PageSize, EmptyPageEvery: opts.EmptyPageEvery,
		LROPolls: opts.LROPolls, LROFailEvery: opts.LROFailEvery, RetryAfter: opts.RetryAfter, Seed: opts.Seed,
		RefuseSubscriptions: opts.RefuseSubscriptions}
	srv, err := arm.New(cfg, tr, st, docs, []arm.Rule{dataprotection.Rules{}})
	if err != nil {
		return nil, fmt.Errorf("emulator: %w", err)
	}
	return &Emulator{opts: opts, traffic: tr, api: srv}, nil
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
	if err := o.Dataset.Validate(); err != nil {
		return fmt.Errorf("emulator: %w", err)
	}
	return nil
}

func (o *Options) trafficConfig() traffic.Config {
	return traffic.Config{Latency: o.Latency, Jitter: o.Jitter, ThrottleEvery: o.ThrottleEvery, ThrottleRate: o.ThrottleRate,
		FailEvery: o.FailEvery, FailBurst: o.FailBurst, FailStatus: o.FailStatus, DropEvery: o.DropEvery,
		RetryAfter: o.RetryAfter, Seed: o.Seed, LogSize: o.LogSize}
}

// Control endpoints: not served by the API, not counted, no token, no faults.
const (
	statsPath = "/_emulator/stats"
	logPath   = "/_emulator/log"
)

// ServeHTTP answers the control endpoints, and hands everything else to
// the API.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var v any
	switch r.URL.Path {
	case statsPath:
		v = e.Stats()
	case logPath:
		v = e.Log()
	default:
		e.api.ServeHTTP(w, r)
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encoding the answer failed: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(b)
}

// Handler serves the emulator; use it with httptest or your own server.
func (e *Emulator) Handler() http.Handler { return e }

// Token is the bearer token requests must carry.
func (e *Emulator) Token() string { return e.opts.Token }

// Start listens on addr, which must be a loopback address
// ("127.0.0.1:0", "[::1]:8443", "localhost:9000"), and serves in the
// background. It returns the base URL to point clients at.
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
func (e *Emulator) Stats() Stats { return e.traffic.Stats() }

// Log returns the most recent requests, oldest first.
func (e *Emulator) Log() []LogEntry { return e.traffic.Log() }
