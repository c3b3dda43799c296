package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// count runs query through Query and counts its rows.
func count(ctx context.Context, s *Store, query string) (int, error) {
	rows, err := s.Query(ctx, query)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	return n, rows.Err()
}

// An isolated store's statements read its own views and nothing else of
// the cache: not the rows of other sessions' calls in the tables behind
// them, not the calls, not SQLite's schema.
func TestIsolatedStatementsReadOnlyTheirViews(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, Options{Path: filepath.Join(t.TempDir(), "cache.db"), TTL: time.Hour, Isolated: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tbl, _ := s.EnsureTable(ctx, "acme.storage.items", testColumns)
	mine := fetchInto(t, s, tbl, "mine", nil, `{"name":"a","properties":{"n":[1,2]}}`)
	fetchInto(t, s, tbl, "theirs", nil, `{"name":"secret"}`)
	if _, err := s.BindView(ctx, "acme.storage.items", tbl, viewCalls(mine), nil); err != nil {
		t.Fatal(err)
	}
	for query, want := range map[string]int{
		`SELECT name FROM "acme.storage.items"`:                                                                    1,
		`SELECT j.value FROM "acme.storage.items" i, json_each(i.properties, '$.n') j`:                             2,
		`WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3) SELECT upper('r_'), x FROM c`: 3,
		`SELECT 'skyql_calls' AS name`:                                                                             1,
	} {
		if n, err := count(ctx, s, query); err != nil || n != want {
			t.Errorf("%s: %d rows (%v), want %d", query, n, err, want)
		}
	}
	refused := map[string]string{
		`SELECT name FROM ` + tbl.Name:                                              tbl.Name,
		`SELECT name FROM main."` + strings.ToUpper(tbl.Name) + `"`:                 strings.ToUpper(tbl.Name),
		`SELECT name FROM '` + tbl.Name + `'`:                                       tbl.Name,
		`SELECT name FROM /* a comment */ [` + tbl.Name + `] -- and another`:        tbl.Name,
		`SELECT key FROM skyql_calls`:                                               "skyql_calls",
		`SELECT (SELECT count(*) FROM skyql_fetches)`:                               "skyql_fetches",
		`SELECT sql FROM sqlite_schema`:                                             "sqlite_master",
		`SELECT sql FROM sqlite_temp_master`:                                        "sqlite_temp_master",
		`SELECT name FROM pragma_table_list`:                                        "pragma_table_list",
		`PRAGMA table_list`:                                                         "PRAGMA",
		`CREATE TEMP TABLE t (x)`:                                                   "anything but a SELECT",
		`ATTACH DATABASE ':memory:' AS other`:                                       "anything but a SELECT",
		`SELECT name FROM "acme.storage.items" WHERE name = 'a'` + "\x00" + ` OR 1`: "NUL byte",
	}
	for query, named := range refused {
		n, err := count(ctx, s, query)
		if err == nil || !strings.Contains(err.Error(), named) {
			t.Errorf("%s: %d rows, error %v; want it refused, naming %s", query, n, err, named)
		}
	}
	// The guard is lifted for the store's own work.
	if got := fetchInto(t, s, tbl, "later", nil, `{"name":"b"}`); got.Generation == 0 {
		t.Fatalf("a fetch after refused statements: %+v", got)
	}
}

// A store that is not isolated (the command line's) lets its user read
// the cache's own tables.
func TestStatementsOfAStoreNotIsolatedReadTheCache(t *testing.T) {
	s := openTemp(t, time.Hour)
	tbl, _ := s.EnsureTable(t.Context(), "acme.storage.items", testColumns)
	fetchInto(t, s, tbl, "k", nil, `{"name":"a"}`)
	if n, err := count(t.Context(), s, `SELECT key FROM skyql_calls`); err != nil || n != 1 {
		t.Fatalf("%d calls (%v)", n, err)
	}
}

func TestStatementTimeoutInterruptsALongStatement(t *testing.T) {
	s, err := Open(t.Context(), Options{Path: filepath.Join(t.TempDir(), "cache.db"), StatementTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const endless = `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c`
	_, err = count(t.Context(), s, endless)
	if err == nil || !strings.Contains(err.Error(), "allowed per statement") {
		t.Fatalf("an endless statement ended with %v; want the statement timeout", err)
	}
	var x int
	if err := s.ScanRow(t.Context(), `SELECT 1`, nil, &x); err != nil || x != 1 {
		t.Fatalf("the next statement: %d, %v", x, err)
	}
}

func TestHardHeapLimitStopsAHugeValue(t *testing.T) {
	s, err := Open(t.Context(), Options{Path: filepath.Join(t.TempDir(), "cache.db"), HardHeapLimit: 64 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// The limit is the process's: lift it for the tests that follow.
	defer s.db.Exec(`PRAGMA hard_heap_limit = 0`)
	var n int64
	err = s.ScanRow(t.Context(), `SELECT length(randomblob(500000000))`, nil, &n)
	if err == nil || !strings.Contains(err.Error(), "out of memory") {
		t.Fatalf("randomblob(500000000): %d, %v; want out of memory", n, err)
	}
	if err := s.ScanRow(t.Context(), `SELECT length(randomblob(1000))`, nil, &n); err != nil || n != 1000 {
		t.Fatalf("a small value after: %d, %v", n, err)
	}
}
