package server

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestTranslateRewritesPostgresSyntax(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`n.nspname !~ '^pg_toast'`, `n.nspname  NOT REGEXP  '^pg_toast'`},
		{`c.relname OPERATOR(pg_catalog.~) '^(t)$' COLLATE pg_catalog.default`, `c.relname  REGEXP  '^(t)$' `},
		{`a ~* 'x'`, `a  REGEXP '(?i)' ||  'x'`},
		{`SELECT ~5`, `SELECT ~5`}, // bitwise NOT stays
		{`pg_catalog.pg_table_is_visible(c.oid)`, `pg_table_is_visible(c.oid)`},
		{`c.oid::pg_catalog.regclass::pg_catalog.text`, `CAST(pg_regclass(c.oid) AS TEXT)`},
		{`'1'::int + x::double precision`, `CAST('1' AS INTEGER) + CAST(x AS REAL)`},
		{`f(a, b)::text`, `CAST(f(a, b) AS TEXT)`},
		{`'t'::bool`, `pg_bool('t')`},
		{`x::character varying(10)`, `CAST(x AS TEXT)`},
		{`E'a\nb'`, "'a\nb'"},
		{`x = ANY (ARRAY['a','b'])`, `x  IN (SELECT value FROM json_each(json_array('a','b')))`},
		{`a IS DISTINCT FROM b`, `a IS NOT b`},
		{`SELECT current_user, current_schema()`, `SELECT current_user(), current_schema()`},
		{`name ILIKE 'x%'`, `name LIKE 'x%'`},
		{`'it''s' ~ 'x'`, `'it''s'  REGEXP  'x'`}, // strings are not rewritten inside
		{`arr[1]`, `json_extract(arr, '$[' || ((1) - 1) || ']')`},
		{`FROM unnest(a) x WHERE`, `FROM (SELECT value AS x FROM json_each(a)) x WHERE`},
		{`FROM f(a) AS i, g(b)`, `FROM (SELECT f(a) AS i) AS i, (SELECT g(b) AS g) g`},
		{`SELECT f(a) x FROM t`, `SELECT f(a) x FROM t`},
		{`FROM t LEFT JOIN u ON (t.a = u.a) JOIN v USING (a)`, `FROM t LEFT JOIN u ON (t.a = u.a) JOIN v USING (a)`},
	} {
		if got := translate(tt.in); got != tt.want {
			t.Errorf("translate(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

// testModel is a catalog with one provider of one service.
func testModel() *catalogModel {
	return &catalogModel{providers: []catalogProvider{{name: "cloud", services: []catalogService{{
		name: "svc", description: "A service.",
		resources: []catalogResource{{name: "things", description: "Things.", columns: []catalogColumn{
			{name: "id", kind: "string", description: "The id."}, {name: "size", kind: "integer"}, {name: "props", kind: "object"},
		}}},
	}}}}}
}

// catalogQuery runs a PostgreSQL catalog query on a connection's catalog
// database and returns its rows as text.
func catalogQuery(t *testing.T, st *connState, query string) []string {
	t.Helper()
	ctx := context.Background()
	db, err := openCatalog(ctx, testModel(), st)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cur := startCursor(ctx, 0, func(ctx context.Context, sink *rowSink) error { return db.query(ctx, translate(query), nil, sink) })
	defer cur.close()
	if err := cur.describe(); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	rows, err := textRows(t, cur)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return rows
}

func TestCatalogAnswersClientQueries(t *testing.T) {
	newState := func(database string) *connState {
		st := &connState{database: database, user: "me", settings: newSettings(map[string]string{"user": "me"}, ""), started: time.Now()}
		st.schemas = testModel().schemas(database)
		st.settings.setDefault("search_path", st.schemas[0].name)
		return st
	}
	// In a provider's database its services are schemas; elsewhere they
	// are provider.service.
	st := newState("cloud")
	if got := catalogQuery(t, st, `SELECT n.nspname, c.relname, c.relkind FROM pg_catalog.pg_class c
		LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind IN ('r','p','') AND n.nspname !~ '^pg_toast' AND pg_catalog.pg_table_is_visible(c.oid) ORDER BY 1,2`); strings.Join(got, ";") != "svc|things|r" {
		t.Errorf(`\dt: %q`, got)
	}
	if got := catalogQuery(t, newState("other"), `SELECT nspname FROM pg_namespace WHERE nspname OPERATOR(pg_catalog.~) '^cloud'`); strings.Join(got, ";") != "cloud.svc" {
		t.Errorf("schemas outside a provider's database: %q", got)
	}
	got := catalogQuery(t, st, `SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_catalog.col_description(a.attrelid, a.attnum)
		FROM pg_catalog.pg_attribute a WHERE a.attrelid = 'svc.things'::regclass AND a.attnum > 0 ORDER BY a.attnum`)
	if strings.Join(got, ";") != "id|text|f|The id.;size|bigint|f|NULL;props|json|f|NULL" {
		t.Errorf(`\d: %q`, got)
	}
	got = catalogQuery(t, st, `SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns WHERE table_name = 'things' ORDER BY ordinal_position`)
	if strings.Join(got, ";") != "svc|things|id|text;svc|things|size|bigint;svc|things|props|json" {
		t.Errorf("information_schema.columns: %q", got)
	}
	// Grafana's table list: the tables of the schemas on the search path.
	got = catalogQuery(t, st, `SELECT quote_ident(table_name) AS "table" FROM information_schema.tables
		WHERE quote_ident(table_schema) NOT IN ('information_schema', 'pg_catalog', '_timescaledb_cache')
		AND table_type = 'BASE TABLE' AND quote_ident(table_schema) IN (
		  SELECT CASE WHEN trim(s[i]) = '"$user"' THEN user ELSE trim(s[i]) END
		  FROM generate_series(array_lower(string_to_array(current_setting('search_path'),','),1),
		    array_upper(string_to_array(current_setting('search_path'),','),1)) AS i,
		    string_to_array(current_setting('search_path'),',') s)`)
	if strings.Join(got, ";") != "things" {
		t.Errorf("Grafana's table list: %q", got)
	}
	// DBeaver's schema and column browsers.
	got = catalogQuery(t, st, `SELECT n.oid,n.*,d.description FROM pg_catalog.pg_namespace n
		LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=n.oid AND d.objsubid=0 AND d.classoid='pg_namespace'::regclass
		WHERE n.nspname = 'svc' ORDER BY nspname`)
	if len(got) != 1 || !strings.HasSuffix(got[0], "|svc|10|NULL|A service.") {
		t.Errorf("DBeaver's schemas: %q", got)
	}
	got = catalogQuery(t, st, `SELECT c.relname,a.attname,pg_catalog.pg_get_expr(ad.adbin, ad.adrelid, true) as def_value,dsc.description,dep.objid
		FROM pg_catalog.pg_attribute a INNER JOIN pg_catalog.pg_class c ON (a.attrelid=c.oid)
		LEFT OUTER JOIN pg_catalog.pg_attrdef ad ON (a.attrelid=ad.adrelid AND a.attnum = ad.adnum)
		LEFT OUTER JOIN pg_catalog.pg_description dsc ON (c.oid=dsc.objoid AND a.attnum = dsc.objsubid)
		LEFT OUTER JOIN pg_depend dep on dep.refobjid = a.attrelid AND dep.deptype = 'i' and dep.refobjsubid = a.attnum and dep.classid = dep.refclassid
		WHERE NOT a.attisdropped AND c.relkind not in ('i','I','c') AND c.oid='svc.things'::regclass ORDER BY a.attnum`)
	if strings.Join(got, ";") != "things|id|NULL|The id.|NULL;things|size|NULL|NULL|NULL;things|props|NULL|NULL|NULL" {
		t.Errorf("DBeaver's columns: %q", got)
	}
	got = catalogQuery(t, st, `SELECT current_database(), current_user, current_setting('server_version_num')::int, obj_description('svc.things'::regclass, 'pg_class')`)
	if strings.Join(got, ";") != "cloud|me|150000|Things." {
		t.Errorf("functions: %q", got)
	}
}
