package parser

import (
	"reflect"
	"strings"
	"testing"
)

func TestDollarNamesAreColumnsQuotedForSQLite(t *testing.T) {
	sel := parseOne(t, "SELECT name, $filter FROM azure.compute.virtual_machines WHERE $filter = 'a eq 1' AND $top = 5").(*Select)
	var cols []string
	for _, p := range sel.Tables[0].Predicates {
		cols = append(cols, p.Left.Column.Name)
	}
	if want := []string{"$filter", "$top"}; !reflect.DeepEqual(cols, want) {
		t.Errorf("predicate columns = %v, want %v", cols, want)
	}
	got := sel.SQLiteText(func(ref TableRef) string { return "vms" })
	if want := "SELECT name, `$filter` FROM vms WHERE `$filter` = 'a eq 1' AND `$top` = 5"; got != want {
		t.Errorf("SQLiteText = %s\nwant         %s", got, want)
	}
	// Quoted, a $-name is the same column; a JSON path in double quotes stays
	// what SQLite makes of it.
	sel = parseOne(t, `SELECT json_extract(properties, "$.a") FROM azure.compute.virtual_machines WHERE "$filter" = 'x'`).(*Select)
	got = sel.SQLiteText(func(ref TableRef) string { return "vms" })
	if want := "SELECT json_extract(properties, \"$.a\") FROM vms WHERE `$filter` = 'x'"; got != want {
		t.Errorf("SQLiteText = %s\nwant         %s", got, want)
	}
	// $1 is still a bound parameter, as skyql serve's clients send it.
	sel = parseOne(t, "SELECT name FROM azure.compute.virtual_machines WHERE subscriptionId = $1").(*Select)
	if right := sel.Tables[0].Predicates[0].Right; right.SQL != "?1" {
		t.Errorf("$1 = %q, want ?1", right.SQL)
	}
}

func TestColumnSpellingsAreRewrittenOnlyWhereAsked(t *testing.T) {
	sel := parseOne(t, "SELECT v.name, subscription_id AS sub, json_extract(v.properties, '$.x') FROM azure.compute.virtual_machines v WHERE v.resource_group_name = 'rg'").(*Select)
	renamed := map[string]string{"subscription_id": "subscriptionId", "resource_group_name": "resourceGroupName", "sub": "never", "json_extract": "never"}
	got := sel.SQLiteTextWithColumns(func(TableRef) string { return "vms" }, func(name string) (string, bool) {
		to, ok := renamed[name]
		return to, ok
	})
	want := `SELECT v.name, subscriptionId AS sub, json_extract(v.properties, '$.x') FROM vms v WHERE v.resourceGroupName = 'rg'`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestHyphenatedParameterNamesInWrites(t *testing.T) {
	ins := parseOne(t, `INSERT INTO azure.dns.zones (subscriptionId, If-None-Match, x-ms-authorization-auxiliary, "If-Match", data__location)
		SELECT 's', '*', 'tok', 'e', 'global'`).(*Insert)
	if want := []string{"subscriptionId", "If-None-Match", "x-ms-authorization-auxiliary", "If-Match", "data__location"}; !reflect.DeepEqual(ins.Columns, want) {
		t.Errorf("INSERT columns = %v, want %v", ins.Columns, want)
	}
	del := parseOne(t, "DELETE FROM azure.dns.zones WHERE zoneName = 'z' AND If-Match = '*' AND `x-ms-client-request-id` = 'r'").(*Delete)
	var names []string
	for _, p := range del.Predicates {
		names = append(names, p.Left.Column.Name)
	}
	if want := []string{"zoneName", "If-Match", "x-ms-client-request-id"}; !reflect.DeepEqual(names, want) {
		t.Errorf("DELETE WHERE names %v, want %v", names, want)
	}
	// Outside the parts that name parameters a hyphen still subtracts.
	ins = parseOne(t, "INSERT INTO azure.dns.zones (zoneName, data__n) SELECT name, a-b FROM t").(*Insert)
	if ins.Select == nil || !strings.Contains(ins.Select.Text(), "a-b") {
		t.Errorf("INSERT ... SELECT a-b lost its subtraction: %+v", ins.Select)
	}
}

func TestExecArgumentNames(t *testing.T) {
	e := parseOne(t, `EXEC azure.storage.blob_containers.BlobContainers_LockImmutabilityPolicy
		@subscription_id='s' @If-Match='"e1"', @"x-ms-client-request-id"='r' @$filter='f'
		@@json='{"a":1}'`).(*Exec)
	var names []string
	for _, p := range e.Params {
		names = append(names, p.Name)
	}
	if want := []string{"subscription_id", "If-Match", "x-ms-client-request-id", "$filter"}; !reflect.DeepEqual(names, want) {
		t.Errorf("EXEC arguments %v, want %v", names, want)
	}
	if e.JSONBody != `{"a":1}` {
		t.Errorf("@@json = %q", e.JSONBody)
	}
}

func TestReplaceSetIsAnUpdateThatReplaces(t *testing.T) {
	for _, input := range []string{
		"REPLACE azure.network.virtual_networks SET data__location = 'eastus' WHERE virtualNetworkName = 'v' RETURNING name, tags",
		"/*+ update */ REPLACE INTO azure.network.virtual_networks SET data__location = 'eastus' WHERE virtualNetworkName = 'v' RETURNING name, tags",
	} {
		up, ok := parseOne(t, input).(*Update)
		if !ok {
			t.Fatalf("%s: not read as an UPDATE", input)
		}
		if !up.Replace || len(up.Set) != 1 || up.Set[0].Column != "data__location" || len(up.Predicates) != 1 {
			t.Errorf("%s: got %+v", input, up)
		}
		if want := []string{"name", "tags"}; !reflect.DeepEqual(up.ReturningColumns, want) {
			t.Errorf("RETURNING columns %v, want %v", up.ReturningColumns, want)
		}
	}
	if ins, ok := parseOne(t, "REPLACE INTO azure.network.virtual_networks (virtualNetworkName) VALUES ('v')").(*Insert); !ok || !ins.Replace {
		t.Errorf("REPLACE INTO ... VALUES is no longer an INSERT that replaces")
	}
}

func TestReturningTakesStarOrNames(t *testing.T) {
	del := parseOne(t, "DELETE FROM azure.dns.zones WHERE zoneName = 'z' RETURNING *").(*Delete)
	if del.ReturningColumns != nil || del.Returning != "*" {
		t.Errorf("RETURNING * = %v / %q", del.ReturningColumns, del.Returning)
	}
	_, err := Parse("DELETE FROM azure.dns.zones WHERE zoneName = 'z' RETURNING upper(name)")
	if err == nil || !strings.Contains(err.Error(), "RETURNING takes * or property names") {
		t.Errorf("RETURNING upper(name): %v, want an error saying what RETURNING takes", err)
	}
}
