package store

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// ingestPage writes one page of items into t as a fetch would, under
// generation 1, and returns the ingest's error.
func ingestPage(t *testing.T, s *Store, tbl *Table, params map[string]string, items ...string) error {
	t.Helper()
	in := s.newIngest(t.Context())
	page := make([][]byte, len(items))
	for i, item := range items {
		page[i] = []byte(item)
	}
	addErr := in.add(tbl, 1, params, page)
	if err := in.close(); err != nil {
		return err
	}
	return addErr
}

// storedRows shows every row of t: each column's value and SQLite type,
// JSONB as the JSON text it encodes, in insertion order.
func storedRows(t *testing.T, s *Store, tbl *Table) []string {
	t.Helper()
	var exprs []string
	for _, c := range tbl.Columns {
		col := quoteIdent(c.Name)
		exprs = append(exprs, fmt.Sprintf(`%s || '=' || CASE typeof(%s) WHEN 'blob' THEN json(%s) ELSE coalesce(%s, 'NULL') END || '(' || typeof(%s) || ')'`,
			"'"+strings.ReplaceAll(c.Name, "'", "''")+"'", col, col, col, col))
	}
	rows, err := s.db.QueryContext(t.Context(), fmt.Sprintf("SELECT %s FROM %s ORDER BY rowid", strings.Join(exprs, " || ' ' || "), quoteIdent(tbl.Name)))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var row string
		if err := rows.Scan(&row); err != nil {
			t.Fatal(err)
		}
		got = append(got, row)
	}
	return got
}

// TestIngestTakesEachTopLevelPropertyAsItsTypedValue checks the types the
// rows land as, which SQLite's ->> and jsonb_extract decide (insertSQL).
func TestIngestTakesEachTopLevelPropertyAsItsTypedValue(t *testing.T) {
	s := openTemp(t, time.Minute)
	tbl, err := s.EnsureTable(t.Context(), "acme.storage.items", testColumns)
	if err != nil {
		t.Fatal(err)
	}
	err = ingestPage(t, s, tbl, map[string]string{"subscriptionId": "s1"},
		` { "id" : "a\"b\u00e9" , "name":"n", "count": 3, "enabled": false, "properties": {"x": [1, 2.5]}, "other": {"deep": [1]} } `,
		`{"n\u0061me":"escaped key","count":1.5,"properties":"a string"}`,
		"{\"name\":\"tab\there\",\"properties\":{\"k\":\"raw\x01\"}}", // raw control characters: sent by APIs, read by SQLite
		`{"id":{"an":"object"},"properties":null,"enabled":true}`,
		`{}`)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`subscriptionId=s1(text) vaultName=NULL(null) id=a"bé(text) name=n(text) count=3(integer) enabled=0(integer) properties={"x":[1,2.5]}(blob)`,
		`subscriptionId=s1(text) vaultName=NULL(null) id=NULL(null) name=escaped key(text) count=1.5(real) enabled=NULL(null) properties=a string(text)`,
		"subscriptionId=s1(text) vaultName=NULL(null) id=NULL(null) name=tab\there(text) count=NULL(null) enabled=NULL(null) properties={\"k\":\"raw\\u0001\"}(blob)",
		`subscriptionId=s1(text) vaultName=NULL(null) id={"an":"object"}(text) name=NULL(null) count=NULL(null) enabled=1(integer) properties=NULL(null)`,
		`subscriptionId=s1(text) vaultName=NULL(null) id=NULL(null) name=NULL(null) count=NULL(null) enabled=NULL(null) properties=NULL(null)`,
	}
	if got := storedRows(t, s, tbl); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows\n got %s\nwant %s", strings.Join(got, "\n    "), strings.Join(want, "\n    "))
	}
	// JSON columns hold exactly what SQLite's jsonb() makes of the text.
	var same bool
	if err := s.db.QueryRow(fmt.Sprintf(`SELECT properties = jsonb('{"x": [1, 2.5]}') FROM %s ORDER BY rowid LIMIT 1`, quoteIdent(tbl.Name))).Scan(&same); err != nil || !same {
		t.Errorf("properties is not jsonb() of its text (%v)", err)
	}
}

func TestIngestFillsParamColumnsFromIDsAndQuotesNames(t *testing.T) {
	s := openTemp(t, time.Minute)
	cols := []Column{
		{Name: "api-version", Kind: KindText, Param: true},
		{Name: "owner", Kind: KindBool, Param: true},
		{Name: "resourceGroupName", Kind: KindText, Param: true, IDSegment: 4, IDLabel: "resourceGroups"},
		{Name: "vaultName", Kind: KindText, Param: true, IDSegment: 8, IDLabel: "backupVaults"},
		{Name: "id", Kind: KindText},
		{Name: "odata.type", Kind: KindText},
		{Name: `say "hi"\`, Kind: KindText},
		{Name: "it's", Kind: KindJSON},
	}
	tbl, err := s.EnsureTable(t.Context(), "acme.storage.vaulted", cols)
	if err != nil {
		t.Fatal(err)
	}
	const vaultID = "/subscriptions/s/resourceGroups/rg/providers/P/BACKUPVAULTS/v1/backupInstances/i1"
	err = ingestPage(t, s, tbl, map[string]string{"api-version": "2024-01-01", "owner": "true"},
		`{"id":"`+vaultID+`","odata.type":"#T","say \"hi\"\\":"quoted","it's":[true]}`,
		`{"id":"/subscriptions/s/resourceGroups/rg/providers/P/notVaults/v1/x/y"}`,
		`{"id":"/subscriptions/s/resourceGroups/rg/providers/P/backupVaults/"}`,
		`{"id":7}`) // a number: no segments, and TEXT affinity makes it text
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`api-version=2024-01-01(text) owner=1(integer) resourceGroupName=rg(text) vaultName=v1(text) id=` + vaultID + `(text) odata.type=#T(text) say "hi"\=quoted(text) it's=[true](blob)`,
		`api-version=2024-01-01(text) owner=1(integer) resourceGroupName=rg(text) vaultName=NULL(null) id=/subscriptions/s/resourceGroups/rg/providers/P/notVaults/v1/x/y(text) odata.type=NULL(null) say "hi"\=NULL(null) it's=NULL(null)`,
		`api-version=2024-01-01(text) owner=1(integer) resourceGroupName=rg(text) vaultName=NULL(null) id=/subscriptions/s/resourceGroups/rg/providers/P/backupVaults/(text) odata.type=NULL(null) say "hi"\=NULL(null) it's=NULL(null)`,
		`api-version=2024-01-01(text) owner=1(integer) resourceGroupName=NULL(null) vaultName=NULL(null) id=7(text) odata.type=NULL(null) say "hi"\=NULL(null) it's=NULL(null)`,
	}
	if got := storedRows(t, s, tbl); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows\n got %s\nwant %s", strings.Join(got, "\n    "), strings.Join(want, "\n    "))
	}

	// A value the call gives stands; the other id-derived column is still
	// taken from the id, whichever of the two the call gives.
	for _, tt := range []struct {
		params map[string]string
		want   string
	}{
		{map[string]string{"vaultName": "from-call"}, "resourceGroupName=rg(text) vaultName=from-call(text)"},
		{map[string]string{"resourceGroupName": "RG-from-call"}, "resourceGroupName=RG-from-call(text) vaultName=v1(text)"},
	} {
		if _, err := s.db.Exec("DELETE FROM " + quoteIdent(tbl.Name)); err != nil {
			t.Fatal(err)
		}
		if err := ingestPage(t, s, tbl, tt.params, `{"id":"`+vaultID+`"}`); err != nil {
			t.Fatal(err)
		}
		if got := storedRows(t, s, tbl); len(got) != 1 || !strings.Contains(got[0], tt.want) {
			t.Errorf("call with %v: got %q, want %s", tt.params, got, tt.want)
		}
	}
}

// Pages handed over faster than the writer stores them each keep their
// own values: a page's buffers go back for reuse only once its rows are
// inserted. Two fetchers add 40 pages at once, which fills the writer's
// queue, and every stored row must be the item it came from.
func TestRecycledPageBuffersNeverMixPages(t *testing.T) {
	s := openTemp(t, time.Minute)
	tbl, err := s.EnsureTable(t.Context(), "acme.storage.items", testColumns)
	if err != nil {
		t.Fatal(err)
	}
	const pages, perPage = 40, 25
	in := s.newIngest(t.Context())
	var wg sync.WaitGroup
	for fetcher := range 2 {
		wg.Go(func() {
			for p := fetcher; p < pages; p += 2 {
				items := make([][]byte, perPage)
				for i := range items {
					n := p*perPage + i
					items[i] = fmt.Appendf(nil, `{"name":"item-%d","count":%d,"properties":{"n":%d,"pad":"%s"}}`, n, n, n, strings.Repeat("x", n%97))
				}
				if err := in.add(tbl, 1, map[string]string{"vaultName": fmt.Sprintf("page-%d", p)}, items); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if err := in.close(); err != nil {
		t.Fatal(err)
	}
	rows, err := s.db.Query(fmt.Sprintf(`SELECT name, count, vaultName, properties ->> '$.n', length(properties ->> '$.pad') FROM %s`, quoteIdent(tbl.Name)))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := 0
	for rows.Next() {
		var name, vault string
		var count, n, pad int
		if err := rows.Scan(&name, &count, &vault, &n, &pad); err != nil {
			t.Fatal(err)
		}
		if name != fmt.Sprintf("item-%d", count) || n != count || pad != count%97 || vault != fmt.Sprintf("page-%d", count/perPage) {
			t.Errorf("a row mixes items: name %s, count %d, vaultName %s, properties.n %d, pad %d", name, count, vault, n, pad)
		}
		seen++
	}
	if seen != pages*perPage {
		t.Errorf("stored %d rows, want %d", seen, pages*perPage)
	}
}

// fuzzColumns cover every kind, a key that needs quoting in a JSON path,
// and a param column taken from each row's id, so rows go to SQLite as
// [item, value from the id] tuples.
var fuzzColumns = []Column{
	{Name: "subscriptionId", Kind: KindText, Param: true, IDSegment: 2, IDLabel: "subscriptions"},
	{Name: "id", Kind: KindText},
	{Name: "name", Kind: KindText},
	{Name: "count", Kind: KindInteger},
	{Name: "ratio", Kind: KindReal},
	{Name: "enabled", Kind: KindBool},
	{Name: "properties", Kind: KindJSON},
	{Name: `a."b`, Kind: KindJSON},
}

// FuzzIngestPage stores an item as a page of two (the item twice) and
// checks every stored column against what SQLite extracts from the item's
// own JSONB, which FuzzAppendJSONB checks against jsonb(): the page's
// array, its tuples and the insert statement lose or change nothing.
func FuzzIngestPage(f *testing.F) {
	for _, seed := range append(slices.Clone(jsonbSeeds),
		`{"id":"/subscriptions/s1/resourceGroups/g","name":"n","count":3,"ratio":0.5,"enabled":true,"properties":{"x":[1,{"y":null}]},"a.\"b":[]}`,
		`{"id":7,"count":"seven","properties":"text","enabled":{"o":1}}`,
		`{"n\u0061me":"esc\"aped","id":"/subscriptions//x"}`) {
		f.Add(seed)
	}
	s, err := Open(f.Context(), Options{Path: filepath.Join(f.TempDir(), "cache.db"), TTL: time.Minute})
	if err != nil {
		f.Fatal(err)
	}
	defer s.Close()
	tbl, err := s.EnsureTable(f.Context(), "acme.fuzz.items", fuzzColumns)
	if err != nil {
		f.Fatal(err)
	}
	var checks []string
	for _, c := range fuzzColumns {
		path := quoteString("$." + jsonPathKey(c.Name))
		want := "?1 ->> " + path
		switch {
		case c.Param:
			continue // below
		case c.storedJSON():
			want = "jsonb_extract(?1, " + path + ")"
		}
		checks = append(checks, fmt.Sprintf("%s IS %s", quoteIdent(c.Name), want))
	}
	check := fmt.Sprintf("SELECT count(*) FROM %s WHERE %s AND subscriptionId IS ?2", quoteIdent(tbl.Name), strings.Join(checks, " AND "))
	f.Fuzz(func(t *testing.T, item string) {
		object, err := appendJSONB(nil, []byte(item))
		if err != nil || object[0]&0x0f != jsonbObject {
			if ingestPage(t, s, tbl, nil, item) == nil {
				t.Fatalf("%.80q is not a JSON object, and was stored", item)
			}
			return
		}
		if _, err := s.db.Exec("DELETE FROM " + quoteIdent(tbl.Name)); err != nil {
			t.Fatal(err)
		}
		if err := ingestPage(t, s, tbl, nil, item, item); err != nil {
			t.Fatalf("%.80q: %v", item, err)
		}
		var subscription any
		if id, ok := jsonbObjectText(object, "id"); ok {
			if label, _ := idSegment(id, 1); strings.EqualFold(string(label), "subscriptions") {
				if v, _ := idSegment(id, 2); len(v) > 0 {
					subscription = string(v)
				}
			}
		}
		var same int
		if err := s.db.QueryRow(check, object, subscription).Scan(&same); err != nil || same != 2 {
			t.Fatalf("%.80q: %d of 2 rows hold what the item says (%v):\n%s", item, same, err, strings.Join(storedRows(t, s, tbl), "\n"))
		}
	})
}
