package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
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

type catalog struct{ p *provider.Provider }

func (c catalog) Providers() ([]engine.ProviderInfo, error) {
	return []engine.ProviderInfo{{Name: c.p.Name, Version: c.p.Version, InUse: true}}, nil
}

func (c catalog) Open(string) (*provider.Provider, error) { return c.p, nil }

type bearer string

func (b bearer) Authorize(_ context.Context, r *http.Request) error {
	r.Header.Set("Authorization", "Bearer "+string(b))
	return nil
}

// engineSession is a real engine session on a scratch store.
type engineSession struct {
	*engine.Session
	st *store.Store
}

func (s engineSession) Close() error { return s.st.Close() }

// engineSessions serves the Azure documents' Data Protection service from
// an emulator, and opens a real engine session on a scratch store for each
// connection, making up to concurrency calls at once.
func engineSessions(tb testing.TB, concurrency int) func(ctx context.Context, notices io.Writer) (Session, error) {
	tb.Helper()
	p, em, url := emulatortest.StartServices(tb, "../../registry/src/azure/v0.1.0", []string{"data_protection"}, emulator.Options{})
	return func(ctx context.Context, notices io.Writer) (Session, error) {
		st, err := store.Open(ctx, store.Options{TTL: time.Minute})
		if err != nil {
			return nil, err
		}
		return engineSession{engine.New(engine.Config{
			Catalog: catalog{p}, Store: st, Executor: executor.New(executor.Options{Concurrency: concurrency}),
			Auth:      func(*provider.Provider) (executor.Authorizer, error) { return bearer(em.Token()), nil },
			Endpoints: map[string]string{"azure": url}, Stderr: notices,
		}), st}, nil
	}
}

// startServer serves engineSessions through a Server configured by cfg
// (Open is filled in) and returns its address.
func startServer(t *testing.T, cfg Config) string {
	t.Helper()
	cfg.Open = engineSessions(t, 4)
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return ln.Addr().String()
}

// client is a raw protocol client, pgproto3's frontend side.
type client struct {
	t  *testing.T
	nc net.Conn
	f  *pgproto3.Frontend
}

func dial(t *testing.T, addr string) *client {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(20 * time.Second))
	return &client{t: t, nc: nc, f: pgproto3.NewFrontend(nc, nc)}
}

func (c *client) send(msgs ...pgproto3.FrontendMessage) {
	c.t.Helper()
	for _, m := range msgs {
		c.f.Send(m)
	}
	if err := c.f.Flush(); err != nil {
		c.t.Fatal(err)
	}
}

// until reads messages up to and including one of type T, and returns
// their kinds in order ("E:code" for errors).
func until[T pgproto3.BackendMessage](c *client) []string {
	c.t.Helper()
	return c.read(func(m pgproto3.BackendMessage) bool { _, ok := m.(T); return ok }, func(pgproto3.BackendMessage) {})
}

// ask sends messages and returns the kinds of the answers up to
// ReadyForQuery, space-separated.
func (c *client) ask(msgs ...pgproto3.FrontendMessage) string {
	c.t.Helper()
	c.send(msgs...)
	return strings.Join(until[*pgproto3.ReadyForQuery](c), " ")
}

// each calls fn with every message up to and including ReadyForQuery,
// and returns their kinds.
func (c *client) each(fn func(pgproto3.BackendMessage)) []string {
	c.t.Helper()
	return c.read(func(m pgproto3.BackendMessage) bool { _, ok := m.(*pgproto3.ReadyForQuery); return ok }, fn)
}

// read passes messages to fn until one stops it, and returns their kinds.
func (c *client) read(stop func(pgproto3.BackendMessage) bool, fn func(pgproto3.BackendMessage)) []string {
	c.t.Helper()
	var kinds []string
	for {
		m, err := c.f.Receive()
		if err != nil {
			c.t.Fatalf("after %v: %v", kinds, err)
		}
		fn(m)
		switch m := m.(type) {
		case *pgproto3.ErrorResponse:
			kinds = append(kinds, "E:"+m.Code)
		default:
			kinds = append(kinds, strings.TrimPrefix(fmt.Sprintf("%T", m), "*pgproto3."))
		}
		if stop(m) {
			return kinds
		}
	}
}

func (c *client) login() {
	c.t.Helper()
	c.send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: map[string]string{"user": "u"}})
	until[*pgproto3.ReadyForQuery](c)
}

func TestAnExtendedProtocolErrorSkipsToSync(t *testing.T) {
	c := dial(t, startServer(t, Config{}))
	c.login()
	if got := c.ask(&pgproto3.Parse{Query: "SELECT 1; SELECT 2"}, &pgproto3.Bind{}, &pgproto3.Describe{ObjectType: 'P'},
		&pgproto3.Execute{}, &pgproto3.Query{String: "SELECT 2"}, &pgproto3.Sync{}); got != "E:42601 ReadyForQuery" {
		t.Fatalf("got %s; want one error, the rest skipped, then ReadyForQuery at Sync", got)
	}
	// Then the connection works: a portal takes its rows two at a time.
	if got := c.ask(&pgproto3.Parse{Name: "s", Query: "SELECT value FROM json_each($1)"}, &pgproto3.Bind{PreparedStatement: "s", Parameters: [][]byte{[]byte("[1,2,3]")}},
		&pgproto3.Describe{ObjectType: 'P'}, &pgproto3.Execute{MaxRows: 2}, &pgproto3.Execute{MaxRows: 2}, &pgproto3.Sync{}); got != "ParseComplete BindComplete RowDescription DataRow DataRow PortalSuspended DataRow CommandComplete ReadyForQuery" {
		t.Fatalf("a portal in two Executes: %s", got)
	}
	if got := c.ask(&pgproto3.Query{String: "SELECT 2 AS two; SHOW SERVICES IN azure LIKE 'data_protection'"}); got != "RowDescription DataRow CommandComplete RowDescription DataRow CommandComplete ReadyForQuery" {
		t.Fatalf("two statements: %s", got)
	}
	if got := c.ask(&pgproto3.Query{String: " -- nothing\n"}); got != "EmptyQueryResponse ReadyForQuery" {
		t.Fatalf("empty query: %s", got)
	}
	c.send(&pgproto3.Terminate{})
	if _, err := c.f.Receive(); !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		t.Fatalf("after Terminate: %v", err)
	}
}

func TestLoginIsBoundedInSizeAndTime(t *testing.T) {
	addr := startServer(t, Config{Password: "pw", LoginTimeout: 300 * time.Millisecond})

	// A message over 64 KiB before login ends the connection.
	big := dial(t, addr)
	big.send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: map[string]string{"user": "u"}})
	until[*pgproto3.AuthenticationSASL](big)
	big.nc.Write([]byte{'p', 0x7f, 0xff, 0xff, 0xf0})
	big.nc.Write(make([]byte, 1<<20))
	if _, err := big.f.Receive(); err == nil {
		t.Fatal("a 2 GiB message before login was read")
	}

	// A client that never logs in is let go after the login timeout.
	idle := dial(t, addr)
	start := time.Now()
	if _, err := idle.nc.Read(make([]byte, 1)); err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("an idle client: %v after %s", err, time.Since(start))
	}
}

func TestIdleSocketsDoNotLockOutLogins(t *testing.T) {
	addr := startServer(t, Config{MaxLogins: 4})
	for range 20 {
		dial(t, addr) // never logs in
	}
	c := dial(t, addr)
	c.login()
	if got := c.ask(&pgproto3.Query{String: "SELECT 1"}); got != "RowDescription DataRow CommandComplete ReadyForQuery" {
		t.Fatalf("a login after 20 idle sockets: %s", got)
	}
}

func TestOneClientPastMaxConnectionsIsRefused(t *testing.T) {
	addr := startServer(t, Config{MaxConnections: 2})
	a, b := dial(t, addr), dial(t, addr)
	a.login()
	b.login()
	third := dial(t, addr)
	third.send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: map[string]string{"user": "u"}})
	if got := strings.Join(until[*pgproto3.ErrorResponse](third), " "); got != "E:53300" {
		t.Fatalf("a third client: %s", got)
	}
	// Once one leaves, a new client is served.
	a.send(&pgproto3.Terminate{})
	a.f.Receive()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c := dial(t, addr)
		c.send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: map[string]string{"user": "u"}})
		m, err := c.f.Receive()
		if _, ok := m.(*pgproto3.AuthenticationOk); ok && err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no client served after one left: %T %v", m, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestNamedStatementsBindBinaryValues(t *testing.T) {
	c := dial(t, startServer(t, Config{}))
	c.login()
	c.send(&pgproto3.Parse{Name: "q", Query: "SELECT $1 + 1 AS n, $2 AS s", ParameterOIDs: []uint32{oidInt8}},
		&pgproto3.Describe{ObjectType: 'S', Name: "q"}, &pgproto3.Sync{})
	var described []string
	c.each(func(m pgproto3.BackendMessage) {
		if pd, ok := m.(*pgproto3.ParameterDescription); ok {
			// $2's type is the client's to choose (0): pgx then encodes
			// by the Go value's type.
			described = append(described, fmt.Sprint(pd.ParameterOIDs))
		}
	})
	if fmt.Sprint(described) != "[[20 0]]" {
		t.Fatalf("parameter descriptions %v", described)
	}
	// $1 in binary, $2 in text; every result column in binary.
	c.send(&pgproto3.Bind{DestinationPortal: "p", PreparedStatement: "q", ParameterFormatCodes: []int16{1, 0},
		Parameters: [][]byte{{0, 0, 0, 0, 0, 0, 0, 41}, []byte("it's")}, ResultFormatCodes: []int16{1}},
		&pgproto3.Describe{ObjectType: 'P', Name: "p"}, &pgproto3.Execute{Portal: "p"},
		&pgproto3.Close{ObjectType: 'S', Name: "q"}, &pgproto3.Sync{})
	kinds := c.each(func(m pgproto3.BackendMessage) {
		switch m := m.(type) {
		case *pgproto3.RowDescription:
			if f := m.Fields[0]; f.DataTypeOID != oidInt8 || f.Format != 1 {
				t.Errorf("column n: type %d format %d", f.DataTypeOID, f.Format)
			}
		case *pgproto3.DataRow:
			if n := m.Values[0]; len(n) != 8 || n[7] != 42 || string(m.Values[1]) != "it's" {
				t.Errorf("row %q", m.Values)
			}
		}
	})
	if got := strings.Join(kinds, " "); got != "BindComplete RowDescription DataRow CommandComplete CloseComplete ReadyForQuery" {
		t.Fatalf("got %s", got)
	}
	// The statement is gone: binding it fails, and the rest up to Sync is
	// skipped; then the connection serves again.
	if got := c.ask(&pgproto3.Bind{PreparedStatement: "q"}, &pgproto3.Execute{}, &pgproto3.Sync{}, &pgproto3.Query{String: "SELECT 1"}); got != "E:26000 ReadyForQuery" {
		t.Fatalf("a closed statement: %s", got)
	}
	if got := strings.Join(until[*pgproto3.ReadyForQuery](c), " "); got != "RowDescription DataRow CommandComplete ReadyForQuery" {
		t.Fatalf("after the error: %s", got)
	}
}

func TestStatementTimeout(t *testing.T) {
	const endless = "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) SELECT count(*) FROM r"
	c := dial(t, startServer(t, Config{StatementTimeout: 50 * time.Millisecond}))
	c.login()
	if got := c.ask(&pgproto3.Query{String: endless}); got != "E:57014 ReadyForQuery" {
		t.Fatalf("an endless statement: %s", got)
	}
	// A client's own statement_timeout applies too.
	c = dial(t, startServer(t, Config{}))
	c.login()
	if got := c.ask(&pgproto3.Query{String: "SET statement_timeout = '50ms'; " + endless}); got != "CommandComplete E:57014 ReadyForQuery" { // statement_timeout is not reported
		t.Fatalf("an endless statement after SET statement_timeout: %s", got)
	}
	if got := c.ask(&pgproto3.Query{String: "SET statement_timeout = 'soon'"}); got != "E:22023 ReadyForQuery" {
		t.Fatalf("a bad statement_timeout: %s", got)
	}
	if got := c.ask(&pgproto3.Query{String: "SET application_name = 'x'"}); got != "CommandComplete ParameterStatus ReadyForQuery" {
		t.Fatalf("SET application_name: %s", got)
	}
}
