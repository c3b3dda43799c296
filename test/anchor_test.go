package test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/skyql/skyql/pkg/emulator"
	"github.com/skyql/skyql/pkg/parser"
)

// statementEnd ends a statement of the anchor corpus: `;` at the end of a line.
var statementEnd = regexp.MustCompile(`;[ \t]*\n`)

// TestAnchorCorpus runs the queries of testdata/anchor, written the way the
// anchor tool's documentation writes them (bare $filter and If-Match,
// snake_case parameters, REPLACE ... SET, hints, @@json): every statement
// must parse, plan (a dry run) and run against the emulator, and print what
// its `-- expect:` lines say (its dry run, what `-- expect-plan:` lines say).
func TestAnchorCorpus(t *testing.T) {
	files, err := filepath.Glob("testdata/anchor/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus in testdata/anchor: %v", err)
	}
	var total, parsed, planned, ran int
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(filepath.Base(file), func(t *testing.T) {
			sb := startEmulator(t, emulator.Options{})
			for _, text := range statementEnd.Split(string(src)+"\n", -1) {
				stmts, err := parser.Parse(text)
				if err == nil && len(stmts) == 0 {
					continue // comments only
				}
				total++
				if err != nil {
					t.Errorf("does not parse: %v", err)
					continue
				}
				parsed++
				plan := sb.skyql(t, "exec", "--dry-run", "--", text)
				if plan.code != 0 {
					t.Errorf("does not plan (--dry-run, exit %d):\n%s\n%s", plan.code, text, plan.stderr)
					continue
				}
				planned++
				expect(t, text, "-- expect-plan:", "dry run", plan.stderr)
				r := sb.skyql(t, "exec", "-o", "json", "--", text)
				if r.code != 0 {
					t.Errorf("does not run (exit %d):\n%s\n%s", r.code, text, r.stderr)
					continue
				}
				ran++
				expect(t, text, "-- expect:", "output", r.stdout)
			}
		})
	}
	t.Logf("anchor corpus: %d statements: %d parse, %d plan, %d run", total, parsed, planned, ran)
	if total == 0 || ran != total {
		t.Errorf("%d of %d statements of the anchor corpus do not run", total-ran, total)
	}
}

// expect checks that printed (the dry run's or the output) holds the text
// of each of the statement's lines starting with prefix.
func expect(t *testing.T, text, prefix, what, printed string) {
	t.Helper()
	for _, line := range strings.Split(text, "\n") {
		want, ok := strings.CutPrefix(strings.TrimSpace(line), prefix)
		if want = strings.TrimSpace(want); ok && !strings.Contains(printed, want) {
			t.Errorf("%s lacks %s:\n%s\n-- printed:\n%s", what, want, text, printed)
		}
	}
}

// A $-name that is no parameter of the table is an error naming it, not an
// empty result (SQLite reads an unknown "$filter" as a string).
func TestAnchorDollarNameThatIsNoParameter(t *testing.T) {
	sb := startEmulator(t, emulator.Options{})
	for _, name := range []string{`$filter`, `"$filter"`} {
		sb.skyql(t, "exec", "SELECT name FROM azure.network.virtual_networks WHERE subscriptionId = '"+sub+"' AND "+name+" = 'x'").
			mustFail(t, "no such column: $filter", "no method that reads azure.network.virtual_networks takes a query parameter $filter (DESCRIBE azure.network.virtual_networks")
	}
}
