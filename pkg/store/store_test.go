package store

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var testColumns = []Column{
	{Name: "subscriptionId", Kind: KindText, Param: true},
	{Name: "vaultName", Kind: KindText, Param: true},
	{Name: "id", Kind: KindText},
	{Name: "name", Kind: KindText},
	{Name: "count", Kind: KindInteger},
	{Name: "enabled", Kind: KindBool},
	{Name: "properties", Kind: KindJSON},
}

func openTemp(t *testing.T, ttl time.Duration) *Store {
	t.Helper()
	s, err := Open(t.Context(), Options{Path: filepath.Join(t.TempDir(), "cache.db"), TTL: ttl})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func ingest(t *testing.T, s *Store, tbl *Table, key string, params map[string]string, items ...string) int64 {
	t.Helper()
	ctx := t.Context()
	ids, err := s.BeginCalls(ctx, tbl, []NewCall{{Key: key, Description: key}})
	if err != nil {
		t.Fatal(err)
	}
	id := ids[0].ID
	in := s.NewIngest(ctx)
	raw := make([][]byte, len(items))
	for i, it := range items {
		raw[i] = []byte(it)
	}
	if err := in.Add(tbl, id, params, raw); err != nil {
		t.Fatal(err)
	}
	if err := in.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishCalls(ctx, []FinishedCall{{ID: id, Complete: true, Rows: in.Rows(id)}}); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestRowsLandTypedAndViewsShowOnlyTheirCalls(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, time.Minute)
	tbl, err := s.EnsureTable(ctx, "acme.storage.items", testColumns)
	if err != nil {
		t.Fatal(err)
	}
	a := ingest(t, s, tbl, "call-a", map[string]string{"subscriptionId": "s1", "vaultName": "v1"},
		`{"id":"/x/1","name":"one","count":3,"enabled":true,"properties":{"state":"ProtectionConfigured","n":[1,2]},"extra":"ignored"}`,
		`{"id":"/x/2","name":"tw\"o","count":null,"enabled":false,"properties":{}}`)
	ingest(t, s, tbl, "call-b", map[string]string{"subscriptionId": "s1", "vaultName": "v2"},
		`{"id":"/y/1","name":"other"}`)

	if _, err := s.BindView(ctx, "acme.storage.items", tbl, []int64{a}, nil); err != nil {
		t.Fatal(err)
	}
	rows, err := s.DB().QueryContext(ctx, `SELECT vaultName, name, count, enabled, json_extract(properties, '$.state')
		FROM "acme.storage.items" ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var vault, name string
		var count, enabled, state any
		if err := rows.Scan(&vault, &name, &count, &enabled, &state); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s|%s|%v(%T)|%v(%T)|%v", vault, name, count, count, enabled, enabled, state))
	}
	want := []string{
		"v1|one|3(int64)|true(bool)|ProtectionConfigured",
		`v1|tw"o|<nil>(<nil>)|false(bool)|<nil>`,
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("rows\n got %q\nwant %q", got, want)
	}
}

func TestCallsAreFreshWithinTTLAndRefetchReplacesRows(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, time.Hour)
	tbl, _ := s.EnsureTable(ctx, "acme.storage.items", testColumns)
	ingest(t, s, tbl, "k", nil, `{"name":"a"}`, `{"name":"b"}`)
	st, ok, err := s.Lookup(ctx, tbl, "k")
	if err != nil || !ok || !st.Fresh || st.Rows != 2 {
		t.Fatalf("lookup: %+v %v %v", st, ok, err)
	}
	// Refetching the same call must not duplicate its rows.
	id := ingest(t, s, tbl, "k", nil, `{"name":"c"}`)
	var n int
	if err := s.DB().QueryRowContext(ctx, fmt.Sprintf("SELECT count(*) FROM %s WHERE _call = ?", QuoteIdent(tbl.Name)), id).Scan(&n); err != nil || n != 1 {
		t.Fatalf("rows after refetch: %d %v", n, err)
	}
	if err := s.Invalidate(ctx, "acme.storage.items"); err != nil {
		t.Fatal(err)
	}
	if st, _, _ := s.Lookup(ctx, tbl, "k"); st.Fresh {
		t.Fatal("invalidated call still fresh")
	}
	if _, ok, _ := s.Lookup(ctx, tbl, "never"); ok {
		t.Fatal("unknown key found")
	}
}

func TestCallsAreFreshOnlyInTheirTable(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, time.Hour)
	tbl, _ := s.EnsureTable(ctx, "acme.storage.items", testColumns)
	ingest(t, s, tbl, "k", nil, `{"name":"a"}`)
	// Another layout of the same resource (a newer provider version) has
	// a table of its own, which holds none of the call's rows.
	other, _ := s.EnsureTable(ctx, "acme.storage.items", append(testColumns[:len(testColumns):len(testColumns)], Column{Name: "extra", Kind: KindText}))
	if other.Name == tbl.Name {
		t.Fatal("a new column layout must get a table of its own")
	}
	if st, ok, err := s.Lookup(ctx, other, "k"); err != nil || !ok || st.Fresh {
		t.Fatalf("lookup in the other table: %+v %v %v; want found and not fresh", st, ok, err)
	}
	if st, _, _ := s.Lookup(ctx, tbl, "k"); !st.Fresh {
		t.Fatal("the call is fresh in its own table")
	}
}

func TestScratchStoreServesNothingFromCache(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, Options{TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tbl, _ := s.EnsureTable(ctx, "acme.storage.items", testColumns)
	ingest(t, s, tbl, "k", nil, `{"name":"a"}`)
	if st, _, _ := s.Lookup(ctx, tbl, "k"); st.Fresh {
		t.Fatal("a scratch store must not report cached calls as fresh")
	}
}

func TestSplitPartHasPostgresMeaning(t *testing.T) {
	id := "/subscriptions/s1/resourceGroups/rg-1/providers/Microsoft.DataProtection/backupVaults/v1"
	cases := []struct {
		n    int64
		want string
	}{{5, "rg-1"}, {1, ""}, {-1, "v1"}, {99, ""}, {-99, ""}}
	for _, c := range cases {
		if got, err := SplitPart(id, "/", c.n); err != nil || got != c.want {
			t.Errorf("split_part(id, '/', %d) = %q, %v; want %q", c.n, got, err, c.want)
		}
	}
	if _, err := SplitPart("a", "/", 0); err == nil {
		t.Error("field 0 must be an error")
	}
	s := openTemp(t, time.Minute)
	var got string
	if err := s.DB().QueryRow(`SELECT split_part('a,b,c', ',', 2)`).Scan(&got); err != nil || got != "b" {
		t.Fatalf("SQL split_part: %q %v", got, err)
	}
}

// The page size only takes when set before the journal mode writes the
// database header; a reordering would silently fall back to 4 KiB pages.
func TestNewCacheUsesLargePagesAndWAL(t *testing.T) {
	s := openTemp(t, time.Minute)
	var pageSize int
	var journal string
	if err := s.DB().QueryRow("PRAGMA page_size").Scan(&pageSize); err != nil {
		t.Fatal(err)
	}
	if err := s.DB().QueryRow("PRAGMA journal_mode").Scan(&journal); err != nil {
		t.Fatal(err)
	}
	if pageSize != 16384 || journal != "wal" {
		t.Fatalf("page_size %d, journal_mode %s; want 16384, wal", pageSize, journal)
	}
}

// A join from parents to children must look children up by the bound
// parameter columns, not pass over every child row per parent.
func TestJoinIndexServesTheJoinLookup(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, time.Minute)
	parents, err := s.EnsureTable(ctx, "acme.storage.vaults", []Column{{Name: "subscriptionId", Kind: KindText, Param: true}, {Name: "name", Kind: KindText}})
	if err != nil {
		t.Fatal(err)
	}
	children, err := s.EnsureTable(ctx, "acme.storage.items", testColumns)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureJoinIndex(ctx, children, []string{"vaultName", "no-such-column", "vaultName"}); err != nil {
		t.Fatal(err)
	}
	p := ingest(t, s, parents, "vaults", map[string]string{"subscriptionId": "s1"}, `{"name":"v1"}`, `{"name":"v2"}`)
	c1 := ingest(t, s, children, "v1", map[string]string{"subscriptionId": "s1", "vaultName": "v1"}, `{"name":"a"}`, `{"name":"b"}`)
	c2 := ingest(t, s, children, "v2", map[string]string{"subscriptionId": "s1", "vaultName": "v2"}, `{"name":"c"}`)
	if _, err := s.BindView(ctx, "v", parents, []int64{p}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.BindView(ctx, "i", children, []int64{c1, c2}, nil); err != nil {
		t.Fatal(err)
	}
	const join = `SELECT count(*) FROM v JOIN i ON i.vaultName = v.name`
	var n int
	if err := s.DB().QueryRowContext(ctx, join).Scan(&n); err != nil || n != 3 {
		t.Fatalf("join counted %d (%v), want 3", n, err)
	}
	rows, err := s.DB().QueryContext(ctx, "EXPLAIN QUERY PLAN "+join)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if !strings.Contains(strings.Join(plan, "\n"), "_join_") || !strings.Contains(strings.Join(plan, "\n"), "vaultName=?") {
		t.Fatalf("the join does not search the join index:\n%s", strings.Join(plan, "\n"))
	}
}

func TestDamagedCacheIsReplaced(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cache.db")
	if err := os.WriteFile(path, bytes.Repeat([]byte("not a database "), 1000), 0o600); err != nil {
		t.Fatal(err)
	}
	var warnings bytes.Buffer
	s, err := Open(context.Background(), Options{Path: path, TTL: time.Minute, Warnings: &warnings})
	if err != nil {
		t.Fatalf("a damaged cache must be replaced, got %v", err)
	}
	defer s.Close()
	if !strings.Contains(warnings.String(), "was damaged") {
		t.Fatalf("no warning: %q", warnings.String())
	}
	if _, err := s.EnsureTable(context.Background(), "acme.storage.items", testColumns); err != nil {
		t.Fatal(err)
	}
}

func TestViewsShowExactlyTheirCallsWhetherOrNotTheyHoldTheWholeTable(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, time.Hour)
	tbl, _ := s.EnsureTable(ctx, "acme.storage.items", testColumns)
	a := ingest(t, s, tbl, "a", nil, `{"name":"a1"}`, `{"name":"a2"}`)
	b := ingest(t, s, tbl, "b", nil, `{"name":"b1"}`)
	names := func() string {
		t.Helper()
		rows, err := s.DB().QueryContext(ctx, `SELECT name FROM v ORDER BY name`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var n string
			rows.Scan(&n)
			out = append(out, n)
		}
		return strings.Join(out, ",")
	}
	for _, tc := range []struct {
		calls []int64
		want  string
	}{
		{[]int64{a, b}, "a1,a2,b1"}, // the whole table
		{[]int64{a}, "a1,a2"},
		{[]int64{b}, "b1"},
		{nil, ""},
	} {
		if _, err := s.BindView(ctx, "v", tbl, tc.calls, nil); err != nil {
			t.Fatal(err)
		}
		if got := names(); got != tc.want {
			t.Errorf("calls %v: rows %q, want %q", tc.calls, got, tc.want)
		}
	}
	// A view bound to the whole table must not show rows of a call made
	// after it was bound (by another process sharing the cache, say).
	if _, err := s.BindView(ctx, "v", tbl, []int64{a, b}, nil); err != nil {
		t.Fatal(err)
	}
	ingest(t, s, tbl, "c", nil, `{"name":"c1"}`)
	if got := names(); got != "a1,a2,b1" {
		t.Errorf("after a later call: rows %q", got)
	}
}
