package planner

import (
	"errors"
	"strings"
	"testing"

	"github.com/skyql/skyql/pkg/parser"
	"github.com/skyql/skyql/pkg/provider"
)

// The provider model's own test provider: acme.storage.items has
// Items_Get (itemName, subscriptionId, vaultName) and Items_List
// (subscriptionId, vaultName).
func resolver(t *testing.T) Resolver {
	t.Helper()
	p, err := provider.LoadDir("../provider/testdata/acme/v1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	return func(q parser.QualifiedName) (*provider.Resource, error) {
		s, err := p.Service(q.Service)
		if err != nil {
			return nil, err
		}
		return s.Resource(q.Resource)
	}
}

func plan(t *testing.T, sql string) (*Plan, error) {
	t.Helper()
	stmts, err := parser.Parse(sql)
	if err != nil {
		t.Fatal(err)
	}
	return PlanSelect(stmts[0].(*parser.Select), resolver(t), Options{})
}

func TestMostSpecificMethodWins(t *testing.T) {
	p, err := plan(t, "SELECT * FROM acme.storage.items WHERE subscriptionId = 's' AND vaultName = 'v' AND itemName = lower('X')")
	if err != nil {
		t.Fatal(err)
	}
	tbl := p.Tables[0]
	if tbl.Method.Name != "Items_Get" {
		t.Fatalf("method %s, want Items_Get", tbl.Method.Name)
	}
	var got []string
	for _, b := range tbl.Constants {
		got = append(got, b.Param+"="+b.Values[0].SQL)
	}
	if strings.Join(got, " ") != "itemName=lower('X') subscriptionId='s' vaultName='v'" {
		t.Fatalf("bindings %v", got)
	}

	p, err = plan(t, "SELECT * FROM acme.storage.items WHERE subscriptionId = 's' AND vaultName IN ('a', 'b', 'c')")
	if err != nil {
		t.Fatal(err)
	}
	if m := p.Tables[0].Method.Name; m != "Items_List" {
		t.Fatalf("method %s, want Items_List", m)
	}
	for _, b := range p.Tables[0].Constants {
		if b.Param == "vaultName" && len(b.Values) != 3 {
			t.Fatalf("IN list gave %d values", len(b.Values))
		}
	}
}

func TestJoinBindsParametersAndOrdersTables(t *testing.T) {
	p, err := plan(t, `SELECT b.name FROM acme.storage.items a
		JOIN acme.storage.items b ON b.itemName = a.name AND b.vaultName = split_part(a.id, '/', 4)
		WHERE a.subscriptionId = 's' AND a.vaultName = 'v' AND b.subscriptionId = 's'`)
	if err != nil {
		t.Fatal(err)
	}
	if p.Tables[0].Alias() != "a" || p.Tables[1].Alias() != "b" {
		t.Fatalf("order %s, %s: the source must come first", p.Tables[0].Alias(), p.Tables[1].Alias())
	}
	b := p.Tables[1]
	if b.Method.Name != "Items_Get" || len(b.Joins) != 2 || b.Joins[0].Source != p.Tables[0] {
		t.Fatalf("b: method %s, joins %+v", b.Method.Name, b.Joins)
	}
	if b.Joins[1].Param != "vaultName" || b.Joins[1].Expr.SQL != "split_part(a.id, '/', 4)" {
		t.Fatalf("vaultName binding %+v", b.Joins[1])
	}
}

func TestMissingParameterNamesItAndTheMethods(t *testing.T) {
	_, err := plan(t, "SELECT * FROM acme.storage.items WHERE subscriptionId = 's'")
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"missing required parameter(s) vaultName", "Items_List: subscriptionId, vaultName", "Items_Get: itemName, subscriptionId, vaultName"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestCyclicJoinIsRefused(t *testing.T) {
	_, err := plan(t, `SELECT 1 FROM acme.storage.items a JOIN acme.storage.items b
		ON a.vaultName = b.name AND b.vaultName = a.name WHERE a.subscriptionId = 's' AND b.subscriptionId = 's'`)
	if err == nil || !strings.Contains(err.Error(), "Its join conditions with b were not used") || !strings.Contains(err.Error(), "split_part(b.id") {
		t.Fatalf("got %v, want an error that says the join was set aside and how to give the parameters", err)
	}
}

func TestUnknownResourceKeepsTheSuggestion(t *testing.T) {
	_, err := plan(t, "SELECT * FROM acme.storage.itemz WHERE subscriptionId = 's'")
	if err == nil || !strings.Contains(err.Error(), "did you mean acme.storage.items?") {
		t.Fatalf("got %v", err)
	}
}

func TestASubqueryGivesNoParameterValuesAndTheErrorSaysSo(t *testing.T) {
	_, err := plan(t, "SELECT * FROM acme.storage.items i WHERE subscriptionId = 's' AND i.vaultName IN (SELECT name FROM acme.storage.items WHERE subscriptionId = 's' AND vaultName = 'v')")
	var me *MissingParamsError
	if !errors.As(err, &me) || strings.Join(me.FromSubqueries, ",") != "vaultName" {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), "vaultName IN (SELECT ...) does not give vaultName values: skyql takes them from a join") {
		t.Errorf("the error does not say what to do instead:\n%v", err)
	}
}

func TestAnOuterJoinsOnDoesNotNarrowItsPreservedSide(t *testing.T) {
	p, err := plan(t, `SELECT * FROM acme.storage.items a
		LEFT JOIN acme.storage.items b ON b.vaultName = a.name AND b.subscriptionId = 's' AND a.itemName = 'x'
		WHERE a.subscriptionId = 's' AND a.vaultName = 'v'`)
	if err != nil {
		t.Fatal(err)
	}
	methods := map[string]string{}
	for _, tbl := range p.Tables {
		methods[tbl.Alias()] = tbl.Method.Name
	}
	// a keeps every item: its ON condition only decides which b rows join.
	if methods["a"] != "Items_List" || methods["b"] != "Items_List" {
		t.Fatalf("methods %v; want a listed whole, b listed per a's rows", methods)
	}
	if b := p.Tables[1]; len(b.Joins) != 1 || b.Joins[0].Param != "vaultName" {
		t.Fatalf("b's joins %+v", b.Joins)
	}
}
