package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/skyql/skyql/pkg/provider"
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

func TestShellCompletesProvidersServicesAndResources(t *testing.T) {
	names := &nameCompleter{catalog: newCatalog(t.TempDir()), providers: map[string]*provider.Provider{}}
	if got := names.complete("az"); len(got) != 1 || got[0] != "azure." {
		t.Fatalf("completing az: %q", got)
	}
	services := names.complete("azure.data_prot")
	if len(services) != 1 || services[0] != "azure.data_protection." {
		t.Fatalf("completing azure.data_prot: %q", services)
	}
	resources := names.complete("azure.data_protection.backup_inst")
	if len(resources) == 0 || resources[0] != "azure.data_protection.backup_instances" {
		t.Fatalf("completing azure.data_protection.backup_inst: %q", resources)
	}
}
