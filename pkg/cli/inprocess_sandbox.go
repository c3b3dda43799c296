package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/skyql/skyql/pkg/emulator"
	"github.com/skyql/skyql/pkg/executor"
	"github.com/skyql/skyql/pkg/provider"
)

// inProcessSandbox is the emulator that --sandbox starts for one command:
// the Azure one, and one per other provider in use, below one more
// loopback server.
type inProcessSandbox struct {
	url   string
	auth  bearerToken
	close func() error
	// others maps each other provider served to its endpoint.
	others map[string]string
}

// bearerToken authorizes requests to the sandbox with its test token; it
// is never a real credential.
type bearerToken string

func (b bearerToken) Authorize(_ context.Context, req *http.Request) error {
	req.Header.Set("Authorization", "Bearer "+string(b))
	return nil
}

// AuthorizeDryRun shows the header as any other bearer credential's.
func (bearerToken) AuthorizeDryRun(req *http.Request) {
	req.Header.Set("Authorization", "Bearer ***")
}

// startSandbox serves the default dataset on a free loopback port and says
// so on stderr, so nobody mistakes its rows for a real subscription's. It
// serves every service of the Azure provider the session queries with
// (cat's: pulled or embedded), each document parsed once for both, and
// only when first used; and every other provider cat uses, each behind an
// emulator built when a request first reaches it, so start-up parses nothing.
func startSandbox(_ context.Context, stderr io.Writer, cat *catalog) (*inProcessSandbox, error) {
	p, err := cat.Open("azure")
	if err != nil {
		return nil, fmt.Errorf("starting the sandbox: %w", err)
	}
	em, err := emulator.ServeProvider(p, emulator.Options{})
	if err != nil {
		return nil, fmt.Errorf("starting the sandbox: %w", err)
	}
	url, err := em.Start("127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("starting the sandbox: %w", err)
	}
	sb := &inProcessSandbox{url: url, auth: bearerToken(em.Token()), close: em.Close}
	others, closeOthers, err := serveOtherProviders(cat, em.Token())
	if err != nil {
		em.Close()
		return nil, fmt.Errorf("starting the sandbox: %w", err)
	}
	sb.others = others
	sb.close = func() error { return errors.Join(closeOthers(), em.Close()) }
	fmt.Fprintf(stderr, "skyql: sandbox: querying the local Azure emulator at %s (sample data, subscriptions %s and %s), not Azure\n",
		url, emulator.SubscriptionID(0), emulator.SubscriptionID(1))
	if len(others) > 0 {
		names := slices.Sorted(maps.Keys(others))
		fmt.Fprintf(stderr, "skyql: sandbox: %s served with sample data from their documents, not their APIs\n", strings.Join(names, ", "))
	}
	return sb, nil
}

// serveOtherProviders serves every provider cat uses but Azure below
// /<name>/ of one more loopback server, building each one's emulator when
// a request first reaches it, so that start-up parses nothing. It returns
// each provider's endpoint (none, and no server, when Azure is all there
// is) and what stops the server.
func serveOtherProviders(cat *catalog, token string) (map[string]string, func() error, error) {
	infos, err := cat.Providers()
	if err != nil {
		return nil, nil, err
	}
	var names []string
	for _, info := range infos {
		if info.InUse && info.Name != "azure" {
			names = append(names, info.Name)
		}
	}
	if len(names) == 0 {
		return nil, func() error { return nil }, nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	mux := http.NewServeMux()
	endpoints := map[string]string{}
	base := "http://" + ln.Addr().String()
	for _, name := range names {
		lazy := &lazyEmulator{open: func() (*provider.Provider, error) { return cat.Open(name) }, token: token}
		mux.Handle("/"+name+"/", http.StripPrefix("/"+name, lazy))
		endpoints[name] = base + "/" + name
	}
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	return endpoints, srv.Close, nil
}

// lazyEmulator builds a provider's emulator on its first request: a
// provider of many services (GitHub's 48) is parsed only when queried.
type lazyEmulator struct {
	open    func() (*provider.Provider, error)
	token   string
	once    sync.Once
	handler http.Handler
	err     error
}

func (l *lazyEmulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.once.Do(func() {
		p, err := l.open()
		if err != nil {
			l.err = err
			return
		}
		em, err := emulator.ServeProvider(p, emulator.Options{Token: l.token})
		if err != nil {
			l.err = err
			return
		}
		l.handler = em.Handler()
	})
	if l.err != nil {
		http.Error(w, "the sandbox cannot serve this provider: "+l.err.Error(), http.StatusInternalServerError)
		return
	}
	l.handler.ServeHTTP(w, r)
}

// sandboxAuth carries the sandbox's token the way the provider's auth
// config asks for a credential, which is how its emulator checks it.
func sandboxAuth(p *provider.Provider, token string) executor.Authorizer {
	kind, _ := p.Config.Auth["type"].(string)
	switch kind {
	case "basic":
		return basicToken(token)
	case "api_key":
		name, _ := p.Config.Auth["name"].(string)
		if name == "" {
			name = "Authorization"
		}
		location, _ := p.Config.Auth["location"].(string)
		return apiKeyToken{name: name, inQuery: strings.EqualFold(location, "query"), token: token}
	}
	return bearerToken(token)
}

// basicToken is HTTP basic auth with the sandbox token as password.
type basicToken string

func (b basicToken) Authorize(_ context.Context, req *http.Request) error {
	req.SetBasicAuth("sandbox", string(b))
	return nil
}

func (basicToken) AuthorizeDryRun(req *http.Request) { req.SetBasicAuth("sandbox", "***") }

// apiKeyToken is the sandbox token as an API key, in a header or a query
// parameter.
type apiKeyToken struct {
	name    string
	inQuery bool
	token   string
}

func (a apiKeyToken) Authorize(_ context.Context, req *http.Request) error {
	a.set(req, a.token)
	return nil
}

func (a apiKeyToken) AuthorizeDryRun(req *http.Request) { a.set(req, "***") }

func (a apiKeyToken) set(req *http.Request, value string) {
	if !a.inQuery {
		req.Header.Set(a.name, value)
		return
	}
	q := req.URL.Query()
	q.Set(a.name, value)
	req.URL.RawQuery = q.Encode()
}
