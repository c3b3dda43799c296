package server

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// failedLoginDelay slows down guessing passwords.
const failedLoginDelay = 500 * time.Millisecond

// serverVersion is what clients are told they talk to: the protocol and
// the SQL they may assume are PostgreSQL 15's, the statements skyql's.
const serverVersion = "15.0 (skyql)"

// Message size limits: PostgreSQL's own before login, where anyone can
// send one; after it, generous for a statement's text.
const (
	maxLoginMessage = 64 << 10
	maxMessage      = 64 << 20
)

// conn is one client connection.
type conn struct {
	s       *Server
	net     net.Conn
	in      *bufio.Reader // what the backend reads, and watch peeks at
	b       *pgproto3.Backend
	pid     uint32
	session Session
	notices notices

	statements map[string]*prepared
	portals    map[string]*portal
	skipping   bool // an extended-protocol message failed: skip to Sync
	txStatus   byte // ReadyForQuery's: I idle, T in a transaction block, E failed in one
	settings   *settings
	changed    []string // parameters a SET or RESET changed, to report
	state      *connState
	catalogDB  *catalogDB
}

// notices collects what a session writes for the user while a statement
// runs in its own goroutine.
type notices struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (n *notices) Write(p []byte) (int, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.buf.Write(p)
}

// take returns what was written and empties the buffer.
func (n *notices) take() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	s := n.buf.String()
	n.buf.Reset()
	return s
}

// setConn makes nc the connection messages go through (again, after TLS).
func (c *conn) setConn(nc net.Conn) {
	c.net, c.in = nc, bufio.NewReader(nc)
	c.b = pgproto3.NewBackend(c.in, nc)
	c.b.SetMaxBodyLen(maxLoginMessage)
}

func (s *Server) serveConn(ctx context.Context, nc net.Conn) error {
	c := &conn{s: s}
	c.setConn(nc)
	if err := nc.SetDeadline(time.Now().Add(s.cfg.LoginTimeout)); err != nil {
		return err
	}
	startup, err := c.startup()
	if err != nil || startup == nil {
		return err
	}
	if err := c.authenticate(); err != nil {
		return err
	}
	if err := c.net.SetDeadline(time.Time{}); err != nil {
		return err
	}
	done, ok := s.loggedIn(nc)
	if !ok {
		c.b.Send(&pgproto3.ErrorResponse{Severity: "FATAL", Code: "53300", Message: "sorry, too many clients already"})
		return c.b.Flush()
	}
	defer done()
	c.b.SetMaxBodyLen(maxMessage)
	c.session, err = s.cfg.Open(ctx, &c.notices)
	if err != nil {
		c.b.Send(&pgproto3.ErrorResponse{Severity: "FATAL", Code: "XX000", Message: err.Error()})
		return errors.Join(err, c.b.Flush())
	}
	defer c.session.Close()
	var secret []byte
	c.pid, secret = s.newKey()
	defer s.forget(c.pid)

	c.statements, c.portals, c.txStatus = map[string]*prepared{}, map[string]*portal{}, 'I'
	c.settings = newSettings(startup.Parameters, "public")
	database := startup.Parameters["database"]
	if database == "" {
		database = startup.Parameters["user"]
	}
	c.state = &connState{database: database, user: startup.Parameters["user"], pid: c.pid, settings: c.settings, started: s.started}
	// The catalog decides the schemas, and so the default search_path.
	// Should it fail, catalog queries say why when they run.
	if m, err := s.schemaModel(ctx, c.session); err == nil {
		c.useSchemas(m)
	}
	c.b.Send(&pgproto3.AuthenticationOk{})
	// libpq's target_session_attrs=read-write reads
	// default_transaction_read_only and in_hot_standby among these.
	c.changed = slices.Clone(reported)
	c.sendChangedSettings()
	c.b.Send(&pgproto3.BackendKeyData{ProcessID: c.pid, SecretKey: secret})
	c.b.Send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
	if err := c.b.Flush(); err != nil {
		return err
	}
	return c.loop(ctx)
}

// startup reads the startup message, answering requests for TLS and GSS
// encryption on the way, and returns nil for a cancel request, which
// ends the connection.
func (c *conn) startup() (*pgproto3.StartupMessage, error) {
	for {
		msg, err := c.b.ReceiveStartupMessage()
		if err != nil {
			return nil, err
		}
		switch msg := msg.(type) {
		case *pgproto3.SSLRequest:
			if c.s.cfg.TLS == nil {
				if _, err := c.net.Write([]byte{'N'}); err != nil {
					return nil, err
				}
				continue
			}
			if _, err := c.net.Write([]byte{'S'}); err != nil {
				return nil, err
			}
			tc := tls.Server(c.net, c.s.cfg.TLS)
			if err := tc.Handshake(); err != nil {
				return nil, fmt.Errorf("TLS handshake: %w", err)
			}
			c.setConn(tc)
		case *pgproto3.GSSEncRequest:
			if _, err := c.net.Write([]byte{'N'}); err != nil {
				return nil, err
			}
		case *pgproto3.CancelRequest:
			c.s.cancel(msg.ProcessID, msg.SecretKey)
			return nil, nil
		case *pgproto3.StartupMessage:
			if msg.ProtocolVersion != pgproto3.ProtocolVersion30 {
				// Newer clients ask for 3.2 and settle for 3.0.
				c.b.Send(&pgproto3.NegotiateProtocolVersion{NewestMinorProtocol: 0})
			}
			return msg, nil
		default:
			return nil, fmt.Errorf("unexpected startup message %T", msg)
		}
	}
}

// authenticate runs SCRAM-SHA-256 when the server has a password.
func (c *conn) authenticate() error {
	if c.s.scram == nil {
		return nil
	}
	refuse := func() error {
		time.Sleep(failedLoginDelay)
		c.b.Send(&pgproto3.ErrorResponse{Severity: "FATAL", Code: "28P01", Message: "password authentication failed"})
		return errors.Join(errors.New("password authentication failed"), c.b.Flush())
	}
	c.b.Send(&pgproto3.AuthenticationSASL{AuthMechanisms: []string{"SCRAM-SHA-256"}})
	if err := c.b.Flush(); err != nil {
		return err
	}
	if err := c.b.SetAuthType(pgproto3.AuthTypeSASL); err != nil {
		return err
	}
	msg, err := c.b.Receive()
	if err != nil {
		return err
	}
	first, ok := msg.(*pgproto3.SASLInitialResponse)
	if !ok || first.AuthMechanism != "SCRAM-SHA-256" {
		return refuse()
	}
	conv := c.s.scram.NewConversation()
	challenge, err := conv.Step(string(first.Data))
	if err != nil {
		return refuse()
	}
	c.b.Send(&pgproto3.AuthenticationSASLContinue{Data: []byte(challenge)})
	if err := c.b.Flush(); err != nil {
		return err
	}
	if err := c.b.SetAuthType(pgproto3.AuthTypeSASLContinue); err != nil {
		return err
	}
	if msg, err = c.b.Receive(); err != nil {
		return err
	}
	final, ok := msg.(*pgproto3.SASLResponse)
	if !ok {
		return refuse()
	}
	outcome, err := conv.Step(string(final.Data))
	if err != nil || !conv.Valid() {
		return refuse()
	}
	c.b.Send(&pgproto3.AuthenticationSASLFinal{Data: []byte(outcome)})
	return nil
}

// watch cancels the running statement if the client goes away meanwhile:
// nothing else reads the connection while a statement runs, so a closed
// socket would otherwise go unnoticed until the result is written, after
// every API call was made. A message the client sends early stays
// buffered for the next Receive.
func (c *conn) watch(cancel context.CancelFunc) (stop func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		var ne net.Error
		if _, err := c.in.Peek(1); err != nil && !(errors.As(err, &ne) && ne.Timeout()) {
			cancel()
		}
	}()
	return func() {
		c.net.SetReadDeadline(time.Now()) // wakes the Peek
		<-done
		c.net.SetReadDeadline(time.Time{})
	}
}

// sendNotices passes on what the session wrote for the user, a notice per
// message.
func (c *conn) sendNotices() {
	for _, msg := range strings.Split(strings.TrimSpace(c.notices.take()), "\nskyql: ") {
		if msg = strings.TrimPrefix(strings.TrimSpace(msg), "skyql: "); msg != "" {
			severity := "NOTICE"
			if strings.HasPrefix(msg, "warning: ") {
				severity, msg = "WARNING", strings.TrimPrefix(msg, "warning: ")
			}
			c.b.Send(&pgproto3.NoticeResponse{Severity: severity, Code: "01000", Message: msg})
		}
	}
}
