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

// embeddedAzureServices loads every service of the embedded Azure provider,
// which the emulator serves.
func embeddedAzureServices() ([]*provider.Service, error) {
	p, err := newCatalog("").Open("azure")
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
// so on stderr, so nobody mistakes its rows for a real subscription's.
func startSandbox(_ context.Context, stderr io.Writer) (*inProcessSandbox, error) {
	services, err := embeddedAzureServices()
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
