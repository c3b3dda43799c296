package cli

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/skyql/skyql/pkg/emulator"
	"github.com/skyql/skyql/pkg/provider"
)

// inProcessSandbox is the emulator that --sandbox starts for one command.
type inProcessSandbox struct {
	url   string
	auth  bearerToken
	close func() error
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

// azureServices loads every service of the Azure provider the catalog
// resolves, which the emulator serves.
func azureServices(cat *catalog) ([]*provider.Service, error) {
	p, err := cat.Open("azure")
	if err != nil {
		return nil, err
	}
	var services []*provider.Service
	for _, name := range p.ServiceNames() {
		s, err := p.Service(name)
		if err != nil {
			return nil, err
		}
		services = append(services, s)
	}
	return services, nil
}

// startSandbox serves the default dataset on a free loopback port and says
// so on stderr, so nobody mistakes its rows for a real subscription's. It
// serves the documents the session queries with (cat's), parsed once for both.
func startSandbox(_ context.Context, stderr io.Writer, cat *catalog) (*inProcessSandbox, error) {
	services, err := azureServices(cat)
	if err != nil {
		return nil, fmt.Errorf("starting the sandbox: %w", err)
	}
	em, err := emulator.New(services, emulator.Options{})
	if err != nil {
		return nil, fmt.Errorf("starting the sandbox: %w", err)
	}
	url, err := em.Start("127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("starting the sandbox: %w", err)
	}
	fmt.Fprintf(stderr, "skyql: sandbox: querying the bundled Azure emulator at %s (sample data, subscription %s), not Azure\n",
		url, emulator.DefaultSubscriptionID)
	return &inProcessSandbox{url: url, auth: bearerToken(em.Token()), close: em.Close}, nil
}
