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
	url, err := em.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { em.Close() })
	return em, url
}
