package server

import (
	"bytes"
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/skyql/skyql/pkg/emulator"
	"github.com/skyql/skyql/pkg/emulator/emulatortest"
	"github.com/skyql/skyql/pkg/engine"
	"github.com/skyql/skyql/pkg/executor"
	"github.com/skyql/skyql/pkg/provider"
	"github.com/skyql/skyql/pkg/store"
)

// FuzzServeConn sends arbitrary bytes as a client's side of a connection:
// the server's message reader must answer, refuse or hang up, and never
// panic; a connection that outlives its client hangs the fuzzer, which
// the test's timeout reports.
// Run: go test ./pkg/server -run '^$' -fuzz FuzzServeConn
func FuzzServeConn(f *testing.F) {
	p, em, url := emulatortest.StartServices(f, "../../registry/src/azure/v0.1.0", []string{"data_protection"}, emulator.Options{})
	srv, err := New(Config{LoginTimeout: time.Second, Open: func(ctx context.Context, notices io.Writer) (Session, error) {
		st, err := store.Open(ctx, store.Options{TTL: time.Minute})
		if err != nil {
			return nil, err
		}
		return engineSession{engine.New(engine.Config{
			Catalog: catalog{p}, Store: st, Executor: executor.New(executor.Options{Concurrency: 1}),
			Auth:      func(*provider.Provider) (executor.Authorizer, error) { return bearer(em.Token()), nil },
			Endpoints: map[string]string{"azure": url}, Stderr: notices,
		}), st}, nil
	}})
	if err != nil {
		f.Fatal(err)
	}
	startup := &pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: map[string]string{"user": "u"}}
	for _, msgs := range [][]pgproto3.FrontendMessage{
		{startup, &pgproto3.Query{String: "SELECT 1 AS n; SHOW SERVICES IN azure"}, &pgproto3.Terminate{}},
		{&pgproto3.SSLRequest{}, startup, &pgproto3.Parse{Query: "SELECT $1"}, &pgproto3.Sync{}},
		{&pgproto3.CancelRequest{ProcessID: 1, SecretKey: []byte{1, 2, 3, 4}}},
		{startup, &pgproto3.Query{String: "SELECT '\x00'"}},
	} {
		var seed []byte
		for _, m := range msgs {
			if seed, err = m.Encode(seed); err != nil {
				f.Fatal(err)
			}
		}
		f.Add(seed)
	}
	f.Add([]byte{0, 0, 0, 8, 4, 210, 22, 47}) // a bare SSLRequest
	f.Add([]byte{0x7f, 0xff, 0xff, 0xff})     // a length of 2 GiB
	f.Fuzz(func(t *testing.T, input []byte) {
		client, server := net.Pipe()
		go func() { // the client: say everything, then leave
			_, _ = io.Copy(client, bytes.NewReader(input))
			client.Close()
		}()
		go func() { _, _ = io.Copy(io.Discard, client) }()
		_ = srv.serveConn(context.Background(), server)
		server.Close()
	})
}
