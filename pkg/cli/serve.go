package cli

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/skyql/skyql/pkg/server"
)

func newServeCommand(opts *globalOptions) *cobra.Command {
	so := &sessionOptions{}
	var listen, passwordEnv, certFile, keyFile string
	var maxConnections, maxLogins int
	var statementTimeout time.Duration
	memoryLimit := byteSize(defaultServeMemoryLimit)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Answer PostgreSQL clients (psql, BI tools, drivers) with skyql",
		Long: `Listen for PostgreSQL clients and run the statements they send as skyql
statements, each connection with a session of its own over the shared cache.
It speaks the simple and the extended query protocol, so drivers work in
their default modes, with $1, $2, ... bound as values. Clients browse the
catalog through pg_catalog and information_schema: a provider is a database,
its services schemas, its resources tables (psql "dbname=azure": \dt, \d).

Clients authenticate with SCRAM-SHA-256 when the environment variable named by
--password-env holds a password (any user name). Without one, skyql serves only
a loopback address, and then anyone on this machine can run statements, writes
too, with this process's cloud credentials. With --tls-cert and --tls-key,
clients may ask for TLS (sslmode=require). Each connection's statements make up
to --concurrency API calls at once. It runs until Ctrl-C.`,
		Example: `  skyql serve --sandbox
  psql "host=127.0.0.1 port=5466 user=skyql" -c "SHOW SERVICES IN azure"
  psql "host=127.0.0.1 port=5466 user=skyql dbname=azure" -c '\d azure.data_protection.backup_instances'
  SKYQL_SERVE_PASSWORD=s3cret skyql serve --listen 0.0.0.0:5466 --tls-cert server.crt --tls-key server.key`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			password := os.Getenv(passwordEnv)
			cfg := server.Config{Password: password, MaxConnections: maxConnections, MaxLogins: maxLogins,
				StatementTimeout: statementTimeout, Log: cmd.ErrOrStderr()}
			if maxConnections < 1 || maxLogins < 1 {
				return usageError{fmt.Errorf("--max-connections and --max-logins must be at least 1 (got %d and %d)", maxConnections, maxLogins)}
			}
			if memoryLimit < 1<<20 {
				return usageError{fmt.Errorf("--memory-limit must be at least 1MiB (got %d bytes)", memoryLimit)}
			}
			if statementTimeout < 0 {
				return usageError{fmt.Errorf("--statement-timeout must not be negative (got %s); 0 means no limit", statementTimeout)}
			}
			if (certFile == "") != (keyFile == "") {
				return usageError{errors.New("give both --tls-cert and --tls-key, or neither")}
			}
			if certFile != "" {
				cert, err := tls.LoadX509KeyPair(certFile, keyFile)
				if err != nil {
					return usageError{fmt.Errorf("--tls-cert/--tls-key: %w", err)}
				}
				cfg.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
			}
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return usageError{fmt.Errorf("--listen %s: %w", listen, err)}
			}
			defer ln.Close()
			if password == "" && !isLoopback(ln.Addr()) {
				return usageError{fmt.Errorf("refusing to serve %s without a password: set %s (the variable --password-env names), or listen on a loopback address", ln.Addr(), passwordEnv)}
			}
			ctx, stop := untilTerminated(cmd.Context(), terminationSignals...)
			defer stop()
			ss, err := newSessions(ctx, cmd, opts, so)
			if err != nil {
				return err
			}
			defer ss.close()
			// A client sees provider tables and its own statements' views,
			// not the cache's tables, which hold every client's calls.
			ss.storeOpts.Isolated = true
			// One statement cannot take the server's memory: SQLite fails
			// an allocation past the limit (out of memory, SQLSTATE 53200)
			// and the connection goes on.
			ss.storeOpts.HardHeapLimit = int64(memoryLimit)
			cfg.Open = func(ctx context.Context, notices io.Writer) (server.Session, error) {
				return ss.open(ctx, notices, false)
			}
			srv, err := server.New(cfg)
			if err != nil {
				return err
			}
			auth, sslmode := "no password (loopback only)", "disable"
			if password != "" {
				auth = "SCRAM-SHA-256 password from $" + passwordEnv
			}
			if cfg.TLS != nil {
				sslmode = "require"
			}
			host, port, _ := net.SplitHostPort(ln.Addr().String())
			fmt.Fprintf(cmd.ErrOrStderr(), "skyql serve: listening on %s (%s; TLS %s)\n  try: psql \"host=%s port=%s user=skyql sslmode=%s\"\n",
				ln.Addr(), auth, map[bool]string{true: "offered", false: "off"}[cfg.TLS != nil], host, port, sslmode)
			return srv.Serve(ctx, ln)
		},
	}
	f := cmd.Flags()
	f.StringVar(&listen, "listen", "127.0.0.1:5466", "address to listen on (port 0 picks a free one)")
	f.StringVar(&passwordEnv, "password-env", "SKYQL_SERVE_PASSWORD", "environment variable holding the password clients must give")
	f.StringVar(&certFile, "tls-cert", "", "PEM certificate to offer TLS with")
	f.StringVar(&keyFile, "tls-key", "", "PEM private key of --tls-cert")
	f.IntVar(&maxConnections, "max-connections", 100, "logged-in connections served at once; more are refused")
	f.IntVar(&maxLogins, "max-logins", 32, "connections logging in at once, apart from --max-connections; when all are taken the oldest is dropped")
	f.DurationVar(&statementTimeout, "statement-timeout", 0, "cancel a statement that runs longer than this (0: no limit)")
	f.Var(&memoryLimit, "memory-limit", "the most memory SQLite may hold for all statements at once (its hard heap limit), e.g. 512MiB, 2GiB; SQLite spills sorts and temporary results to disk below it")
	so.register(cmd)
	return cmd
}

// defaultServeMemoryLimit bounds SQLite's heap in skyql serve: far above
// what cached rows and ordinary results need, far below what one
// randomblob(500000000) would take the process to.
const defaultServeMemoryLimit = 256 << 20

// isLoopback reports whether addr listens on a loopback address only.
func isLoopback(addr net.Addr) bool {
	tcp, ok := addr.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}
