package engine

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skyql/skyql/pkg/emulator"
	"github.com/skyql/skyql/pkg/output"
	"github.com/skyql/skyql/pkg/store"

	_ "github.com/mattn/go-sqlite3" // tamper's own connection to the cache
)

// keepingSession is a session whose store keeps rows and results on disk.
func keepingSession(t *testing.T, ttl time.Duration) (*Session, *emulator.Emulator, *store.Store) {
	t.Helper()
	dir := t.TempDir()
	s, em, st, _ := newSessionWithStore(t, emulator.Options{}, store.Options{
		Path: filepath.Join(dir, "cache.db"), ResultDir: filepath.Join(dir, "results"), TTL: ttl})
	return s, em, st
}

func printed(t *testing.T, s *Session, format, sql string) string {
	t.Helper()
	var out bytes.Buffer
	w, err := output.New(format, &out)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Execute(context.Background(), sql, w); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// tamper renames every cached backup instance behind skyql's back,
// through a connection of its own to the cache file, so that a result
// computed again differs from one kept.
func tamper(t *testing.T, st *store.Store) {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+st.Path()+"?_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var table string
	if err := db.QueryRow(`SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'r_azure_data_protection_backup_instances_%'`).Scan(&table); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE ` + store.QuoteIdent(table) + ` SET name = 'tampered'`); err != nil {
		t.Fatal(err)
	}
}

const instancesOfVault = "SELECT name, json_extract(properties, '$.currentProtectionState') AS state FROM azure.data_protection.backup_instances WHERE " +
	where + " AND vaultName = 'vault-prod-01' ORDER BY name"

func TestARepeatedQueryPrintsItsKeptResult(t *testing.T) {
	s, em, st := keepingSession(t, time.Hour)
	// Statements whose result may change with the same rows: one calls
	// random(), one reads the store's own tables.
	volatile := strings.Replace(instancesOfVault, "SELECT name,", "SELECT name, random() * 0 AS r,", 1)
	internal := strings.Replace(instancesOfVault, "SELECT name,", "SELECT name, (SELECT count(*) FROM skyql_calls) * 0 AS c,", 1)
	first := printed(t, s, "csv", instancesOfVault)
	if strings.Count(first, "\n") != 151 || strings.Contains(first, "tampered") {
		t.Fatalf("first run printed:\n%s", first)
	}
	printed(t, s, "csv", volatile)
	printed(t, s, "csv", internal)
	requests := em.Stats().Requests
	tamper(t, st)

	if again := printed(t, s, "csv", instancesOfVault); again != first {
		t.Fatalf("the repeat was computed again, not replayed:\n%s", again)
	}
	// Another statement over the same rows is computed from them.
	if other := printed(t, s, "csv", instancesOfVault+" LIMIT 1"); !strings.HasPrefix(other, "name,state\ntampered,") {
		t.Fatalf("another statement printed:\n%s", other)
	}
	for _, sql := range []string{volatile, internal} {
		if out := printed(t, s, "csv", sql); !strings.Contains(out, "tampered") {
			t.Fatalf("a kept result was printed for\n%s\n%.300s", sql, out)
		}
	}
	// A result kept in one format is computed again for another.
	if out := printed(t, s, "json", instancesOfVault); !strings.Contains(out, `"name": "tampered"`) && !strings.Contains(out, `"name":"tampered"`) {
		t.Fatalf("json after csv printed:\n%.300s", out)
	}
	if got := em.Stats().Requests; got != requests {
		t.Errorf("%d more requests; every row was cached", got-requests)
	}
}

func TestAKeptResultDiesWithItsRows(t *testing.T) {
	s, _, _ := keepingSession(t, time.Hour)
	first := printed(t, s, "csv", instancesOfVault)
	lines := strings.Split(first, "\n")
	gone, _, _ := strings.Cut(lines[1], ",")
	// A write forgets the resource's cached calls: the next query fetches
	// them again, as a new generation the kept result does not match.
	printed(t, s, "csv", "DELETE FROM azure.data_protection.backup_instances WHERE "+where+
		" AND vaultName = 'vault-prod-01' AND backupInstanceName = '"+gone+"'")
	again := printed(t, s, "csv", instancesOfVault)
	if strings.Contains(again, gone+",") || strings.Count(again, "\n") != 150 {
		t.Fatalf("after deleting %s the query printed %d lines:\n%.300s", gone, strings.Count(again, "\n"), again)
	}
}

func TestAResultKeptBeforeAClearIsNotFoundAfterIt(t *testing.T) {
	s, _, st := keepingSession(t, time.Hour)
	first := printed(t, s, "csv", instancesOfVault)
	resultDir := filepath.Join(filepath.Dir(st.Path()), "results")
	saved, err := os.ReadDir(resultDir)
	if err != nil || len(saved) != 1 {
		t.Fatalf("kept results %v (%v); want the query's one", saved, err)
	}
	body, _ := os.ReadFile(filepath.Join(resultDir, saved[0].Name()))
	// The API's rows change, the cache is cleared, and the file comes
	// back, as a process still running the query before the clear would
	// save it. Call ids start again after the clear; the result must not
	// be found under them.
	gone, _, _ := strings.Cut(strings.Split(first, "\n")[1], ",")
	printed(t, s, "csv", "DELETE FROM azure.data_protection.backup_instances WHERE "+where+
		" AND vaultName = 'vault-prod-01' AND backupInstanceName = '"+gone+"'")
	if err := st.Clear(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(resultDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(resultDir, saved[0].Name()), body, 0o600); err != nil {
		t.Fatal(err)
	}
	if again := printed(t, s, "csv", instancesOfVault); strings.Contains(again, gone+",") {
		t.Fatalf("after a clear, a result kept before it was printed (%s is gone)", gone)
	}
}
