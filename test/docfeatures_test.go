package test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skyql/skyql/pkg/registry"
)

// TestRegistryDocumentFeatures installs a provider whose documents use the
// public registry's features (the kitchen provider of pkg/engine's tests:
// views, server variables, response transforms) through a signed registry,
// and queries it with the real binary.
func TestRegistryDocumentFeatures(t *testing.T) {
	work := t.TempDir()
	src, dist, keys, appDir := filepath.Join(work, "src"), filepath.Join(work, "dist"), filepath.Join(work, "keys"), filepath.Join(work, "app")
	copyTree(t, "../pkg/engine/testdata/kitchen", filepath.Join(src, "kitchen"))
	run := func(args ...string) result { t.Helper(); return runSkyql(t, nil, args...).mustSucceed(t) }
	if out := run("provider", "validate", src).stdout; strings.Count(out, ": ok") != 3 {
		t.Fatalf("validate:\n%s", out)
	}
	run("registry", "keygen", "--out", keys)
	run("registry", "build", src, dist, "--key", filepath.Join(keys, registry.PrivateKeyFile))
	reg := fmt.Sprintf(`{"url":%q,"verifyConfig":{"publicKeyFiles":[%q]}}`, "file://"+filepath.ToSlash(dist), filepath.Join(keys, registry.PublicKeyFile))
	run("--app-dir", appDir, "--registry", reg, "registry", "pull", "kitchen")

	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/formula/"):
			name := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/formula/"), ".json")
			json.NewEncoder(w).Encode(map[string]any{"name": name, "license": "MIT", "versions": map[string]string{"stable": "2." + name}})
		case r.URL.Path == "/secrets":
			json.NewEncoder(w).Encode(map[string]any{"value": []any{map[string]any{"id": "s1", "enabled": true}}})
		case r.URL.Path == "/metrics":
			io.WriteString(w, "up 1\n")
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(api.Close)
	query := func(sql string) result {
		t.Helper()
		return runSkyql(t, nil, "--app-dir", appDir, "--endpoint", "kitchen="+api.URL, "--no-cache", "exec", "-o", "csv", sql)
	}
	for sql, want := range map[string]string{
		// A view, as a template: the query's formula replaces the definition's.
		"SELECT formula_name, latest_version FROM kitchen.formula.vw_info WHERE formula_name = 'jq'": "formula_name,latest_version\njq,2.jq\n",
		// A server variable is a parameter, given in WHERE and kept as a column.
		"SELECT id, vault_name FROM kitchen.secrets.secrets WHERE vault_name = 'kv-prod-01'": "id,vault_name\ns1,kv-prod-01\n",
		// A text/plain answer reshaped by the document's template.
		"SELECT contents FROM kitchen.reports.metrics": "contents\n\"up 1\n\"\n",
		"SHOW METHODS IN kitchen.secrets.secrets":      "MethodName,RequiredParams,SQLVerb,description\nget_secrets,vault_name,SELECT,\n",
	} {
		if got := query(sql).mustSucceed(t).stdout; got != want {
			t.Errorf("%s:\n got %q\nwant %q", sql, got, want)
		}
	}
	query("SELECT id FROM kitchen.secrets.secrets").mustFail(t, "vault_name")
	query("SELECT * FROM kitchen.formula.vw_other_dialect").mustFail(t, "view kitchen.formula.vw_other_dialect is defined only for oracle")
}
