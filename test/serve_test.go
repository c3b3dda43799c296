package test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"

	"github.com/skyql/skyql/pkg/emulator"
)

const servePassword = "e2e-s3cret"

// serve starts `skyql serve` against the emulator, with a password, and
// returns the connection string clients use (the password aside).
func serve(t *testing.T, sb *sandbox) string {
	t.Helper()
	host, port := startServe(t, []string{"--endpoint", "azure=" + sb.url, "--app-dir", t.TempDir(),
		"--auth", `{"azure":{"type":"bearer","credentialsenvvar":"` + tokenEnv + `"}}`,
		"serve", "--listen", "127.0.0.1:0"}, tokenEnv+"="+sb.Token())
	return fmt.Sprintf("host=%s port=%s user=skyql sslmode=disable", host, port)
}

// startServe runs skyql with args (a serve command) and the password in
// its environment, stops it at the end of the test, and returns where it
// listens.
func startServe(t *testing.T, args []string, env ...string) (host, port string) {
	t.Helper()
	cmd := exec.Command(skyqlBin, args...)
	cmd.Env = append(append(os.Environ(), env...), "SKYQL_SERVE_PASSWORD="+servePassword)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("skyql serve did not stop cleanly on Ctrl-C: %v", err)
			}
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			t.Error("skyql serve did not stop within 10s of Ctrl-C")
		}
	})
	lines := bufio.NewScanner(stderr)
	for lines.Scan() {
		if addr, ok := strings.CutPrefix(lines.Text(), "skyql serve: listening on "); ok {
			addr, _, _ = strings.Cut(addr, " ")
			go func() {
				for lines.Scan() { // keep the pipe drained
				}
			}()
			host, port, _ := strings.Cut(addr, ":")
			return host, port
		}
	}
	t.Fatal("skyql serve exited without listening")
	return "", ""
}

func psql(t *testing.T, conn, password string, args ...string) result {
	t.Helper()
	path, err := exec.LookPath("psql")
	if err != nil {
		t.Fatal("psql is needed for this test (Debian: apt-get install postgresql-client)")
	}
	return run(t, []string{"PGPASSWORD=" + password, "PGCONNECT_TIMEOUT=10"}, path, append([]string{conn, "--no-psqlrc", "-X"}, args...)...)
}

func TestServeAnswersPsql(t *testing.T) {
	sb := startEmulator(t, emulator.Options{})
	conn := serve(t, sb)
	query := fmt.Sprintf("SELECT name, json_extract(properties, '$.currentProtectionState') AS state FROM azure.data_protection.backup_instances WHERE %s AND vaultName = '%s' ORDER BY name LIMIT 2", instancesWhere, vault)
	r := psql(t, conn, servePassword, "-A", "-F", ",", "-c", query).mustSucceed(t)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 4 || lines[0] != "name,state" || lines[3] != "(2 rows)" {
		t.Fatalf("psql printed:\n%s", r.stdout)
	}
	// Several statements, each with its own result.
	r = psql(t, conn, servePassword, "-A", "-t", "-c", "SELECT 1 AS a; SHOW SERVICES IN azure LIKE 'data_protection'").mustSucceed(t)
	if !strings.HasPrefix(r.stdout, "1\ndata_protection|azure.data_protection|") {
		t.Fatalf("psql printed:\n%s", r.stdout)
	}

	r = psql(t, conn, "wrong", "-c", "SELECT 1")
	if r.code == 0 || !strings.Contains(r.stderr, "password authentication failed") {
		t.Fatalf("a wrong password: exit %d, %s", r.code, r.stderr)
	}
	// Errors keep skyql's message and carry PostgreSQL's codes and the
	// position of a syntax error.
	r = psql(t, conn, servePassword, "-v", "VERBOSITY=verbose", "-c", "SELECT name\nFROM WHERE")
	if r.code == 0 || !strings.Contains(r.stderr, "ERROR:  42601: syntax error") || !strings.Contains(r.stderr, "LINE 2: FROM WHERE") {
		t.Fatalf("syntax error: exit %d, %s", r.code, r.stderr)
	}
	r = psql(t, conn, servePassword, "-v", "VERBOSITY=verbose", "-c", "SELECT name FROM azure.data_protection.backup_instancez")
	if !strings.Contains(r.stderr, "42P01: unknown resource azure.data_protection.backup_instancez; did you mean azure.data_protection.backup_instances?") {
		t.Fatalf("unknown resource: %s", r.stderr)
	}
	r = psql(t, conn, servePassword, "-v", "VERBOSITY=verbose", "-c", fmt.Sprintf("SELECT * FROM azure.data_protection.operation_result WHERE subscriptionId = '%s'", sub))
	if !strings.Contains(r.stderr, "42P02: cannot SELECT from azure.data_protection.operation_result: missing required parameter(s) location, operationId") {
		t.Fatalf("missing parameters: %s", r.stderr)
	}
}

func TestServeAnswersPgx(t *testing.T) {
	sb := startEmulator(t, emulator.Options{Latency: 300 * time.Millisecond})
	conn := serve(t, sb) + " password=" + servePassword
	ctx := context.Background()

	// pgx's default mode: the extended protocol, $n bound as values.
	c, err := pgx.Connect(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	rows, err := c.Query(ctx, "SELECT name FROM azure.data_protection.backup_instances WHERE subscriptionId = $1 AND resourceGroupName = $2 AND vaultName = $3 ORDER BY name LIMIT $4", sub, rg, vault, 3)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	if err := rows.Err(); err != nil || len(names) != 3 {
		t.Fatalf("default mode with $1..$4: %v, %v", names, err)
	}
	var version, database string
	var n int
	if err := c.QueryRow(ctx, "SELECT version(), current_database(), $1::int8 + 1", int64(41)).Scan(&version, &database, &n); err != nil || !strings.Contains(version, "skyql") || n != 42 {
		t.Fatalf("version(), current_database(), $1::int8: %q %q %d %v", version, database, n, err)
	}
	// A value is bound, never spliced into the SQL text.
	var quoted string
	if err := c.QueryRow(ctx, "SELECT $1 || ''", "it's; DROP").Scan(&quoted); err != nil || quoted != "it's; DROP" {
		t.Fatalf("a quote in a parameter: %q %v", quoted, err)
	}
	c.Close(ctx)

	cfg, err := pgx.ParseConfig(conn + " default_query_exec_mode=simple_protocol")
	if err != nil {
		t.Fatal(err)
	}
	// On a canceled context, send PostgreSQL's cancel request rather than
	// drop the connection (pgx's default).
	cfg.BuildContextWatcherHandler = func(pc *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: pc, DeadlineDelay: 5 * time.Second}
	}
	c, err = pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	rows, err = c.Query(ctx, fmt.Sprintf("SELECT name, properties, json_extract(properties, '$.friendlyName') AS friendly FROM azure.data_protection.backup_instances WHERE %s AND vaultName = '%s' ORDER BY name", instancesWhere, vault))
	if err != nil {
		t.Fatal(err)
	}
	n = 0
	for rows.Next() {
		var name, friendly string
		var props map[string]any
		if err := rows.Scan(&name, &props, &friendly); err != nil {
			t.Fatal(err)
		}
		if name == "" || props["friendlyName"] != friendly {
			t.Fatalf("row %d: %q %v %q", n, name, props, friendly)
		}
		n++
	}
	if err := rows.Err(); err != nil || n != 150 {
		t.Fatalf("%d rows, %v; want the vault's 150", n, err)
	}
	if oid := rows.FieldDescriptions()[1].DataTypeOID; oid != 114 {
		t.Errorf("properties went out as type %d, want json (114)", oid)
	}

	// A client giving up cancels the statement (pgx sends a cancel
	// request), and the connection stays usable.
	start := time.Now()
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	_, err = c.Exec(short, fmt.Sprintf("SELECT count(*) FROM azure.data_protection.backup_instances WHERE %s AND vaultName = 'vault-prod-02'", instancesWhere))
	cancel()
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "57014" {
		t.Fatalf("a statement past its deadline: %v; want PostgreSQL's query_canceled", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("the canceled statement took %s", took)
	}
	var one int
	if err := c.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("after a cancel: %d, %v", one, err)
	}
}

func TestServeBoundsAStatementsMemory(t *testing.T) {
	sb := startEmulator(t, emulator.Options{})
	conn := serve(t, sb)
	// Without the heap limit this one value took the server to 3 GB.
	r := psql(t, conn, servePassword, "-A", "-t", "-c", "SELECT length(randomblob(500000000))")
	if r.code == 0 || !strings.Contains(r.stderr, "out of memory") {
		t.Fatalf("a 500 MB blob under the default --memory-limit: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	if got := psql(t, conn, servePassword, "-A", "-t", "-c", "SELECT length(randomblob(1000))").mustSucceed(t).stdout; got != "1000\n" {
		t.Fatalf("after the refused statement the server answered %q", got)
	}
}
