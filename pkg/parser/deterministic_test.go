package parser

import (
	"strings"
	"testing"
)

func TestDeterministic(t *testing.T) {
	const from = " FROM azure.data_protection.backup_instances bi WHERE subscriptionId = 's'"
	tests := []struct {
		sql  string
		want bool
	}{
		{"SELECT name, json_extract(properties, '$.a') AS state" + from, true},
		{"SELECT json_extract(properties, '$.a') AS s, count(*) AS n" + from + " GROUP BY s ORDER BY s", true},
		{"SELECT CAST(count(*) AS TEXT), upper(name)" + from + " AND name IN ('a', 'b') AND EXISTS (SELECT 1)", true},
		{"SELECT row_number() OVER (PARTITION BY type ORDER BY name)" + from, true},
		{"SELECT split_part(id, '/', 5), j.value FROM azure.data_protection.backup_instances bi, json_each(bi.properties) AS j", true},
		{"SELECT name -- random() in a comment\n" + from, true},
		{"SELECT 'random()', \"name\"" + from, true},

		{"SELECT random()" + from, false},
		{"SELECT name" + from + " ORDER BY RANDOM()", false},
		{"SELECT date('now'), name" + from, false},
		{"SELECT datetime(json_extract(properties, '$.t'))" + from, false},
		{"SELECT name" + from + " AND json_extract(properties, '$.t') > CURRENT_TIMESTAMP", false},
		{"SELECT name" + from + " AND name = ?", false},
		{"SELECT \"randomblob\"(4)" + from, false},
		{"SELECT main.f(1)" + from, false},
		{"SELECT (SELECT count(*) FROM sqlite_master), name" + from, false},
		{"SELECT name" + from + " AND name IN (SELECT name FROM pragma_table_info('x'))", false},
		{"WITH t(a) AS (SELECT 1) SELECT a FROM t, azure.data_protection.backup_instances", false},
	}
	for _, tt := range tests {
		sel := parseSelect(t, tt.sql)
		if got := sel.Deterministic(); got != tt.want {
			t.Errorf("Deterministic() = %v, want %v for\n  %s", got, tt.want, tt.sql)
		}
	}
}

func TestNames(t *testing.T) {
	sel := parseSelect(t, "SELECT bi.name, count(*) AS \"n\" FROM azure.data_protection.backup_instances AS bi -- skyql_calls\n WHERE `name` > 'skyql_meta' GROUP BY bi.name")
	got := strings.Join(sel.Names(), " ")
	if got != "bi name count n azure data_protection backup_instances" {
		t.Fatalf("Names() = %s", got)
	}
}
