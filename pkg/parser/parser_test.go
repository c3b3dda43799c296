package parser

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func parseOne(t *testing.T, input string) Statement {
	t.Helper()
	stmts, err := Parse(input)
	if err != nil {
		t.Fatalf("Parse(%q): %v", input, err)
	}
	if len(stmts) != 1 {
		t.Fatalf("Parse(%q) = %d statements, want 1", input, len(stmts))
	}
	return stmts[0]
}

func TestSplitKeepsTextAndOffsets(t *testing.T) {
	input := "SELECT ';' AS a; ; -- only a comment;\n" +
		"SELECT \"x;y\" FROM `t;u` /* ; */ # ;\n;" +
		"SHOW PROVIDERS;;"
	stmts, err := Parse(input)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"SELECT ';' AS a",
		"-- only a comment;\nSELECT \"x;y\" FROM `t;u` /* ; */ # ;",
		"SHOW PROVIDERS",
	}
	if len(stmts) != len(want) {
		t.Fatalf("got %d statements, want %d", len(stmts), len(want))
	}
	for i, s := range stmts {
		if s.Text() != want[i] {
			t.Errorf("statement %d text = %q, want %q", i, s.Text(), want[i])
		}
		if got := input[s.Offset() : s.Offset()+len(s.Text())]; got != s.Text() {
			t.Errorf("statement %d offset %d does not point at its text", i, s.Offset())
		}
	}
}

func TestParseEmptyInput(t *testing.T) {
	for _, input := range []string{"", "  ;\n; ", "-- nothing\n/* here */"} {
		stmts, err := Parse(input)
		if err != nil || len(stmts) != 0 {
			t.Errorf("Parse(%q) = %v, %v; want no statements", input, stmts, err)
		}
	}
}

func TestCommands(t *testing.T) {
	bi := QualifiedName{"azure", "data_protection", "backup_instances"}
	tests := []struct {
		input string
		want  Statement
	}{
		{"SHOW PROVIDERS", &Show{Kind: "PROVIDERS"}},
		{"show extended providers like 'az%'", &Show{Kind: "PROVIDERS", Extended: true, Like: "az%"}},
		{"SHOW SERVICES IN azure LIKE 'data%'", &Show{Kind: "SERVICES", Target: QualifiedName{Provider: "azure"}, Like: "data%"}},
		{"SHOW RESOURCES IN azure.data_protection", &Show{Kind: "RESOURCES", Target: QualifiedName{Provider: "azure", Service: "data_protection"}}},
		{"SHOW METHODS IN azure.data_protection.backup_instances", &Show{Kind: "METHODS", Target: bi}},
		{"SHOW INSERT INTO `azure`.\"data_protection\".backup_instances", &Show{Kind: "INSERT", Target: bi}},
		{"DESCRIBE azure.data_protection.backup_instances", &Describe{Target: bi}},
		{"desc extended azure.data_protection.backup_instances", &Describe{Target: bi, Extended: true}},
		{"REGISTRY LIST", &Registry{Action: "LIST"}},
		{"registry list azure", &Registry{Action: "LIST", Provider: "azure"}},
		{"REGISTRY PULL azure", &Registry{Action: "PULL", Provider: "azure"}},
		{"REGISTRY PULL azure v24.10.00256", &Registry{Action: "PULL", Provider: "azure", Version: "v24.10.00256"}},
		{"REGISTRY PULL 'azure' 'v0.3.0'", &Registry{Action: "PULL", Provider: "azure", Version: "v0.3.0"}},
		{
			"EXEC /*+ NOWAIT */ azure.data_protection.backup_instances.BackupInstances_AdhocBackup @subscriptionId='s1', @vaultName='v' @resourceGroupName = lower('RG') @@json='{\"a\": \"b\\\"c\"}'",
			&Exec{Table: bi, Method: "BackupInstances_AdhocBackup", NoWait: true, JSONBody: `{"a": "b\"c"}`, Params: []NamedValue{
				{Name: "subscriptionId", Value: Expr{SQL: "'s1'"}},
				{Name: "vaultName", Value: Expr{SQL: "'v'"}},
				{Name: "resourceGroupName", Value: Expr{SQL: "lower('RG')"}},
			}},
		},
		{"exec azure.a.b.M", &Exec{Table: QualifiedName{"azure", "a", "b"}, Method: "M"}},
	}
	for _, tt := range tests {
		t.Run(tt.input, func(t *testing.T) {
			got := parseOne(t, tt.input)
			src := source{text: tt.input}
			switch w := tt.want.(type) {
			case *Show:
				w.source = src
			case *Describe:
				w.source = src
			case *Registry:
				w.source = src
			case *Exec:
				w.source = src
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

// describePredicates renders predicates compactly for comparison.
func describePredicates(preds []Predicate) []string {
	var out []string
	for _, p := range preds {
		s := fmt.Sprintf("%s: %s %s ", p.Source, exprText(p.Left), p.Op)
		if p.Op == "IN" || p.Op == "IN SELECT" {
			var items []string
			for _, e := range p.List {
				items = append(items, exprText(e))
			}
			s += "(" + strings.Join(items, ", ") + ")"
		} else {
			s += exprText(p.Right)
		}
		out = append(out, s)
	}
	return out
}

func exprText(e Expr) string {
	if e.SQL == "" {
		return "<unsupported: " + e.Unsupported + ">"
	}
	return e.SQL
}

func TestSelectPredicates(t *testing.T) {
	tests := []struct {
		name, input string
		want        map[string][]string // alias or resource -> predicates
	}{
		{
			name:  "where equalities, IN list and constant expressions",
			input: "SELECT name FROM azure.data_protection.backup_instances WHERE subscriptionId = lower('X') AND 'rg' || '1' = resourceGroupName AND vaultName IN ('a', \"b\") AND name LIKE 'x%' AND api = 1 + 2 * 3",
			want: map[string][]string{"backup_instances": {
				"WHERE: subscriptionId = lower('X')",
				"WHERE: 'rg' || '1' = resourceGroupName",
				"WHERE: vaultName IN ('a', b)",
				"WHERE: api = 1 + 2 * 3",
			}},
		},
		{
			name:  "equalities of one column OR-ed are an IN list; other ORs are not predicates",
			input: "SELECT name FROM azure.data_protection.backup_instances WHERE (vaultName = 'a' OR 'b' = vaultName OR vaultName = lower('C')) AND (name = 'x' OR type = 'y') AND (id = 'p' OR id = other)",
			want: map[string][]string{"backup_instances": {
				"WHERE: vaultName IN ('a', 'b', lower('C'))",
			}},
		},
		{
			name: "join bindings",
			input: `SELECT bi.name FROM azure.data_protection.backup_vaults v
				JOIN azure.data_protection.backup_instances bi ON bi.vaultName = v.name AND bi.resourceGroupName = split_part(v.id,'/',5)
				WHERE v.subscriptionId = '00000000-1' AND bi.subscriptionId = v.subscriptionId`,
			want: map[string][]string{
				"v": {
					"WHERE: v.subscriptionId = '00000000-1'",
					"WHERE: bi.subscriptionId = v.subscriptionId",
					"JOIN ON: bi.vaultName = v.name",
					"JOIN ON: bi.resourceGroupName = split_part(v.id, '/', 5)",
				},
				"bi": {
					"WHERE: v.subscriptionId = '00000000-1'",
					"WHERE: bi.subscriptionId = v.subscriptionId",
					"JOIN ON: bi.vaultName = v.name",
					"JOIN ON: bi.resourceGroupName = split_part(v.id, '/', 5)",
				},
			},
		},
		{
			name:  "left join ON is marked",
			input: "SELECT 1 FROM azure.c.vms vm LEFT JOIN azure.c.disks d ON d.vmId = vm.id AND d.sub = 's' WHERE vm.sub = 's'",
			want: map[string][]string{
				"vm": {"WHERE: vm.sub = 's'", "LEFT JOIN ON: d.vmId = vm.id", "LEFT JOIN ON: d.sub = 's'"},
				"d":  {"WHERE: vm.sub = 's'", "LEFT JOIN ON: d.vmId = vm.id", "LEFT JOIN ON: d.sub = 's'"},
			},
		},
		{
			name:  "functions, json operators, CASE and CAST",
			input: "SELECT 1 FROM p.s.r WHERE a = strftime('%Y-%m-%d', 'now', '-1 day') AND b = substr(upper(trim(' x ')), 1, 2) AND c = replace(date('now'), '-', '') AND d = json_extract(props, '$.a') AND e = props->'$.b' AND f = props->>'$.c' AND g = CASE WHEN h = 1 THEN 'x' ELSE NULL END AND i = CAST('5' AS INTEGER) AND j = TRUE AND k = -3.5",
			want: map[string][]string{"r": {
				"WHERE: a = strftime('%Y-%m-%d', 'now', '-1 day')",
				"WHERE: b = substr(upper(trim(' x ')), 1, 2)",
				"WHERE: c = replace(date('now'), '-', '')",
				"WHERE: d = json_extract(props, '$.a')",
				"WHERE: e = props -> '$.b'",
				"WHERE: f = props ->> '$.c'",
				"WHERE: g = CASE WHEN h = 1 THEN 'x' ELSE NULL END",
				"WHERE: i = CAST('5' AS INTEGER)",
				"WHERE: j = TRUE",
				"WHERE: k = -3.5",
			}},
		},
		{
			name:  "precedence survives rendering",
			input: "SELECT 1 FROM p.s.r WHERE a = ('x' || 'y') || 'z' AND b = (1 + 2) * 3 AND c = 'a' || 'b' || 'c' AND d = 1 - (2 - 3)",
			want: map[string][]string{"r": {
				"WHERE: a = 'x' || 'y' || 'z'",
				"WHERE: b = (1 + 2) * 3",
				"WHERE: c = 'a' || 'b' || 'c'",
				"WHERE: d = 1 - (2 - 3)",
			}},
		},
		{
			name:  "strings keep backslashes and quotes",
			input: `SELECT 1 FROM p.s.r WHERE a = 'C:\' AND b = 'it''s'`,
			want:  map[string][]string{"r": {`WHERE: a = 'C:\'`, `WHERE: b = 'it''s'`}},
		},
		{
			name:  "unsupported expressions are reported, not dropped",
			input: "SELECT 1 FROM p.s.r WHERE a = (SELECT 1) AND b = x'0A' AND c = @v",
			want: map[string][]string{"r": {
				"WHERE: a = <unsupported: (select 1 from dual) is outside the expressions skyql evaluates>",
				"WHERE: b = X'0A'",
				"WHERE: c = <unsupported: @v is outside the expressions skyql evaluates>",
			}},
		},
		{
			name:  "numbered parameters are constants, bound by number",
			input: "SELECT 1 FROM p.s.r WHERE a = ?2 AND b = $1 AND c = lower(?1)",
			want:  map[string][]string{"r": {"WHERE: a = ?2", "WHERE: b = ?1", "WHERE: c = lower(?1)"}},
		},
		{
			name:  "four-part column and MySQL keywords as names",
			input: "SELECT key, value FROM p.s.r, json_each(p.s.r.props) WHERE p.s.r.name = 'n' AND range = 1",
			want:  map[string][]string{"r": {"WHERE: p.s.r.name = 'n'", `WHERE: "range" = 1`}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sel, ok := parseOne(t, tt.input).(*Select)
			if !ok {
				t.Fatal("not a *Select")
			}
			got := map[string][]string{}
			for _, ref := range sel.Tables {
				key := ref.Alias
				if key == "" {
					key = ref.Name.Resource
				}
				got[key] = describePredicates(ref.Predicates)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("predicates:\n got  %q\n want %q", got, tt.want)
			}
		})
	}
}

func TestPredicateColumns(t *testing.T) {
	sel := parseOne(t, "SELECT 1 FROM p.s.r x WHERE x.a = split_part(y.id, '/', lower(z)) AND 'k' = b").(*Select)
	preds := sel.Tables[0].Predicates
	if c := preds[0].Left.Column; c == nil || *c != (ColumnRef{Qualifier: "x", Name: "a"}) {
		t.Errorf("left column = %v, want x.a", c)
	}
	if preds[0].Right.Column != nil {
		t.Errorf("a function call is not a bare column")
	}
	wantCols := []ColumnRef{{Qualifier: "y", Name: "id"}, {Name: "z"}}
	if !reflect.DeepEqual(preds[0].Right.Columns, wantCols) {
		t.Errorf("columns = %v, want %v", preds[0].Right.Columns, wantCols)
	}
	if !preds[1].Left.IsConstant() || preds[1].Right.IsConstant() {
		t.Errorf("'k' is constant, b is not")
	}
}

func TestTableDiscovery(t *testing.T) {
	tests := []struct {
		name, input string
		want        []string // "name alias block"
	}{
		{
			name: "CTE, subquery in WHERE and select list, union arms",
			input: `WITH vaults AS (SELECT name FROM azure.dp.backup_vaults WHERE subscriptionId = 's')
				SELECT (SELECT count(*) FROM azure.dp.jobs j WHERE j.v = 1) FROM vaults
				WHERE name IN (SELECT vaultName FROM azure.dp.backup_instances WHERE subscriptionId = 's')
				UNION ALL SELECT name FROM azure.dp.backup_policies p`,
			want: []string{"azure.dp.backup_vaults  0", "azure.dp.jobs j 2", "azure.dp.backup_instances  3", "azure.dp.backup_policies p 4"},
		},
		{
			name:  "derived table and parenthesized join",
			input: "SELECT * FROM (SELECT id FROM a.b.c) x JOIN (a.b.d d1 CROSS JOIN a.b.e) ON x.id = d1.id",
			want:  []string{"a.b.c  1", "a.b.d d1 0", "a.b.e  0"},
		},
		{
			name:  "quoted parts, window function, EXPLAIN",
			input: "EXPLAIN SELECT row_number() OVER (PARTITION BY location ORDER BY name) FROM \"azure\".`compute`.[vms] AS vm",
			want:  []string{"azure.compute.vms vm 0"},
		},
		{
			name:  "no provider tables",
			input: "SELECT 1 FROM t JOIN main.u ON t.a = u.a",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sel := parseOne(t, tt.input).(*Select)
			var got []string
			for _, ref := range sel.Tables {
				got = append(got, fmt.Sprintf("%s %s %d", ref.Name, ref.Alias, ref.Block))
				if span := sel.Text()[ref.Start:ref.End]; !strings.Contains(span, ".") {
					t.Errorf("span %q of %s is not the name", span, ref.Name)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("tables = %q, want %q", got, tt.want)
			}
		})
	}
	if !parseOne(t, "EXPLAIN SELECT 1").(*Select).Explain {
		t.Error("EXPLAIN flag not set")
	}
}

func TestSQLiteText(t *testing.T) {
	rename := func(ref TableRef) string { return "t_" + ref.Name.Resource }
	tests := []struct{ input, want string }{
		{
			input: "SELECT name || '-' || id AS k, j.value -- keep me\nFROM azure.data_protection.backup_instances bi, json_each(bi.properties) AS j /* and me */ WHERE j.key = 'a'",
			want:  "SELECT name || '-' || id AS k, j.value -- keep me\nFROM t_backup_instances bi, json_each(bi.properties) AS j /* and me */ WHERE j.key = 'a'",
		},
		{
			input: "SELECT rank() OVER (PARTITION BY location ORDER BY name DESC NULLS LAST) r FROM azure.c.vms WHERE x GLOB 'a*' # note",
			want:  "SELECT rank() OVER (PARTITION BY location ORDER BY name DESC NULLS LAST) r FROM t_vms WHERE x GLOB 'a*' -- note",
		},
		{
			input: "SELECT j.value FROM azure.c.vms, json_each(azure.c.vms.tags) j",
			want:  "SELECT j.value FROM t_vms, json_each(t_vms.tags) j",
		},
		{
			input: "SELECT azure.c.vms.name FROM azure.c.vms",
			want:  "SELECT t_vms.name FROM t_vms",
		},
		{
			input: "SELECT azure.c.vms.name FROM azure.c.vms v WHERE v.name = \"x\"",
			want:  "SELECT v.name FROM t_vms v WHERE v.name = \"x\"",
		},
		{
			input: "WITH a AS (SELECT * FROM p.s.one) SELECT * FROM a, p.s.two UNION SELECT 'C:\\', x FROM p.s.one",
			want:  "WITH a AS (SELECT * FROM t_one) SELECT * FROM a, t_two UNION SELECT 'C:\\', x FROM t_one",
		},
	}
	for _, tt := range tests {
		sel := parseOne(t, tt.input).(*Select)
		if got := sel.SQLiteText(rename); got != tt.want {
			t.Errorf("SQLiteText(%q)\n got  %q\n want %q", tt.input, got, tt.want)
		}
	}
}

func TestWrites(t *testing.T) {
	t.Run("insert values", func(t *testing.T) {
		ins := parseOne(t, "INSERT /*+ NOWAIT */ INTO azure.dp.vaults (subscriptionId, data__location) VALUES ('s', lower('WESTEU')), ('t', 'x' || 'y') RETURNING id, name").(*Insert)
		want := [][]string{{"'s'", "lower('WESTEU')"}, {"'t'", "'x' || 'y'"}}
		var got [][]string
		for _, row := range ins.Rows {
			var r []string
			for _, e := range row {
				r = append(r, e.SQL)
			}
			got = append(got, r)
		}
		if ins.Table.String() != "azure.dp.vaults" || ins.Replace || !ins.NoWait || ins.Returning != "id, name" ||
			!reflect.DeepEqual(ins.Columns, []string{"subscriptionId", "data__location"}) || !reflect.DeepEqual(got, want) {
			t.Errorf("got %+v rows %q", ins, got)
		}
	})
	t.Run("replace and insert select", func(t *testing.T) {
		for _, input := range []string{
			"REPLACE INTO azure.dp.vaults (a) SELECT name FROM azure.dp.old WHERE s = '1'",
			"INSERT OR REPLACE INTO azure.dp.vaults (a) SELECT name FROM azure.dp.old WHERE s = '1'",
		} {
			ins := parseOne(t, input).(*Insert)
			if !ins.Replace || ins.Select == nil || ins.Rows != nil {
				t.Fatalf("%q: got %+v", input, ins)
			}
			if ins.Select.Text() != "SELECT name FROM azure.dp.old WHERE s = '1'" || len(ins.Select.Tables) != 1 {
				t.Errorf("%q: select %q tables %v", input, ins.Select.Text(), ins.Select.Tables)
			}
			if got := ins.Select.SQLiteText(func(TableRef) string { return "x" }); got != "SELECT name FROM x WHERE s = '1'" {
				t.Errorf("%q: SQLiteText = %q", input, got)
			}
		}
	})
	t.Run("update", func(t *testing.T) {
		up := parseOne(t, "UPDATE azure.dp.vaults SET data__tags = json_object('a', 1), data__x = 'y' WHERE subscriptionId = 's' AND name IN ('a', 'b') RETURNING *").(*Update)
		if up.Table.String() != "azure.dp.vaults" || up.Returning != "*" || len(up.Set) != 2 ||
			!reflect.DeepEqual(up.Set[0], Assignment{Column: "data__tags", Value: Expr{SQL: "json_object('a', 1)"}}) {
			t.Errorf("got %+v", up)
		}
		want := []string{"WHERE: subscriptionId = 's'", "WHERE: name IN ('a', 'b')"}
		if got := describePredicates(up.Predicates); !reflect.DeepEqual(got, want) {
			t.Errorf("predicates %q, want %q", got, want)
		}
	})
	t.Run("delete", func(t *testing.T) {
		del := parseOne(t, "DELETE /*+ NOWAIT */ FROM azure.dp.vaults WHERE subscriptionId = 's' AND vaultName = 'v'").(*Delete)
		want := []string{"WHERE: subscriptionId = 's'", "WHERE: vaultName = 'v'"}
		if del.Table.String() != "azure.dp.vaults" || !del.NoWait || !reflect.DeepEqual(describePredicates(del.Predicates), want) {
			t.Errorf("got %+v", del)
		}
	})
}

func TestSyntaxErrors(t *testing.T) {
	tests := []struct {
		input        string
		line, column int
		near         string
	}{
		{"SELECT name\nFROM azure.c.vms WHERE )", 2, 24, ")"},
		{"SELECT 1;\n  SELEC name FROM t", 2, 3, "SELEC"},
		{"SELECT a FROM t WHERE a = 'x", 1, 27, ""},
		{"SELECT a FROM t WHERE (a = 1", 1, 29, ""},
		{"SELECT a FROM azure.c.vms.extra", 1, 15, ""},
		{"SELECT a\n\tFROM t WHERE a == 1 AND b = = 2", 2, 30, "="},
		{"SELECT é FROM t WHERE ,", 1, 23, ","},
		{"SHOW RESOURCES IN azure", 1, 24, ""},
		{"SHOW TABLES", 1, 6, "TABLES"},
		{"DESCRIBE azure.c", 1, 17, ""},
		{"EXEC azure.c.vms.Start @a='1' b", 1, 31, "b"},
		{"EXEC azure.c.vms.Start @a=(", 1, 28, ""},
		{"REGISTRY FETCH azure", 1, 10, "FETCH"},
		{"CREATE TABLE t (a int)", 1, 1, "CREATE"},
		{"INSERT INTO t (a) VALUES (1)", 1, 1, "INSERT"},
		{"SELECT 1 RETURNING a", 1, 10, "RETURNING"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.input)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q) error = %v, want a *SyntaxError", tt.input, err)
			continue
		}
		if se.Line != tt.line || se.Column != tt.column || (tt.near != "" && se.Near != tt.near) {
			t.Errorf("Parse(%q) error at %d:%d near %q, want %d:%d near %q\n%v", tt.input, se.Line, se.Column, se.Near, tt.line, tt.column, tt.near, err)
		}
	}
}

func TestSyntaxErrorRendering(t *testing.T) {
	_, err := Parse("SELECT name\n\tFROM azure.c.vms WHERE a = (1 + )")
	want := "syntax error at line 2, column 34 near \")\"\n" +
		"  \tFROM azure.c.vms WHERE a = (1 + )\n" +
		"  \t                                ^"
	if err == nil || err.Error() != want {
		t.Errorf("error:\n%v\nwant:\n%s", err, want)
	}
}

func TestCutFollowsSQLiteQuoting(t *testing.T) {
	input := "SELECT 'a;b' AS x; -- c;\nSELECT 'C:\\'; /* ; */ SELECT \"q;\" FROM t;\n-- only a comment;\nSELECT 'open;"
	pieces, rest := Cut(input)
	var got []string
	for _, p := range pieces {
		got = append(got, strings.TrimSpace(p.Text))
		if input[p.Offset:p.Offset+len(p.Text)] != p.Text {
			t.Errorf("offset %d does not locate %q", p.Offset, p.Text)
		}
	}
	want := []string{"SELECT 'a;b' AS x", "-- c;\nSELECT 'C:\\'", `/* ; */ SELECT "q;" FROM t`}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("pieces\n got %q\nwant %q", got, want)
	}
	if rest != "\n-- only a comment;\nSELECT 'open;" || !Pending(rest) || Unterminated(rest) == nil {
		t.Fatalf("rest %q pending %v unterminated %v", rest, Pending(rest), Unterminated(rest))
	}
	if Pending("  -- nothing here\n") {
		t.Error("a comment alone is not a pending statement")
	}
}

func TestRowLimitOnlyWhereTheFirstRowsAreTheResult(t *testing.T) {
	cases := map[string]int64{
		"SELECT name FROM a.b.c LIMIT 5":                                        5,
		"SELECT name FROM a.b.c WHERE x = 'y' AND z IN (1, 2) LIMIT 5 OFFSET 3": 8,
		"SELECT json_extract(p, '$.a') FROM a.b.c LIMIT 2":                      2,
		"SELECT name FROM a.b.c":                                                0,
		"SELECT name FROM a.b.c ORDER BY name LIMIT 5":                          0,
		"SELECT count(*) FROM a.b.c LIMIT 5":                                    0,
		"SELECT total(n) FROM a.b.c LIMIT 5":                                    0,
		"SELECT DISTINCT name FROM a.b.c LIMIT 5":                               0,
		"SELECT name FROM a.b.c WHERE name LIKE 'x%' LIMIT 5":                   0,
		"SELECT name FROM a.b.c, json_each(c.tags) LIMIT 5":                     0,
		"SELECT name FROM a.b.c WHERE x IN (SELECT 1) LIMIT 5":                  0,
		"SELECT name, row_number() OVER () FROM a.b.c LIMIT 5":                  0,
	}
	for sql, want := range cases {
		stmts, err := Parse(sql)
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		if got := stmts[0].(*Select).RowLimit; got != want {
			t.Errorf("%s: RowLimit %d, want %d", sql, got, want)
		}
	}
}

func TestNULByteIsASyntaxErrorWithItsPosition(t *testing.T) {
	// SQLite stops at the NUL: it would run "... WHERE a = 1 /* " and
	// return every row the planned statement filters out.
	for _, input := range []string{
		"SELECT name FROM p.s.r WHERE a = 1\n  /* \x00 */ AND name = 'x'",
		"SELECT name FROM p.s.r WHERE a = 1\n  AND name = '\x00'",
		"SELECT name FROM p.s.r WHERE a = 1\n  -- \x00",
	} {
		_, err := Parse(input)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Fatalf("Parse(%q) = %v, want a syntax error", input, err)
		}
		col := strings.IndexByte(strings.Split(input, "\n")[1], 0) + 1
		if se.Line != 2 || se.Column != col || !strings.Contains(se.Error(), "NUL byte") || strings.Contains(se.Error(), "\x00") {
			t.Fatalf("Parse(%q): %q at %d:%d, want the NUL at 2:%d, shown escaped", input, se.Error(), se.Line, se.Column, col)
		}
	}
}
