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

// fetchInto materializes one call in tbl whose fetch returns items as one
// page, and returns its ref.
func fetchInto(t *testing.T, s *Store, tbl *Table, key string, params map[string]string, items ...string) CallRef {
	t.Helper()
	res := materialize(t, s, tbl, key, params, items...)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	return res.CallRef
}

// materialize is fetchInto's Materialize, reporting whether it fetched
// (Rows of -1 when the cache served it).
func materialize(t *testing.T, s *Store, tbl *Table, key string, params map[string]string, items ...string) Materialized {
	t.Helper()
	fetched := false
	res, err := s.Materialize(t.Context(), tbl, []Call{{Key: key, Description: key, Params: params}}, onePage(&fetched, items...))
	if err != nil {
		t.Fatal(err)
	}
	if !fetched {
		res[0].Rows = -1
	}
	return res[0]
}

// onePage is a FetchFunc that gives every call the same page of items,
// and sets fetched.
func onePage(fetched *bool, items ...string) FetchFunc {
	raw := make([][]byte, len(items))
	for i, it := range items {
		raw[i] = []byte(it)
	}
	return func(ctx context.Context, indexes []int, add func(int, [][]byte) error) []error {
		*fetched = true
		errs := make([]error, len(indexes))
		for k, i := range indexes {
			errs[k] = add(i, raw)
		}
		return errs
	}
}

func TestRowsLandTypedAndViewsShowOnlyTheirCalls(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, time.Minute)
	tbl, err := s.EnsureTable(ctx, "acme.storage.items", testColumns)
	if err != nil {
		t.Fatal(err)
	}
	a := fetchInto(t, s, tbl, "call-a", map[string]string{"subscriptionId": "s1", "vaultName": "v1"},
		`{"id":"/x/1","name":"one","count":3,"enabled":true,"properties":{"state":"ProtectionConfigured","n":[1,2]},"extra":"ignored"}`,
		`{"id":"/x/2","name":"tw\"o","count":null,"enabled":false,"properties":{}}`)
	fetchInto(t, s, tbl, "call-b", map[string]string{"subscriptionId": "s1", "vaultName": "v2"},
		`{"id":"/y/1","name":"other"}`)

	if _, err := s.BindView(ctx, "acme.storage.items", tbl, viewCalls(a), nil); err != nil {
		t.Fatal(err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT vaultName, name, count, enabled, json_extract(properties, '$.state')
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
	first := fetchInto(t, s, tbl, "k", nil, `{"name":"a"}`, `{"name":"b"}`)
	if got := materialize(t, s, tbl, "k", nil, `{"name":"x"}`); got.Rows != -1 || got.CallRef != first {
		t.Fatalf("a fresh call was fetched again: %+v", got)
	}
	// Refetching the same call replaces its rows.
	if err := s.Invalidate(ctx, "acme.storage.items"); err != nil {
		t.Fatal(err)
	}
	again := materialize(t, s, tbl, "k", nil, `{"name":"c"}`)
	if again.Rows != 1 || again.ID != first.ID || again.Generation <= first.Generation {
		t.Fatalf("refetch after Invalidate: %+v, first %+v", again, first)
	}
	var n int
	if err := s.db.QueryRowContext(ctx, fmt.Sprintf("SELECT count(*) FROM %s", QuoteIdent(tbl.Name))).Scan(&n); err != nil || n != 1 {
		t.Fatalf("rows after refetch: %d %v; want the new one only", n, err)
	}
}

func TestCallsAreFreshOnlyInTheirTable(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, time.Hour)
	tbl, _ := s.EnsureTable(ctx, "acme.storage.items", testColumns)
	fetchInto(t, s, tbl, "k", nil, `{"name":"a"}`)
	// Another layout of the same resource (a newer provider version) has
	// a table of its own, which holds none of the call's rows.
	other, _ := s.EnsureTable(ctx, "acme.storage.items", append(testColumns[:len(testColumns):len(testColumns)], Column{Name: "extra", Kind: KindText}))
	if other.Name == tbl.Name {
		t.Fatal("a new column layout must get a table of its own")
	}
	if got := materialize(t, s, other, "k", nil, `{"name":"b"}`); got.Rows != 1 {
		t.Fatalf("in the other table: %+v; want fetched", got)
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
	fetchInto(t, s, tbl, "k", nil, `{"name":"a"}`)
	if got := materialize(t, s, tbl, "k", nil, `{"name":"a"}`); got.Rows != 1 {
		t.Fatalf("a scratch store served a call from its cache: %+v", got)
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
	if err := s.db.QueryRow(`SELECT split_part('a,b,c', ',', 2)`).Scan(&got); err != nil || got != "b" {
		t.Fatalf("SQL split_part: %q %v", got, err)
	}
}

// The page size only takes when set before the journal mode writes the
// database header; a reordering would silently fall back to 4 KiB pages.
func TestNewCacheUsesLargePagesAndWAL(t *testing.T) {
	s := openTemp(t, time.Minute)
	var pageSize int
	var journal string
	if err := s.db.QueryRow("PRAGMA page_size").Scan(&pageSize); err != nil {
		t.Fatal(err)
	}
	if err := s.db.QueryRow("PRAGMA journal_mode").Scan(&journal); err != nil {
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
	p := fetchInto(t, s, parents, "vaults", map[string]string{"subscriptionId": "s1"}, `{"name":"v1"}`, `{"name":"v2"}`)
	c1 := fetchInto(t, s, children, "v1", map[string]string{"subscriptionId": "s1", "vaultName": "v1"}, `{"name":"a"}`, `{"name":"b"}`)
	c2 := fetchInto(t, s, children, "v2", map[string]string{"subscriptionId": "s1", "vaultName": "v2"}, `{"name":"c"}`)
	if _, err := s.BindView(ctx, "v", parents, viewCalls(p), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.BindView(ctx, "i", children, viewCalls(c1, c2), nil); err != nil {
		t.Fatal(err)
	}
	const join = `SELECT count(*) FROM v JOIN i ON i.vaultName = v.name`
	var n int
	if err := s.db.QueryRowContext(ctx, join).Scan(&n); err != nil || n != 3 {
		t.Fatalf("join counted %d (%v), want 3", n, err)
	}
	rows, err := s.db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+join)
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
	a := fetchInto(t, s, tbl, "a", nil, `{"name":"a1"}`, `{"name":"a2"}`)
	b := fetchInto(t, s, tbl, "b", nil, `{"name":"b1"}`)
	names := func() string {
		t.Helper()
		rows, err := s.db.QueryContext(ctx, `SELECT name FROM v ORDER BY name`)
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
		calls []CallRef
		want  string
	}{
		{[]CallRef{a, b}, "a1,a2,b1"}, // the whole table
		{[]CallRef{a}, "a1,a2"},
		{[]CallRef{b}, "b1"},
		{nil, ""},
	} {
		if _, err := s.BindView(ctx, "v", tbl, viewCalls(tc.calls...), nil); err != nil {
			t.Fatal(err)
		}
		if got := names(); got != tc.want {
			t.Errorf("calls %v: rows %q, want %q", tc.calls, got, tc.want)
		}
	}
	// A view bound to the whole table must not show rows of a call made
	// after it was bound (by another process sharing the cache, say).
	if _, err := s.BindView(ctx, "v", tbl, viewCalls(a, b), nil); err != nil {
		t.Fatal(err)
	}
	fetchInto(t, s, tbl, "c", nil, `{"name":"c1"}`)
	if got := names(); got != "a1,a2,b1" {
		t.Errorf("after a later call: rows %q", got)
	}
}

// viewCalls are the calls, with no sent values to show.
func viewCalls(refs ...CallRef) []ViewCall {
	calls := make([]ViewCall, len(refs))
	for i, r := range refs {
		calls[i].CallRef = r
	}
	return calls
}

// TestSentValuesShowTheStoredOnesFromTheIndexAlone binds views whose
// parameter columns are picked by generation from the values the calls
// sent: every statement must see what the stored columns hold, and a
// count filtered on them must read the _generation index, not the rows.
func TestSentValuesShowTheStoredOnesFromTheIndexAlone(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, time.Minute)
	tbl, err := s.EnsureTable(ctx, "acme.storage.items", testColumns)
	if err != nil {
		t.Fatal(err)
	}
	sent := []map[string]string{
		{"subscriptionId": "s1", "vaultName": "v1"},
		{"subscriptionId": "s1", "vaultName": "v'2"},
		{"subscriptionId": "s1", "vaultName": "10"},
	}
	var calls []ViewCall
	for i, params := range sent {
		ref := fetchInto(t, s, tbl, fmt.Sprint("call-", i), params,
			fmt.Sprintf(`{"id":"/x/%d/a","name":"a%d"}`, i, i), fmt.Sprintf(`{"id":"/x/%d/b","name":"b%d"}`, i, i))
		calls = append(calls, ViewCall{CallRef: ref, Sent: params})
	}
	// A row of another fetch, which no view below shows.
	fetchInto(t, s, tbl, "call-other", map[string]string{"subscriptionId": "s2", "vaultName": "v1"}, `{"id":"/y/1","name":"other"}`)
	statements := []string{
		`SELECT subscriptionId, vaultName, typeof(vaultName), name FROM v ORDER BY name`,
		`SELECT vaultName, count(*) FROM v WHERE subscriptionId = 's1' GROUP BY vaultName ORDER BY vaultName`,
		`SELECT count(*) FROM v WHERE vaultName IN ('v1', 'v''2') AND subscriptionId = 's1'`,
		`SELECT count(*) FROM v WHERE vaultName = 10`, // text affinity, as the column's
		`SELECT count(*) FROM v WHERE vaultName > 'v1' OR vaultName LIKE '1%'`,
	}
	answers := func(calls []ViewCall) []string {
		t.Helper()
		if _, err := s.BindView(ctx, "v", tbl, calls, nil); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, q := range statements {
			out = append(out, queryStrings(t, s, q))
		}
		return out
	}
	stored := make([]ViewCall, len(calls))
	for i, c := range calls {
		stored[i] = ViewCall{CallRef: c.CallRef}
	}
	for _, c := range []struct {
		name         string
		sent, stored []ViewCall
	}{{"three values", calls, stored}, {"one value", calls[:1], stored[:1]}} {
		name, want := c.name, answers(c.stored)
		got := answers(c.sent)
		for i := range statements {
			if got[i] != want[i] {
				t.Errorf("%s: %s\n got %s\nwant %s", name, statements[i], got[i], want[i])
			}
		}
		plan := queryStrings(t, s, `EXPLAIN QUERY PLAN `+statements[2])
		if !strings.Contains(plan, "COVERING INDEX") {
			t.Errorf("%s: the filtered count reads the rows: %s", name, plan)
		}
	}
	// A call that sent no value for a column, or too many calls, leave
	// the column as stored.
	partial := append([]ViewCall{{CallRef: calls[0].CallRef}}, calls[1:]...)
	if def, err := s.BindView(ctx, "v", tbl, partial, nil); err != nil || strings.Contains(def, "CAST(") {
		t.Errorf("a call without a sent value: %s (%v)", def, err)
	}
	many := make([]ViewCall, maxSentCases+1)
	for i := range many {
		many[i] = ViewCall{CallRef: CallRef{Generation: int64(i + 1)}, Sent: map[string]string{"vaultName": fmt.Sprint("v", i)}}
	}
	if def, err := s.BindView(ctx, "v", tbl, many, nil); err != nil || strings.Contains(def, "CAST(") {
		t.Errorf("%d calls: %.300s (%v)", len(many), def, err)
	}
}

// TestSentValuesArePickedAmongManyCalls checks the search tree that picks
// a row's sent value by its generation, over enough calls to need several
// levels, against the stored column.
func TestSentValuesArePickedAmongManyCalls(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, time.Minute)
	tbl, err := s.EnsureTable(ctx, "acme.storage.items", testColumns)
	if err != nil {
		t.Fatal(err)
	}
	var sent, stored []ViewCall
	for i := range 37 {
		params := map[string]string{"subscriptionId": "s1", "vaultName": fmt.Sprint("vault-", i%5)} // values repeat
		ref := fetchInto(t, s, tbl, fmt.Sprint("call-", i), params, fmt.Sprintf(`{"id":"/x/%d","name":"n%d"}`, i, i))
		if i == 20 {
			fetchInto(t, s, tbl, "call-between", map[string]string{"subscriptionId": "s2", "vaultName": "elsewhere"}, `{"id":"/y","name":"y"}`)
		}
		sent = append(sent, ViewCall{CallRef: ref, Sent: params})
		stored = append(stored, ViewCall{CallRef: ref})
	}
	const q = `SELECT name, vaultName, subscriptionId FROM v ORDER BY name`
	answer := func(calls []ViewCall) string {
		t.Helper()
		def, err := s.BindView(ctx, "v", tbl, calls, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(def, "CASE WHEN _generation <"); got != (calls[0].Sent != nil) {
			t.Fatalf("search tree in the view: %v\n%.400s", got, def)
		}
		return queryStrings(t, s, q)
	}
	if got, want := answer(sent), answer(stored); got != want {
		t.Fatalf("picked by generation:\n%s\nstored:\n%s", got, want)
	}
	if n := queryStrings(t, s, `SELECT count(*) FROM v WHERE vaultName = 'vault-3'`); n != "7" {
		t.Fatalf("%s rows of vault-3, want 7", n)
	}
}

// queryStrings runs q on the store's connection and returns its rows, a
// line each, columns joined by "|".
func queryStrings(t *testing.T, s *Store, q string) string {
	t.Helper()
	rows, err := s.db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var lines []string
	for rows.Next() {
		values := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range values {
			ptrs[i] = &values[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		line := make([]string, len(values))
		for i, v := range values {
			line[i] = fmt.Sprintf("%v", v)
		}
		lines = append(lines, strings.Join(line, "|"))
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return strings.Join(lines, "\n")
}
