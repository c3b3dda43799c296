package cli

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/skyql/skyql/pkg/shell"
)

func TestShellRunsAScriptAndFailsIfAnyStatementFailed(t *testing.T) {
	var out, errOut bytes.Buffer
	script := "SELECT 1 AS one;\nSELECT * FROM nope.svc.things;\nSELECT 2\n  AS two;\n"
	code := Main([]string{"--app-dir", t.TempDir(), "-o", "csv", "shell"}, strings.NewReader(script), &out, &errOut)
	if code != exitError {
		t.Fatalf("exit %d, want %d; stderr %q", code, exitError, errOut.String())
	}
	if got, want := out.String(), "one\n1\ntwo\n2\n"; got != want {
		t.Errorf("stdout %q, want %q", got, want)
	}
	for _, want := range []string{"statement on line 2: unknown provider nope", "1 of 3 statements failed"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut.String())
		}
	}
}

func TestShellCompletesFromTheCatalogsProviders(t *testing.T) {
	schema := shell.CatalogSchema(newCatalog(t.TempDir(), nil))
	if got := schema.Children(""); !slices.Contains(got, "azure") {
		t.Fatalf("providers: %q", got)
	}
	if got := schema.Children("azure"); !slices.Contains(got, "azure.data_protection") {
		t.Fatalf("azure's services: %q", got)
	}
}
