package server

import (
	"bytes"
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// FuzzServeConn sends arbitrary bytes as a client's side of a connection:
// the server's message reader must answer, refuse or hang up, and never
// panic; a connection that outlives its client hangs the fuzzer, which
// the test's timeout reports.
// Run: go test ./pkg/server -run '^$' -fuzz FuzzServeConn
func FuzzServeConn(f *testing.F) {
	srv, err := New(Config{LoginTimeout: time.Second, Open: engineSessions(f, 1)})
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
