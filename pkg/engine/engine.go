// Package engine runs skyql statements: it parses them, plans the HTTP calls
// a SELECT needs, fetches pages concurrently into the store, and runs the
// user's SQL over the fetched rows; it also answers the metadata statements
// (SHOW, DESCRIBE) from the provider documents. It is the one place that
// knows all the parts; the CLI and the shell only configure and call it.
package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/skyql/skyql/pkg/executor"
	"github.com/skyql/skyql/pkg/output"
	"github.com/skyql/skyql/pkg/parser"
	"github.com/skyql/skyql/pkg/provider"
	"github.com/skyql/skyql/pkg/store"
)

// Catalog is where providers come from: embedded, pulled, or a test's own.
type Catalog interface {
	// Providers lists what can be queried: every version, InUse marking
	// the one a name's queries use.
	Providers() ([]ProviderInfo, error)
	// Open returns the named provider (documents are parsed lazily).
	Open(name string) (*provider.Provider, error)
}

// ProviderInfo is one row of SHOW PROVIDERS.
type ProviderInfo struct {
	Name, Version, Origin string
	// From is where an installed version came from (a registry URL or a
	// source folder); "" when unknown or built in.
	From string
	// InUse: queries naming this provider use this version.
	InUse bool
}

// AuthSource returns the credentials for a provider's calls.
type AuthSource func(p *provider.Provider) (executor.Authorizer, error)

// Config assembles a Session from its parts.
type Config struct {
	Catalog  Catalog
	Store    *store.Store
	Executor *executor.Executor
	Auth     AuthSource
	// Endpoints overrides a provider's base URL (--endpoint azure=URL).
	Endpoints map[string]string
	// Stderr receives progress, warnings and partial-result reports.
	Stderr io.Writer
	// AllowPartial prints the rows of a query some of whose calls failed
	// (the statement still fails).
	AllowPartial bool
	// DryRun prints the requests a statement would send instead of sending.
	DryRun bool
	// NoWait returns from long-running operations once the API accepted
	// them, as the /*+ NOWAIT */ hint does for one statement.
	NoWait bool
	// Progress, when set, is told what a statement is doing, for a
	// progress display the caller draws (on terminals); the engine itself
	// writes no terminal control sequences.
	Progress Progress
	// Registry handles REGISTRY statements; nil disables them.
	Registry RegistryOps
	// Scope gives values to path parameters a SELECT leaves unbound, before
	// it fans out over the collections above a resource: subscriptionId
	// from --subscription, AZURE_SUBSCRIPTION_ID or the config file.
	Scope map[string][]string
	// MaxCalls refuses a statement that would make more API calls
	// (0: planner.DefaultMaxCalls).
	MaxCalls int
}

// Progress receives a statement's progress beyond the executor's own page
// and call counts.
type Progress interface {
	// Level: the fan-out level i of n is fetched next, calls calls of
	// method for table.
	Level(i, n int, table, method string, calls int)
	// Operation: a long-running operation was polled.
	Operation(executor.LROStatus)
}

// RegistryOps are the registry actions SQL can ask for.
type RegistryOps interface {
	List(ctx context.Context, provider string) ([]ProviderInfo, error)
	Pull(ctx context.Context, provider, version string) (ProviderInfo, error)
}

// Session runs statements against one store and set of providers.
type Session struct {
	cfg Config

	mu        sync.Mutex
	providers map[string]*provider.Provider

	// args are the values of the statement's numbered parameters (?1,
	// ?2, ...) while ExecuteArgs runs; SQLite binds them wherever the
	// statement's SQL reaches it.
	args []any
}

// New returns a Session.
func New(cfg Config) *Session {
	if cfg.Stderr == nil {
		cfg.Stderr = io.Discard
	}
	return &Session{cfg: cfg, providers: map[string]*provider.Provider{}}
}

// Execute runs every statement of text in order, writing each result to w.
// It stops at the first failing statement.
func (s *Session) Execute(ctx context.Context, text string, w output.Writer) error {
	stmts, err := parser.Parse(text)
	if err != nil {
		return err
	}
	if len(stmts) == 0 {
		return errors.New("no SQL statement given")
	}
	for _, st := range stmts {
		if err := s.run(ctx, st, w); err != nil {
			if len(stmts) > 1 {
				return fmt.Errorf("statement at offset %d (%s): %w", st.Offset(), abbreviate(st.Text()), err)
			}
			return err
		}
	}
	return nil
}

// ExecuteArgs runs one statement whose numbered parameters (?1, ?2, ...)
// take args as values, bound by SQLite: never spliced into the text.
func (s *Session) ExecuteArgs(ctx context.Context, text string, args []any, w output.Writer) error {
	s.args = args
	defer func() { s.args = nil }()
	return s.Execute(ctx, text, w)
}

func abbreviate(sql string) string {
	sql = strings.Join(strings.Fields(sql), " ")
	if len(sql) > 60 {
		return sql[:57] + "..."
	}
	return sql
}

func (s *Session) run(ctx context.Context, st parser.Statement, w output.Writer) error {
	switch st := st.(type) {
	case *parser.Select:
		return s.runSelect(ctx, st, w)
	case *parser.Show:
		return s.runShow(ctx, st, w)
	case *parser.Describe:
		return s.runDescribe(ctx, st, w)
	case *parser.Registry:
		return s.runRegistry(ctx, st, w)
	case *parser.Insert, *parser.Update, *parser.Delete, *parser.Exec:
		return s.runWrite(ctx, st, w)
	}
	return fmt.Errorf("statement %T is not supported", st)
}

// provider opens a provider once per session.
func (s *Session) provider(name string) (*provider.Provider, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.providers[name]; ok {
		return p, nil
	}
	p, err := s.cfg.Catalog.Open(name)
	if err != nil {
		return nil, err
	}
	s.providers[name] = p
	return p, nil
}

// resource resolves provider.service.resource, suggesting the nearest name
// at whichever level is unknown.
func (s *Session) resource(q parser.QualifiedName) (*provider.Resource, error) {
	svc, err := s.service(q)
	if err != nil {
		return nil, err
	}
	return svc.Resource(q.Resource)
}

func (s *Session) service(q parser.QualifiedName) (*provider.Service, error) {
	p, err := s.provider(q.Provider)
	if err != nil {
		return nil, err
	}
	return p.Service(q.Service)
}

// baseURL is the endpoint a method's calls go to: the user's override, else
// the method's server URL template, whose variables the call fills in.
func (s *Session) baseURL(m *provider.Method) string {
	svc := m.Resource.Service
	if svc.Provider != nil {
		if u, ok := s.cfg.Endpoints[svc.Provider.Name]; ok {
			return u
		}
	}
	if m.Server != "" {
		return m.Server
	}
	return svc.BaseURL()
}

func (s *Session) authFor(svc *provider.Service) (executor.Authorizer, error) {
	if s.cfg.Auth == nil || svc.Provider == nil {
		return nil, nil
	}
	return s.cfg.Auth(svc.Provider)
}

// newCall prepares a call with the document's defaults filled in, so that
// parameter columns (api-version too) show what was actually sent.
func (s *Session) newCall(m *provider.Method, params map[string]string) (*executor.Call, error) {
	svc := m.Resource.Service
	a, err := s.authFor(svc)
	if err != nil {
		return nil, err
	}
	full := make(map[string]string, len(params)+1)
	for k, v := range params {
		full[k] = v
	}
	for _, p := range m.Params {
		v, ok := full[p.Name]
		if !ok {
			if p.Supplied() {
				full[p.Name] = p.DefaultText()
			}
			continue
		}
		if full[p.Name], err = paramText(p.Name, v, p.Type); err != nil {
			return nil, fmt.Errorf("%s: %w", m.Name, err)
		}
	}
	return &executor.Call{Method: m, Params: full, BaseURL: s.baseURL(m), Auth: a}, nil
}
