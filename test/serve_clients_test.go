package test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// The clients people connect with, each in its default mode, against
// `skyql serve --sandbox` with a SCRAM password and TLS.

// serveSandbox starts `skyql serve --sandbox` with a password and a
// self-signed certificate, and returns where it listens.
func serveSandbox(t *testing.T) (host, port string) {
	t.Helper()
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key")
	writeSelfSignedCert(t, cert, key)
	return startServe(t, []string{"--app-dir", dir, "serve", "--sandbox", "--listen", "127.0.0.1:0", "--tls-cert", cert, "--tls-key", key})
}

func writeSelfSignedCert(t *testing.T, certFile, keyFile string) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"localhost"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// wantNames are the first three backup instances of the sandbox's vault,
// by name, as skyql exec lists them.
func wantNames(t *testing.T) []string {
	t.Helper()
	r := run(t, nil, skyqlBin, "exec", "--sandbox", "--app-dir", t.TempDir(), "-o", "text",
		"SELECT name FROM azure.data_protection.backup_instances WHERE "+instancesWhere+" AND vaultName = '"+vault+"' ORDER BY name LIMIT 3").mustSucceed(t)
	names := strings.Fields(r.stdout) // a header, then the names
	if len(names) != 4 || names[0] != "name" {
		t.Fatalf("skyql exec listed %q", r.stdout)
	}
	return names[1:]
}

func TestServeCatalogWithPsql(t *testing.T) {
	host, port := serveSandbox(t)
	// A provider is a database, its services schemas: psql reads
	// azure.data_protection.backup_instances as database.schema.table.
	conn := "host=" + host + " port=" + port + " user=skyql dbname=azure sslmode=require"

	r := psql(t, conn, servePassword, "-A", "-c", `\dt`).mustSucceed(t)
	if !strings.Contains(r.stdout, "\ndata_protection|backup_instances|table|") || !strings.Contains(r.stdout, "\ncompute|virtual_machines|table|") {
		t.Fatalf(`\dt printed:\n%s`, r.stdout)
	}
	r = psql(t, conn, servePassword, "-c", `\d azure.data_protection.backup_instances`).mustSucceed(t)
	for _, want := range []string{`Table "data_protection.backup_instances"`, " vaultName ", " properties         | json |"} {
		if !strings.Contains(r.stdout, want) {
			t.Fatalf(`\d printed no %q:\n%s`, want, r.stdout)
		}
	}
	r = psql(t, conn, servePassword, "-c", `\d+ data_protection.backup_vaults`).mustSucceed(t)
	if !strings.Contains(r.stdout, "The name of the backup vault.") {
		t.Fatalf(`\d+ printed no column descriptions:\n%s`, r.stdout)
	}
	r = psql(t, conn, servePassword, "-c", `\dn`, "-c", `\l`).mustSucceed(t)
	if !strings.Contains(r.stdout, " data_protection ") || !strings.Contains(r.stdout, " azure ") {
		t.Fatalf(`\dn and \l printed:\n%s`, r.stdout)
	}
	r = psql(t, conn, servePassword, "-A", "-t", "-c", "SELECT version()", "-c", "SELECT current_database(), current_setting('server_version_num')", "-c", "SET application_name = 'e2e'", "-c", "SHOW application_name").mustSucceed(t)
	if lines := strings.Split(strings.TrimSpace(r.stdout), "\n"); len(lines) != 4 || !strings.Contains(lines[0], "skyql") || lines[1] != "azure|150000" || lines[3] != "e2e" {
		t.Fatalf("version(), current_database(), SET and SHOW printed:\n%s", r.stdout)
	}
	r = psql(t, conn, "wrong", "-c", "SELECT 1")
	if r.code == 0 || !strings.Contains(r.stderr, "password authentication failed") {
		t.Fatalf("a wrong password over TLS: exit %d, %s", r.code, r.stderr)
	}
}

func TestServeNodePg(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: node-pg is not tested (.ci/run installs node and the pinned pg)")
	}
	dir, err := filepath.Abs("testdata/nodepg")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "pg")); err != nil {
		npm, err := exec.LookPath("npm")
		if err != nil {
			t.Fatal("node-pg is not installed in test/testdata/nodepg and there is no npm to install it: run npm ci there")
		}
		run(t, nil, npm, "ci", "--prefix", dir, "--no-audit", "--no-fund").mustSucceed(t)
	}
	host, port := serveSandbox(t)
	env := []string{"PGHOST=" + host, "PGPORT=" + port, "PGUSER=skyql", "PGPASSWORD=" + servePassword, "PGDATABASE=azure"}
	r := run(t, env, node, filepath.Join(dir, "client.js"), sub, rg, vault).mustSucceed(t)
	var got struct {
		Names       []string
		Sum, Again  string // int8 comes back as a string in node-pg
		DB, Version string
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("node-pg printed %q: %v", r.stdout, err)
	}
	if strings.Join(got.Names, " ") != strings.Join(wantNames(t), " ") || got.Sum != "42" || got.Again != "2" || got.DB != "azure" || !strings.Contains(got.Version, "skyql") {
		t.Fatalf("node-pg got %+v", got)
	}
	env[3] = "PGPASSWORD=wrong"
	r = run(t, env, node, filepath.Join(dir, "client.js"), sub, rg, vault)
	if r.code == 0 || !strings.Contains(r.stderr, "password authentication failed") {
		t.Fatalf("node-pg with a wrong password: exit %d, %s", r.code, r.stderr)
	}
}

// pythonWithPsycopg finds a python3 that imports psycopg (3): Debian's
// python3-psycopg installs it for /usr/bin/python3.
func pythonWithPsycopg() (string, bool) {
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if path, err := exec.LookPath(p); err == nil && exec.Command(path, "-c", "import psycopg").Run() == nil {
			return path, true
		}
	}
	return "", false
}

func TestServePsycopg(t *testing.T) {
	python, ok := pythonWithPsycopg()
	if !ok {
		t.Skip("no python3 with psycopg 3: psycopg is not tested (Debian: apt-get install python3-psycopg; .ci/run does)")
	}
	host, port := serveSandbox(t)
	conn := "host=" + host + " port=" + port + " user=skyql dbname=azure sslmode=require password=" + servePassword
	r := run(t, nil, python, "testdata/psycopg_client.py", conn, sub, rg, vault).mustSucceed(t)
	var got struct {
		Names  []string
		Sum    int
		Tables []string
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("psycopg printed %q: %v", r.stdout, err)
	}
	if strings.Join(got.Names, " ") != strings.Join(wantNames(t), " ") || got.Sum != 42 || !strings.Contains(strings.Join(got.Tables, " "), "backup_instances") {
		t.Fatalf("psycopg got %+v", got)
	}
}

// jdbcDriver is Debian's pgJDBC (libpostgresql-jdbc-java).
const jdbcDriver = "/usr/share/java/postgresql.jar"

func TestServeJDBC(t *testing.T) {
	java, err := exec.LookPath("java")
	if err != nil {
		t.Skip("java is not installed: pgJDBC is not tested (.ci/run installs a JDK and libpostgresql-jdbc-java)")
	}
	if _, err := os.Stat(jdbcDriver); err != nil {
		t.Skip("pgJDBC is not installed at " + jdbcDriver + ": it is not tested (Debian: apt-get install libpostgresql-jdbc-java)")
	}
	host, port := serveSandbox(t)
	url := "jdbc:postgresql://" + host + ":" + port + "/azure?sslmode=require"
	r := run(t, nil, java, "-cp", jdbcDriver, "testdata/jdbc/JdbcClient.java", url, servePassword, sub, rg, vault).mustSucceed(t)
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		key, value, _ := strings.Cut(line, " ")
		got[key] = value
	}
	if got["names"] != strings.Join(wantNames(t), " ") {
		t.Errorf("a PreparedStatement's rows: %q", got["names"])
	}
	if got["tables"] != "backup_instances backup_policies backup_vault_operation_results backup_vaults" {
		t.Errorf("DatabaseMetaData.getTables: %q", got["tables"])
	}
	if !strings.Contains(got["columns"], "vaultName:text") || !strings.Contains(got["columns"], "properties:json") {
		t.Errorf("DatabaseMetaData.getColumns: %q", got["columns"])
	}
	r = run(t, nil, java, "-cp", jdbcDriver, "testdata/jdbc/JdbcClient.java", url, "wrong", sub, rg, vault)
	if r.code == 0 || !strings.Contains(r.stderr, "password authentication failed") {
		t.Fatalf("pgJDBC with a wrong password: exit %d, %s", r.code, r.stderr)
	}
}

func TestServePgxOverTLS(t *testing.T) {
	host, port := serveSandbox(t)
	ctx := context.Background()
	conn := "host=" + host + " port=" + port + " user=skyql dbname=azure sslmode=require password=" + servePassword
	c, err := pgx.Connect(ctx, conn) // the default mode: the extended protocol, statements cached
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	if !c.PgConn().Conn().(interface{ ConnectionState() tls.ConnectionState }).ConnectionState().HandshakeComplete {
		t.Fatal("the connection is not TLS")
	}
	var names []string
	for range 2 { // the second time from pgx's statement cache
		rows, err := c.Query(ctx, "SELECT name FROM azure.data_protection.backup_instances WHERE subscriptionId = $1 AND resourceGroupName = $2 AND vaultName = $3 ORDER BY name LIMIT $4", sub, rg, vault, 3)
		if err != nil {
			t.Fatal(err)
		}
		names, err = pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
	}
	if strings.Join(names, " ") != strings.Join(wantNames(t), " ") {
		t.Fatalf("pgx got %q", names)
	}
	if _, err := pgx.Connect(ctx, strings.Replace(conn, servePassword, "wrong", 1)); err == nil || !strings.Contains(err.Error(), "password authentication failed") {
		t.Fatalf("pgx with a wrong password: %v", err)
	}
}
