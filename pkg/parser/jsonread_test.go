package parser

import "testing"

func TestReadsOnlyAsJSON(t *testing.T) {
	const from = " FROM azure.data_protection.backup_instances bi"
	tests := []struct {
		sql  string
		want bool
	}{
		{"SELECT name, json_extract(properties, '$.a') AS a" + from, true},
		{"SELECT bi.properties ->> '$.a', properties -> 'b'" + from + " WHERE properties ->> 'c' = 'x'", true},
		{"SELECT count(*)" + from + " WHERE json_type(bi.properties, '$.a') = 'object'", true},
		{"SELECT j.value" + from + ", json_each(bi.properties) AS j", true},
		{"SELECT json_extract(\"Properties\", '$.a')" + from, true},
		{"SELECT azure.data_protection.backup_instances.properties ->> 'a' FROM azure.data_protection.backup_instances", true},
		{"SELECT json(properties) -- properties alone here is a comment\n" + from, true},
		{"SELECT CASE WHEN properties ->> 'a' THEN 1 ELSE properties -> 'b' END" + from, true},
		{"SELECT json_extract(properties -> '$.a', '$.b')" + from, true},

		{"SELECT properties" + from, false},
		{"SELECT *" + from + " WHERE json_extract(properties, '$.a') = 1", false},
		{"SELECT bi.*" + from + " WHERE bi.properties -> 'a' IS NOT NULL", false},
		{"SELECT name, bi.*" + from + " WHERE properties ->> 'a' = 1", false},
		{"SELECT '{}' || properties ->> '$.a'" + from, false},
		{"SELECT -properties ->> '$.n'" + from, false},
		{"SELECT json_extract(coalesce(properties, '{}'), '$.a')" + from, false},
		{"SELECT json_valid(properties)" + from, false},
		{"SELECT length(properties)" + from + " WHERE json_extract(properties, '$.a') = 1", false},
		{"SELECT json_extract(properties, '$.a') AS properties" + from, false},
		{"SELECT name" + from + " WHERE properties LIKE '%x%'", false},
		{"SELECT name" + from + " NATURAL JOIN azure.data_protection.backup_vaults", false},
		{"SELECT properties.name FROM azure.data_protection.backup_instances AS properties", false},
		{"SELECT j.json" + from + ", json_each(bi.properties) AS j", false},
		{"SELECT \"json\" FROM json_tree((SELECT properties" + from + "))", false},
		{"SELECT name" + from, false}, // not read at all: nothing to gain
	}
	for _, tt := range tests {
		sel := parseSelect(t, tt.sql)
		if got := sel.ReadsOnlyAsJSON("properties"); got != tt.want {
			t.Errorf("ReadsOnlyAsJSON(properties) = %v, want %v for\n  %s", got, tt.want, tt.sql)
		}
	}
}

func parseSelect(t *testing.T, sql string) *Select {
	t.Helper()
	stmts, err := Parse(sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	sel, ok := stmts[0].(*Select)
	if !ok {
		t.Fatalf("%s: parsed as %T", sql, stmts[0])
	}
	return sel
}
