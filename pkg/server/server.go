// Package server speaks PostgreSQL's wire protocol (version 3, the simple
// query protocol), so that psql, BI tools and PostgreSQL drivers can run
// skyql statements. Each connection gets a session of its own; rows go out
// as text, JSON columns typed json. Clients authenticate with
// SCRAM-SHA-256 when a password is set, and may ask for TLS when a
// certificate is given. The messages themselves are pgx's pgproto3.
package server

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/xdg-go/scram"

	"github.com/skyql/skyql/pkg/output"
)

// Session runs the statements of one connection.
type Session interface {
	// ExecuteArgs runs a skyql statement whose numbered parameters (?1,
	// ?2, ...) take args as values.
	ExecuteArgs(ctx context.Context, sql string, args []any, w output.Writer) error
	Close() error
}

// Config assembles a Server.
type Config struct {
	// Open starts the session of a new connection. What it writes to
	// notices (warnings, partial-result reports) reaches the client as
	// notices.
	Open func(ctx context.Context, notices io.Writer) (Session, error)
	// Password, when set, is asked of every client (SCRAM-SHA-256; the
	// user name is not checked). Empty lets anyone in who can connect.
	Password string
	// TLS, when set, is offered to clients that ask for it.
	TLS *tls.Config
	// MaxConnections caps the logged-in connections served at once (0:
	// 100); one more is told "too many clients" once it logs in.
	MaxConnections int
	// MaxLogins caps the connections still logging in (0: 32). They are
	// counted apart from MaxConnections, and when all are taken the
	// oldest gives way to the newcomer: sockets left idle before login
	// cannot lock real clients out.
	MaxLogins int
	// StatementTimeout, when set, cancels a statement that runs longer.
	StatementTimeout time.Duration
	// LoginTimeout bounds the time from connecting to logging in (0: 30s),
	// as PostgreSQL's authentication_timeout does.
	LoginTimeout time.Duration
	// Log receives a line per connection that fails.
	Log io.Writer
}

// Server accepts connections and serves each in a goroutine of its own.
type Server struct {
	cfg   Config
	scram *scram.Server

	mu       sync.Mutex
	running  map[uint32]running // by process id, for cancel requests
	conns    map[net.Conn]bool
	logins   []net.Conn // connections logging in, oldest first
	sessions int        // logged-in connections
	wg       sync.WaitGroup

	started   time.Time
	catalogMu sync.Mutex
	catalog   *catalogModel // read on the first catalog query
	schemas   *catalogModel // services without their tables, read on the first login
}

// running is the statement a connection is running, for CancelRequest.
type running struct {
	secret []byte
	cancel context.CancelFunc
}

// scramIterations is PostgreSQL's default for SCRAM-SHA-256 verifiers.
const scramIterations = 4096

// New returns a Server.
func New(cfg Config) (*Server, error) {
	if cfg.Open == nil {
		return nil, errors.New("server: Config.Open is required")
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	if cfg.MaxConnections <= 0 {
		cfg.MaxConnections = 100
	}
	if cfg.MaxLogins <= 0 {
		cfg.MaxLogins = 32
	}
	if cfg.LoginTimeout <= 0 {
		cfg.LoginTimeout = 30 * time.Second
	}
	password := cfg.Password
	cfg.Password = "" // the server keeps only the salted verifier
	s := &Server{cfg: cfg, running: map[uint32]running{}, conns: map[net.Conn]bool{}, started: time.Now()}
	if password != "" {
		client, err := scram.SHA256.NewClient("", password, "")
		if err != nil {
			return nil, fmt.Errorf("server: preparing the password: %w", err)
		}
		salt := make([]byte, 16)
		rand.Read(salt)
		stored, err := client.GetStoredCredentialsWithError(scram.KeyFactors{Salt: string(salt), Iters: scramIterations})
		if err != nil {
			return nil, fmt.Errorf("server: preparing the password: %w", err)
		}
		// PostgreSQL clients send an empty SCRAM user name: the user is
		// the one in the startup message, and there is one password.
		s.scram, err = scram.SHA256.NewServer(func(string) (scram.StoredCredentials, error) { return stored, nil })
		if err != nil {
			return nil, fmt.Errorf("server: preparing the password: %w", err)
		}
	}
	return s, nil
}

// Serve accepts connections on ln until ctx ends, then closes ln and every
// connection and waits for their goroutines.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	stop := context.AfterFunc(ctx, func() {
		ln.Close()
		s.mu.Lock()
		for c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
	})
	defer stop()
	defer s.wg.Wait()
	var backoff time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			// Out of file descriptors, say: wait and try again, as
			// net/http does, instead of giving up on every client.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			fmt.Fprintf(s.cfg.Log, "skyql serve: accepting a connection: %v; retrying in %s\n", err, backoff)
			select {
			case <-time.After(backoff):
				continue
			case <-ctx.Done():
				return nil
			}
		}
		backoff = 0
		s.mu.Lock()
		shuttingDown := ctx.Err() != nil // the close loop may have run already
		if !shuttingDown {
			s.conns[nc] = true
			if len(s.logins) >= s.cfg.MaxLogins {
				s.logins[0].Close() // its goroutine cleans up
				s.logins = s.logins[1:]
			}
			s.logins = append(s.logins, nc)
		}
		s.mu.Unlock()
		if shuttingDown {
			go refuse(nc)
			continue
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer func() {
				if p := recover(); p != nil {
					fmt.Fprintf(s.cfg.Log, "skyql serve: %s: internal error: %v\n", nc.RemoteAddr(), p)
				}
				s.mu.Lock()
				delete(s.conns, nc)
				s.logins = slices.DeleteFunc(s.logins, func(c net.Conn) bool { return c == nc })
				s.mu.Unlock()
				nc.Close()
			}()
			err := s.serveConn(ctx, nc)
			if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, net.ErrClosed) && ctx.Err() == nil {
				fmt.Fprintf(s.cfg.Log, "skyql serve: %s: %v\n", nc.RemoteAddr(), err)
			}
		}()
	}
}

// loggedIn moves a connection from the login slots to the served ones,
// or reports that all of those are taken; done gives the slot back.
func (s *Server) loggedIn(nc net.Conn) (done func(), ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.logins = slices.DeleteFunc(s.logins, func(c net.Conn) bool { return c == nc })
	if s.sessions >= s.cfg.MaxConnections {
		return nil, false
	}
	s.sessions++
	return func() {
		s.mu.Lock()
		s.sessions--
		s.mu.Unlock()
	}, true
}

// catalogModel returns the catalog clients browse, read through session
// the first time.
func (s *Server) catalogModel(ctx context.Context, session Session) (*catalogModel, error) {
	s.catalogMu.Lock()
	defer s.catalogMu.Unlock()
	if s.catalog == nil {
		m, err := loadCatalog(ctx, session, true)
		if err != nil {
			return nil, err
		}
		s.catalog = m
	}
	return s.catalog, nil
}

// schemaModel returns the providers and their services, which is all a
// login needs (its schemas and search_path): the whole catalog once it has
// been read, else a list that reads no service document, so that no login
// waits for every resource's columns.
func (s *Server) schemaModel(ctx context.Context, session Session) (*catalogModel, error) {
	s.catalogMu.Lock()
	defer s.catalogMu.Unlock()
	if s.catalog != nil {
		return s.catalog, nil
	}
	if s.schemas == nil {
		m, err := loadCatalog(ctx, session, false)
		if err != nil {
			return nil, err
		}
		s.schemas = m
	}
	return s.schemas, nil
}

// refuse tells a client the server is stopping, without waiting for its
// startup message.
func refuse(nc net.Conn) {
	defer nc.Close()
	e := &pgproto3.ErrorResponse{Severity: "FATAL", Code: "57P01", Message: "terminating connection: skyql serve is stopping"}
	nc.SetWriteDeadline(time.Now().Add(time.Second))
	if b, err := e.Encode(nil); err == nil {
		nc.Write(b)
	}
}

// newKey makes a connection's process id and secret key for cancel
// requests (protocol 3.0: four bytes of secret).
func (s *Server) newKey() (uint32, []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		var b [8]byte
		rand.Read(b[:])
		pid := binary.BigEndian.Uint32(b[:4]) & 0x7fffffff
		if _, taken := s.running[pid]; !taken && pid != 0 {
			s.running[pid] = running{secret: b[4:]}
			return pid, b[4:]
		}
	}
}

// setRunning records the cancel function of the statement pid runs (nil
// between statements).
func (s *Server) setRunning(pid uint32, cancel context.CancelFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.running[pid]
	r.cancel = cancel
	s.running[pid] = r
}

func (s *Server) forget(pid uint32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.running, pid)
}

// cancel stops what pid is running, if the secret matches.
func (s *Server) cancel(pid uint32, secret []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.running[pid]; ok && string(r.secret) == string(secret) && r.cancel != nil {
		r.cancel()
	}
}
