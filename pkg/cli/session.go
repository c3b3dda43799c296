package cli

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/skyql/skyql/pkg/auth"
	"github.com/skyql/skyql/pkg/engine"
	"github.com/skyql/skyql/pkg/executor"
	"github.com/skyql/skyql/pkg/output"
	"github.com/skyql/skyql/pkg/planner"
	"github.com/skyql/skyql/pkg/provider"
	"github.com/skyql/skyql/pkg/registry"
	"github.com/skyql/skyql/pkg/shell"
	"github.com/skyql/skyql/pkg/store"
	builtin "github.com/skyql/skyql/registry"
)

// sessionOptions are the query flags exec, shell and serve add to the
// shared ones.
type sessionOptions struct {
	allowPartial bool
	limits       executor.Limits
	cacheTTL     time.Duration
	noWait       bool
	subscription []string
	maxCalls     int
}

func (so *sessionOptions) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.BoolVar(&so.allowPartial, "allow-partial", false, "print the rows that arrived when some API calls failed (still exits non-zero)")
	f.DurationVar(&so.cacheTTL, "cache-ttl", 5*time.Minute, "how long fetched rows are reused by later queries")
	f.BoolVar(&so.noWait, "no-wait", false, "do not wait for long-running operations: print the operation URL once the API accepted the request")
	f.StringArrayVar(&so.subscription, "subscription", nil, "fan SELECTs that give no subscriptionId out over this subscription only (repeatable; default: AZURE_SUBSCRIPTION_ID, the config file, else every subscription the credential lists)")
	f.IntVar(&so.maxCalls, "max-calls", planner.DefaultMaxCalls, "refuse a statement that would make more API calls than this")

	// Bounds on what an API can make skyql do.
	d := executor.DefaultLimits
	f.IntVar(&so.limits.MaxPages, "max-pages", d.MaxPages, "stop following a list after this many pages; hitting the cap is reported as a failure")
	so.limits.MaxResponseBytes = d.MaxResponseBytes
	f.Var((*byteSize)(&so.limits.MaxResponseBytes), "max-response-size", "the largest response body read, e.g. 256MiB, 1GiB")
	f.DurationVar(&so.limits.HeaderTimeout, "header-timeout", d.HeaderTimeout, "how long a request waits for the response headers")
	f.DurationVar(&so.limits.IdleTimeout, "body-idle-timeout", d.IdleTimeout, "how long a response body may send nothing")
	f.DurationVar(&so.limits.ResponseTimeout, "response-timeout", d.ResponseTimeout, "how long one response may take in all, headers and body")
}

// validate checks the bounds: each must be positive.
func (so *sessionOptions) validate() error {
	l := so.limits
	switch {
	case l.MaxPages < 1:
		return usageError{fmt.Errorf("--max-pages must be at least 1, got %d", l.MaxPages)}
	case l.MaxResponseBytes < 1:
		return usageError{fmt.Errorf("--max-response-size must be positive, got %d", l.MaxResponseBytes)}
	}
	for _, t := range []struct {
		flag string
		d    time.Duration
	}{{"--header-timeout", l.HeaderTimeout}, {"--body-idle-timeout", l.IdleTimeout}, {"--response-timeout", l.ResponseTimeout}} {
		if t.d <= 0 {
			return usageError{fmt.Errorf("%s must be a positive duration such as 30s or 2m, got %s", t.flag, t.d)}
		}
	}
	return nil
}

// session is an engine.Session with its progress line (nil when there
// is none) and what must be closed after it.
type session struct {
	*engine.Session
	progress *progressLine
	closers  []func() error
}

// Execute runs statements as engine.Session.Execute does, with the
// progress line tied to ctx.
func (s *session) Execute(ctx context.Context, text string, w output.Writer) error {
	if s.progress != nil {
		defer s.progress.watch(ctx)()
	}
	return s.Session.Execute(ctx, text, w)
}

func (s *session) Close() error {
	var first error
	for i := len(s.closers) - 1; i >= 0; i-- {
		if err := s.closers[i](); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// newSession builds an engine session from the flags.
func newSession(ctx context.Context, cmd *cobra.Command, opts *globalOptions, so *sessionOptions) (*session, error) {
	ss, err := newSessions(ctx, cmd, opts, so)
	if err != nil {
		return nil, err
	}
	stderr := cmd.ErrOrStderr()
	s, err := ss.open(ctx, stderr, shell.IsTerminal(stderr))
	if err != nil {
		ss.close()
		return nil, err
	}
	s.closers = append([]func() error{ss.close}, s.closers...)
	return s, nil
}

// sessions are what the sessions of one command share: the providers,
// endpoints, credentials and the sandbox, if any. A server opens one
// session per connection from them.
type sessions struct {
	cmd       *cobra.Command
	opts      *globalOptions
	so        *sessionOptions
	cat       *catalog
	endpoints map[string]string
	authFor   engine.AuthSource
	secrets   executor.Redactor
	storeOpts store.Options
	scope     map[string][]string
	close     func() error
}

// newSessions reads the flags, and starts the sandbox for --sandbox.
func newSessions(ctx context.Context, cmd *cobra.Command, opts *globalOptions, so *sessionOptions) (*sessions, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if err := so.validate(); err != nil {
		return nil, err
	}
	ephemeral := opts.noCache || opts.sandbox
	appDir, err := opts.appDirectory()
	if err != nil {
		if !ephemeral {
			return nil, err
		}
		appDir = "" // no cache to keep: embedded providers only
	}
	endpoints, err := parseEndpoints(opts.endpoints)
	if err != nil {
		return nil, err
	}
	var userAuth auth.Configs
	if strings.TrimSpace(opts.auth) != "" {
		if userAuth, err = auth.ParseUserConfigs([]byte(opts.auth)); err != nil {
			return nil, usageError{fmt.Errorf("--auth: %w", err)}
		}
	}
	if so.maxCalls < 1 {
		return nil, usageError{fmt.Errorf("--max-calls must be at least 1, got %d", so.maxCalls)}
	}
	subscriptions, err := subscriptionScope(so.subscription, !opts.sandbox, appDir)
	if err != nil {
		return nil, err
	}
	pins, err := opts.providerPins(appDir)
	if err != nil {
		return nil, err
	}
	ss := &sessions{cmd: cmd, opts: opts, so: so, cat: newCatalog(appDir, pins), endpoints: endpoints, close: func() error { return nil }}
	if len(subscriptions) > 0 {
		ss.scope = map[string][]string{"subscriptionId": subscriptions}
	}
	sources := auth.NewSources(userAuth)
	ss.secrets = sources
	ss.authFor = func(p *provider.Provider) (executor.Authorizer, error) {
		return sources.For(p.Name, p.Config.Auth)
	}
	if opts.sandbox {
		sb, err := startSandbox(ctx, cmd.ErrOrStderr(), ss.cat)
		if err != nil {
			return nil, err
		}
		ss.close = sb.close
		if _, set := endpoints["azure"]; !set {
			endpoints["azure"] = sb.url
		}
		// A provider the user points elsewhere (--endpoint) keeps its own
		// credentials; the sandboxed ones get the sandbox's token.
		sandboxed := map[string]bool{}
		for name, url := range sb.others {
			if _, set := endpoints[name]; !set {
				endpoints[name] = url
				sandboxed[name] = true
			}
		}
		base := ss.authFor
		ss.authFor = func(p *provider.Provider) (executor.Authorizer, error) {
			switch {
			case p.Name == "azure" && userAuth["azure"].Type == "":
				return sb.auth, nil
			case p.Name != "azure" && sandboxed[p.Name] && userAuth[p.Name].Type == "":
				return sandboxAuth(p, string(sb.auth)), nil
			}
			return base(p)
		}
	}
	if !ephemeral {
		ss.storeOpts = cacheOptions(appDir)
	} // else a scratch database per session
	ss.storeOpts.TTL = so.cacheTTL
	return ss, nil
}

// open starts a session with its own store connection, writing progress,
// warnings and partial-result reports to stderr (a progress line only if
// progress is set).
func (ss *sessions) open(ctx context.Context, stderr io.Writer, progress bool) (*session, error) {
	s := &session{}
	storeOpts := ss.storeOpts
	storeOpts.Warnings = stderr
	st, err := store.Open(ctx, storeOpts)
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, st.Close)
	execOpts := executor.Options{Concurrency: ss.opts.concurrency, Limits: ss.so.limits, Secrets: ss.secrets}
	if progress {
		s.progress = &progressLine{w: stderr}
		execOpts.Progress = s.progress.update
	}
	cfg := engine.Config{
		Catalog:      ss.cat,
		Store:        st,
		Executor:     executor.New(execOpts),
		Auth:         ss.authFor,
		Endpoints:    ss.endpoints,
		Stderr:       stderr,
		AllowPartial: ss.so.allowPartial,
		DryRun:       ss.opts.dryRun,
		NoWait:       ss.so.noWait,
		Registry:     &registryOps{cmd: ss.cmd, opts: ss.opts},
		Scope:        ss.scope,
		MaxCalls:     ss.so.maxCalls,
	}
	if s.progress != nil {
		cfg.Progress = s.progress
	}
	s.Session = engine.New(cfg)
	return s, nil
}

// parseEndpoints reads --endpoint provider=url flags.
func parseEndpoints(flags []string) (map[string]string, error) {
	out := map[string]string{}
	for _, f := range flags {
		name, u, ok := strings.Cut(f, "=")
		if !ok || name == "" || u == "" {
			return nil, usageError{fmt.Errorf("--endpoint %q: use <provider>=<url>, e.g. azure=https://management.usgovcloudapi.net", f)}
		}
		if err := executor.CheckEndpoint(u); err != nil {
			return nil, usageError{fmt.Errorf("--endpoint %s: %w", name, err)}
		}
		out[name] = u
	}
	return out, nil
}

// catalog serves the providers embedded in the binary and those installed
// into the app directory: for each name the pinned version, else the
// newest installed one, else the newest embedded one (registry.Select).
//
// It hands out one *provider.Provider per name, so service documents are
// parsed once per process, however many parts (engine, sandbox) use them.
type catalog struct {
	appDir string
	pins   map[string]string // provider name -> version
	mu     sync.Mutex
	opened map[string]*provider.Provider
}

// shippedIndexes are the built-in providers' compiled service indexes.
var shippedIndexes = func() fs.FS {
	sub, err := fs.Sub(builtin.Indexes, "index")
	if err != nil {
		panic(err) // a constant, valid path into the binary's own files
	}
	return sub
}()

func newCatalog(appDir string, pins map[string]string) *catalog {
	return &catalog{appDir: appDir, pins: pins, opened: map[string]*provider.Provider{}}
}

func (c *catalog) entries() ([]registry.Entry, error) {
	embedded, err := fs.Sub(builtin.Source, "src")
	if err != nil {
		return nil, err
	}
	return registry.Catalog(embedded, c.appDir, c.pins)
}

// Providers lists every version installed or embedded, marking the one
// each name's queries use.
func (c *catalog) Providers() ([]engine.ProviderInfo, error) {
	entries, err := c.entries()
	if err != nil {
		return nil, err
	}
	out := make([]engine.ProviderInfo, len(entries))
	for i, e := range entries {
		out[i] = engine.ProviderInfo{Name: e.Name, Version: e.Version, Origin: e.Origin, From: e.From, InUse: e.InUse}
	}
	return out, nil
}

func (c *catalog) Open(name string) (*provider.Provider, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p, ok := c.opened[name]; ok {
		return p, nil
	}
	entries, err := c.entries()
	if err != nil {
		return nil, err
	}
	e, err := registry.Select(entries, name, c.pins)
	if registry.IsNotInstalled(err) {
		var names []string
		for _, e := range entries {
			if e.InUse {
				names = append(names, e.Name)
			}
		}
		msg := fmt.Sprintf("unknown provider %s", name)
		if n := provider.Nearest(name, names); n != "" {
			msg += fmt.Sprintf("; did you mean %s?", n)
		}
		return nil, fmt.Errorf("%s (installed: %s; REGISTRY LIST shows what a registry offers)", msg, strings.Join(names, ", "))
	}
	if err != nil {
		return nil, err
	}
	p, err := e.Open()
	if err != nil {
		return nil, err
	}
	index := provider.ShippedIndexes{FS: shippedIndexes}
	if c.appDir != "" {
		index.Local = provider.DirIndexCache(indexDir(c.appDir))
	}
	p.Index = index
	c.opened[name] = p
	return p, nil
}

// registryOps lets REGISTRY statements use the --registry flag.
type registryOps struct {
	cmd  *cobra.Command
	opts *globalOptions
}

func (r *registryOps) List(ctx context.Context, name string) ([]engine.ProviderInfo, error) {
	reg, _, err := openRegistry(r.cmd, r.opts, false)
	if err != nil {
		return nil, err
	}
	var out []engine.ProviderInfo
	if name != "" {
		versions, err := reg.Versions(ctx, name)
		if err != nil {
			return nil, err
		}
		for _, v := range versions {
			out = append(out, engine.ProviderInfo{Name: name, Version: v})
		}
		return out, nil
	}
	listing, err := reg.List(ctx)
	if err != nil {
		return nil, err
	}
	for _, l := range listing {
		out = append(out, engine.ProviderInfo{Name: l.Name, Version: l.Version})
	}
	return out, nil
}

func (r *registryOps) Pull(ctx context.Context, name, version string) (engine.ProviderInfo, error) {
	reg, root, err := openRegistry(r.cmd, r.opts, false)
	if err != nil {
		return engine.ProviderInfo{}, err
	}
	e, err := reg.Pull(ctx, name, version, root)
	if err != nil {
		return engine.ProviderInfo{}, err
	}
	return engine.ProviderInfo{Name: e.Name, Version: e.Version, Origin: e.Origin}, nil
}
