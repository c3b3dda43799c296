package store

import (
	"context"
	"testing"
	"time"
)

func TestReadsTellWhatAStatementDependsOn(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, time.Hour)
	items, _ := s.EnsureTable(ctx, "acme.storage.items", testColumns)
	others, _ := s.EnsureTable(ctx, "acme.storage.others", testColumns[:4])
	a := fetchInto(t, s, items, "a", nil, `{"name":"a","properties":{"n":[1,2]}}`)
	o := fetchInto(t, s, others, "o", nil, `{"name":"o"}`)
	if _, err := s.BindView(ctx, "acme.storage.items", items, viewCalls(a), nil); err != nil {
		t.Fatal(err)
	}
	// A view left by an earlier statement, not among this one's.
	if _, err := s.BindView(ctx, "acme.storage.others", others, viewCalls(o), nil); err != nil {
		t.Fatal(err)
	}
	own := []string{"acme.storage.items", items.Name}
	const from = ` FROM "acme.storage.items" i`
	tests := []struct {
		sql  string
		want bool
	}{
		{`SELECT name, json_extract(properties, '$.n') AS n` + from + ` ORDER BY name`, true},
		{`SELECT j.value, count(*) OVER ()` + from + `, json_each(i.properties) j`, true},
		{`WITH t(x) AS (SELECT 1) SELECT x, upper(name)` + from + `, t`, true},
		{`SELECT split_part(name, 'a', 1), CAST(count(*) AS TEXT)` + from + ` GROUP BY 1`, true},

		{`SELECT random()` + from, false},
		{`SELECT name` + from + ` WHERE datetime(name) < CURRENT_TIMESTAMP`, false},
		{`SELECT date('now'), name` + from, false},
		{`SELECT (SELECT count(*) FROM sqlite_master), name` + from, false},
		{`SELECT count(*)` + from + `, pragma_table_list`, false},
		{`SELECT name` + from + ` WHERE name IN (SELECT name FROM pragma_table_info('skyql_calls'))`, false},
		{`SELECT (SELECT min(name) FROM "acme.storage.others"), name` + from, false},
		{`SELECT (SELECT count(*) FROM skyql_calls), name` + from, false},
	}
	for _, tt := range tests {
		r, err := s.Reads(ctx, tt.sql)
		if err != nil {
			t.Fatalf("%s: %v", tt.sql, err)
		}
		if got := r.Deterministic(own); got != tt.want {
			t.Errorf("Deterministic = %v, want %v for\n  %s\n  reads %+v", got, tt.want, tt.sql, r)
		}
	}
	if _, err := s.Reads(ctx, `SELECT nope FROM "acme.storage.items"`); err == nil {
		t.Error("a statement that does not prepare gave no error")
	}
	// The authorizer is gone afterwards: later statements run as before.
	var n int
	if err := s.db.QueryRow(`SELECT count(*) FROM sqlite_master`).Scan(&n); err != nil || n == 0 {
		t.Fatalf("after Reads: %d, %v", n, err)
	}
}
