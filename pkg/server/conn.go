package server

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/skyql/skyql/pkg/parser"
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
	notices bytes.Buffer
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

	c.b.Send(&pgproto3.AuthenticationOk{})
	for _, p := range [][2]string{
		{"server_version", serverVersion}, {"server_encoding", "UTF8"}, {"client_encoding", "UTF8"},
		{"DateStyle", "ISO, MDY"}, {"integer_datetimes", "on"}, {"standard_conforming_strings", "on"},
		{"TimeZone", "UTC"}, {"IntervalStyle", "postgres"}, {"is_superuser", "off"},
		// libpq's target_session_attrs=read-write reads these two.
		{"default_transaction_read_only", "off"}, {"in_hot_standby", "off"},
		{"application_name", startup.Parameters["application_name"]},
		{"session_authorization", startup.Parameters["user"]},
	} {
		c.b.Send(&pgproto3.ParameterStatus{Name: p[0], Value: p[1]})
	}
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

// loop answers messages until the client leaves.
func (c *conn) loop(ctx context.Context) error {
	// failedExtended is set from the first extended-protocol message
	// until Sync: the protocol says to skip the rest of the batch.
	failedExtended := false
	for {
		msg, err := c.b.Receive()
		if err != nil {
			return err
		}
		switch msg := msg.(type) {
		case *pgproto3.Query:
			if failedExtended {
				continue // skipped until Sync, as the rest of the batch
			}
			c.query(ctx, msg.String)
			c.b.Send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
		case *pgproto3.CopyData, *pgproto3.CopyDone, *pgproto3.CopyFail:
			// No COPY is ever started; PostgreSQL ignores these too.
		case *pgproto3.Terminate:
			return nil
		case *pgproto3.Sync:
			failedExtended = false
			c.b.Send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
		case *pgproto3.Flush:
		case *pgproto3.Parse, *pgproto3.Bind, *pgproto3.Describe, *pgproto3.Execute, *pgproto3.Close:
			if !failedExtended {
				failedExtended = true
				c.b.Send(&pgproto3.ErrorResponse{Severity: "ERROR", Code: "0A000",
					Message: "skyql serve speaks PostgreSQL's simple query protocol only",
					Hint:    "have the client send queries as text: pgx default_query_exec_mode=simple_protocol, JDBC preferQueryMode=simple, psql as it is"})
			}
		default:
			c.b.Send(&pgproto3.ErrorResponse{Severity: "FATAL", Code: "08P01", Message: fmt.Sprintf("unexpected message %T", msg)})
			return c.b.Flush()
		}
		if err := c.b.Flush(); err != nil {
			return err
		}
	}
}

// query runs the statements of a Query message in order, each with its
// own result or command tag, and stops at the first that fails, as
// PostgreSQL does.
func (c *conn) query(ctx context.Context, text string) {
	stmts, err := parser.Parse(text)
	if err != nil {
		c.b.Send(errorResponse(err, text))
		return
	}
	if len(stmts) == 0 {
		c.b.Send(&pgproto3.EmptyQueryResponse{})
		return
	}
	for _, st := range stmts {
		ctx, cancel := context.WithCancel(ctx)
		c.s.setRunning(c.pid, cancel)
		stopWatching := c.watch(cancel)
		w := &resultWriter{b: c.b, verb: commandVerb(st)}
		err := c.session.Execute(ctx, st.Text(), w)
		stopWatching()
		c.s.setRunning(c.pid, nil)
		cancel()
		c.sendNotices()
		if err != nil {
			// Rows already sent stand; the error says they are not all.
			c.b.Send(errorResponse(err, ""))
			return
		}
		if !w.ended {
			c.b.Send(&pgproto3.CommandComplete{CommandTag: []byte(w.verb)})
		}
	}
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
	for _, msg := range strings.Split(strings.TrimSpace(c.notices.String()), "\nskyql: ") {
		if msg = strings.TrimPrefix(strings.TrimSpace(msg), "skyql: "); msg != "" {
			severity := "NOTICE"
			if strings.HasPrefix(msg, "warning: ") {
				severity, msg = "WARNING", strings.TrimPrefix(msg, "warning: ")
			}
			c.b.Send(&pgproto3.NoticeResponse{Severity: severity, Code: "01000", Message: msg})
		}
	}
	c.notices.Reset()
}

// commandVerb is the command tag of a statement with no result of its own.
func commandVerb(st parser.Statement) string {
	switch st.(type) {
	case *parser.Select:
		return "SELECT"
	case *parser.Insert:
		return "INSERT"
	case *parser.Update:
		return "UPDATE"
	case *parser.Delete:
		return "DELETE"
	case *parser.Exec:
		return "EXEC"
	case *parser.Registry:
		return "REGISTRY"
	case *parser.Describe:
		return "DESCRIBE"
	}
	return "SHOW"
}
