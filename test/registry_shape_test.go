package test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// regshapeAzure is an Azure provider source tree written the way the public
// registry's newer documents are (snake_case parameters, the api-version
// only in the path keys, an objectKey beyond its schema).
const regshapeAzure = "../pkg/registry/testdata/regshape/azure"

// TestInstalledSourceTreeIsQueriedAndServed: a source tree installed with
// --from-dir is what queries and --sandbox use over the built-in azure
// v0.1.0, though its version (v00.00.00000) is lower; a pin brings the
// built-in one back, for the sandbox too.
func TestInstalledSourceTreeIsQueriedAndServed(t *testing.T) {
	appDir := t.TempDir()
	r := runSkyql(t, nil, "--app-dir", appDir, "registry", "pull", "--from-dir", regshapeAzure).mustSucceed(t)
	src, _ := filepath.Abs(filepath.Join(regshapeAzure, "v00.00.00000"))
	if !strings.Contains(r.stdout, "installed azure v00.00.00000 from "+src) || !strings.Contains(r.stderr, "skyql: warning: azure v00.00.00000") {
		t.Fatalf("pull --from-dir:\n%s%s", r.stdout, r.stderr)
	}

	query := fmt.Sprintf("SELECT name, resource_group_name FROM azure.storage.accounts WHERE subscription_id = '%s' AND resource_group_name = '%s'", sub, rg)
	rows := jsonRows(t, runSkyql(t, nil, "--app-dir", appDir, "exec", "--sandbox", "-o", "json", query).mustSucceed(t).stdout)
	if len(rows) == 0 {
		t.Fatalf("the sandbox served no storage account of %s through the installed documents", rg)
	}
	for _, row := range rows {
		if row["resource_group_name"] != rg {
			t.Errorf("row of another resource group: %v", row)
		}
	}

	pinned := runSkyql(t, nil, "--app-dir", appDir, "--registry", `{"pins":{"azure":"v0.1.0"}}`, "exec", "--sandbox", "-o", "json",
		"SELECT count(*) AS n FROM azure.data_protection.backup_instances WHERE "+instancesWhere+" AND vaultName = '"+vault+"'").mustSucceed(t)
	if n := jsonRows(t, pinned.stdout); len(n) != 1 || fmt.Sprint(n[0]["n"]) == "0" {
		t.Errorf("pinned to the built-in v0.1.0, the sandbox counted %v backup instances", n)
	}
	runSkyql(t, nil, "--app-dir", appDir, "exec", "--sandbox", "SELECT count(*) FROM azure.data_protection.backup_instances").
		mustFail(t, "unknown service azure.data_protection")
}
