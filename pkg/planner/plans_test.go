package planner

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/skyql/skyql/pkg/internal/goldentest"
	"github.com/skyql/skyql/pkg/parser"
	"github.com/skyql/skyql/pkg/provider"
)

var update = flag.Bool("update", false, "rewrite testdata/plans.golden from the current plans")

// The planner's tests are data: each statement of testdata/plans.sql
// (separated by blank lines) is planned against the committed Azure
// provider and the provider model's test provider acme (acme.storage.items
// has Items_Get (itemName, subscriptionId, vaultName) and Items_List
// (subscriptionId, vaultName)), and its plan or error is compared with
// testdata/plans.golden.
func TestPlans(t *testing.T) {
	input, err := os.ReadFile("testdata/plans.sql")
	if err != nil {
		t.Fatal(err)
	}
	resolve := resolver(t)
	var out strings.Builder
	for _, chunk := range strings.Split(strings.TrimSpace(string(input)), "\n\n") {
		out.WriteString(chunk + "\n")
		stmts, err := parser.Parse(chunk)
		if err != nil {
			t.Fatalf("%s: %v", chunk, err)
		}
		for _, line := range describe(stmts[0], resolve) {
			out.WriteString("=> " + line + "\n")
		}
		out.WriteString("\n")
	}
	const golden = "testdata/plans.golden"
	if *update {
		if err := os.WriteFile(golden, []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != string(want) {
		t.Errorf("plans differ from %s at line %d (go test ./pkg/planner -update rewrites it if the change is intended):\n%s",
			golden, goldentest.FirstDifferentLine(string(want), got), got)
	}
}

// describe is a statement's plan, a line per level, or its error.
func describe(st parser.Statement, resolve Resolver) []string {
	var levels []Level
	var lines []string
	switch st := st.(type) {
	case *parser.Select:
		plan, err := PlanSelect(st, resolve, Options{MaxCalls: 50})
		if err != nil {
			return strings.Split("error: "+err.Error(), "\n")
		}
		levels = plan.Levels()
		for _, t := range plan.Tables {
			if t.RowLimit > 0 {
				lines = append(lines, fmt.Sprintf("%s stops each call after %d rows", t.Alias(), t.RowLimit))
			}
		}
	default:
		plan, err := PlanWrite(st, resolve)
		if err != nil {
			return strings.Split("error: "+err.Error(), "\n")
		}
		levels = plan.Levels()
	}
	var out []string
	for _, l := range levels {
		out = append(out, l.String())
	}
	return append(out, lines...)
}

// resolver finds acme resources in the provider model's test provider and
// azure ones in the committed documents.
func resolver(t *testing.T) Resolver {
	t.Helper()
	providers := map[string]*provider.Provider{}
	for name, dir := range map[string]string{"acme": "../provider/testdata/acme/v1.0.0", "azure": "../../registry/src/azure/v0.1.0"} {
		p, err := provider.LoadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		providers[name] = p
	}
	return func(q parser.QualifiedName) (*provider.Resource, error) {
		p, ok := providers[q.Provider]
		if !ok {
			return nil, fmt.Errorf("unknown provider %s", q.Provider)
		}
		s, err := p.Service(q.Service)
		if err != nil {
			return nil, err
		}
		return s.Resource(q.Resource)
	}
}
