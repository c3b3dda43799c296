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

// TestAResultIsKeptOnlyWhole runs statements that print part of their
// result and fail, and one whose writer cannot be replayed: none may leave
// a result, or a file half written, for a repeat to find.
func TestAResultIsKeptOnlyWhole(t *testing.T) {
	s, _, st := keepingSession(t, time.Hour)
	resultDir := filepath.Join(filepath.Dir(st.Path()), "results")
	files := func() []string {
		t.Helper()
		entries, err := os.ReadDir(resultDir)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		return names
	}
	// json() fails on the last row, the one with the greatest name, once
	// more than the writer buffers has been printed.
	failing := "SELECT properties, CASE WHEN name = (SELECT max(name) FROM azure.data_protection.backup_instances WHERE " + where +
		" AND vaultName = 'vault-prod-01') THEN json('not json') ELSE name END AS n FROM azure.data_protection.backup_instances WHERE " +
		where + " AND vaultName = 'vault-prod-01'"
	var out bytes.Buffer
	w, _ := output.New("csv", &out)
	if err := s.Execute(context.Background(), failing, w); err == nil {
		t.Fatalf("the statement did not fail; printed:\n%.300s", out.String())
	}
	if !strings.HasPrefix(out.String(), "properties,n\n") {
		t.Fatalf("the failing statement printed %.100q; the test needs it to fail after printing", out.String())
	}
	if got := files(); len(got) != 0 {
		t.Fatalf("a failed statement left %v in the result directory", got)
	}
	if err := s.Execute(context.Background(), instancesOfVault, &rowCounter{}); err != nil {
		t.Fatal(err)
	}
	if got := files(); len(got) != 0 {
		t.Fatalf("a result printed by a writer that cannot replay it left %v", got)
	}
	printed(t, s, "csv", instancesOfVault)
	if got := files(); len(got) != 1 || strings.HasPrefix(got[0], ".") {
		t.Fatalf("result directory %v; want the one result kept", got)
	}
}

// rowCounter is an output.Writer not from output.New, as the PostgreSQL
// server's is.
type rowCounter struct{ rows int }

func (c *rowCounter) Begin([]output.Column) error { return nil }
func (c *rowCounter) Row([]any) error             { c.rows++; return nil }
func (c *rowCounter) End() error                  { return nil }

// TestViewsShowSentValuesOnlyWhereNoJoinLooksRowsUp checks which
// parameter columns a view shows as the values its calls sent (see
// store.BindView): those WHERE gave constants for, in a statement over one
// provider table. A join probes the other table by its parameter columns
// through an index, which a value picked by generation would take away.
func TestViewsShowSentValuesOnlyWhereNoJoinLooksRowsUp(t *testing.T) {
	s, _, st := keepingSession(t, time.Hour)
	view := func(name string) string {
		t.Helper()
		rows, err := st.Query(context.Background(), `SELECT sql FROM sqlite_temp_master WHERE type = 'view' AND name = ?`, name)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var def string
		for rows.Next() {
			if err := rows.Scan(&def); err != nil {
				t.Fatal(err)
			}
		}
		return def
	}
	const instances = "azure.data_protection.backup_instances"
	printed(t, s, "csv", "SELECT count(*) FROM "+instances+" WHERE "+where+" AND vaultName IN ('vault-prod-01', 'vault-prod-02')")
	def := view(instances)
	for _, want := range []string{`CAST('rg-prod-eastus' AS TEXT) AS "resourceGroupName"`, `THEN 'vault-prod-02'`} {
		if !strings.Contains(def, want) {
			t.Errorf("the single-table view lacks %s:\n%s", want, def)
		}
	}
	printed(t, s, "csv", `SELECT count(*) FROM azure.data_protection.backup_vaults v JOIN `+instances+` bi
		ON bi.vaultName = v.name AND bi.resourceGroupName = split_part(v.id, '/', 5) AND bi.subscriptionId = split_part(v.id, '/', 3)
		WHERE v.subscriptionId = '00000000-0000-0000-0000-000000000001' AND v.resourceGroupName = 'rg-prod-eastus'`)
	for _, name := range []string{instances, "azure.data_protection.backup_vaults"} {
		if def := view(name); def == "" || strings.Contains(def, "CAST(") {
			t.Errorf("a joined table's view shows sent values:\n%s", def)
		}
	}
}
