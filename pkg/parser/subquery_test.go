package parser

import "testing"

func TestInSubqueriesAreLocated(t *testing.T) {
	sql := `SELECT count(*) FROM azure.data_protection.backup_instances bi
WHERE bi.subscriptionId = 's' AND resourceGroupName = 'rg'
  AND bi.vaultName IN (SELECT name FROM azure.data_protection.backup_vaults v WHERE v.subscriptionId = 's' AND (1 = 1))
  AND name NOT IN (SELECT 'x')`
	sel := parseSelect(t, sql)
	var subs []Predicate
	for _, p := range sel.Tables[0].Predicates {
		if p.Op == "IN SELECT" {
			subs = append(subs, p)
		}
	}
	if len(subs) != 1 {
		t.Fatalf("%d IN SELECT predicates: %+v", len(subs), subs)
	}
	got := sel.Text()[subs[0].Subquery.Start:subs[0].Subquery.End]
	if got != "SELECT name FROM azure.data_protection.backup_vaults v WHERE v.subscriptionId = 's' AND (1 = 1)" {
		t.Fatalf("subquery %q", got)
	}
	inner := sel.Tables[1]
	if !subs[0].Subquery.Contains(Span{inner.Start, inner.End}) {
		t.Errorf("the subquery's span does not hold its table")
	}
	rename := func(ref TableRef) string { return `"` + ref.Name.String() + `"` }
	if text := sel.SQLiteTextOf(subs[0].Subquery, rename); text != `SELECT name FROM "azure.data_protection.backup_vaults" v WHERE v.subscriptionId = 's' AND (1 = 1)` {
		t.Errorf("SQLiteTextOf: %s", text)
	}
}
