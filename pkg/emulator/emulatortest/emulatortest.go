// Package emulatortest starts an emulator for the length of a test, as
// net/http/httptest starts a server.
package emulatortest

import (
	"testing"

	"github.com/skyql/skyql/pkg/emulator"
	"github.com/skyql/skyql/pkg/provider"
)

// Start serves services on a free loopback port until the test ends and
// returns the emulator and its base URL.
func Start(t testing.TB, services []*provider.Service, opts emulator.Options) (*emulator.Emulator, string) {
	t.Helper()
	em, err := emulator.New(services, opts)
	if err != nil {
		t.Fatal(err)
	}
	return em, startServing(t, em)
}

// startServing listens on a free loopback port until the test ends.
func startServing(t testing.TB, em *emulator.Emulator) string {
	t.Helper()
	url, err := em.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { em.Close() })
	return url
}

// StartProvider serves every service of p, as `skyql sandbox` does: a
// document is parsed only when a request first reaches it.
func StartProvider(t testing.TB, p *provider.Provider, opts emulator.Options) (*emulator.Emulator, string) {
	t.Helper()
	em, err := emulator.ServeProvider(p, opts)
	if err != nil {
		t.Fatal(err)
	}
	return em, startServing(t, em)
}

// StartServices loads the provider in dir and serves the named services of
// it, as Start does, returning the provider too.
func StartServices(t testing.TB, dir string, names []string, opts emulator.Options) (*provider.Provider, *emulator.Emulator, string) {
	t.Helper()
	p, err := provider.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	services := make([]*provider.Service, len(names))
	for i, name := range names {
		if services[i], err = p.Service(name); err != nil {
			t.Fatal(err)
		}
	}
	em, url := Start(t, services, opts)
	return p, em, url
}
