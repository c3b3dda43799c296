package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// registryFlag is the --registry JSON for a file registry trusting pubFile.
func registryFlag(t *testing.T, dist, pubFile string) string {
	t.Helper()
	cfg, err := json.Marshal(map[string]any{
		"url":          "file://" + filepath.ToSlash(dist),
		"verifyConfig": map[string]any{"publicKeyFiles": []string{pubFile}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(cfg)
}

func TestRegistryKeygenBuildListPull(t *testing.T) {
	keys, dist, appDir := t.TempDir(), t.TempDir(), t.TempDir()
	code, out, errOut := run("registry", "keygen", "--out", keys)
	if code != exitOK || !strings.Contains(out, "publicKeys") {
		t.Fatalf("keygen: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	key := filepath.Join(keys, "skyql-registry.key")
	code, _, errOut = run("registry", "build", "../registry/testdata/src", dist, "--key", key)
	if code != exitOK {
		t.Fatalf("build: exit %d, stderr %q", code, errOut)
	}
	reg := registryFlag(t, dist, filepath.Join(keys, "skyql-registry.pub"))

	code, out, errOut = run("--registry", reg, "--app-dir", appDir, "registry", "pull", "tiny")
	wantDir := filepath.Join(appDir, "src", "tiny", "v0.10.0")
	if code != exitOK || !strings.Contains(out, "pulled tiny v0.10.0 into "+wantDir) {
		t.Fatalf("pull: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(wantDir, "services", "widgets.yaml")); err != nil {
		t.Errorf("pulled service document missing: %v", err)
	}

	code, out, errOut = run("--registry", reg, "--app-dir", appDir, "registry", "list")
	if code != exitOK {
		t.Fatalf("list: exit %d, stderr %q", code, errOut)
	}
	wantList := "PROVIDER  NEWEST   INSTALLED\ngadgets   v1.0.0   -\ntiny      v0.10.0  v0.10.0\n"
	if out != wantList {
		t.Errorf("list output\n%s\nwant\n%s", out, wantList)
	}
	code, out, _ = run("--registry", reg, "--app-dir", appDir, "registry", "list", "tiny")
	if code != exitOK || out != "VERSION  INSTALLED\nv0.10.0  yes\nv0.1.0   -\n" {
		t.Errorf("list tiny: exit %d\n%s", code, out)
	}
	wantBoth := "VERSION  INSTALLED\nv0.10.0  yes\nv0.1.0   yes\n"

	code, out, errOut = run("--registry", reg, "--app-dir", appDir, "registry", "pull", "tiny@v0.1.0")
	if code != exitOK || !strings.Contains(out, "pulled tiny v0.1.0 into ") {
		t.Fatalf("pull tiny@v0.1.0: exit %d, stdout %q, stderr %q", code, out, errOut)
	}

	code, _, errOut = run("--registry", reg, "--app-dir", appDir, "registry", "pull", "tiny", "v3.0.0")
	if code != exitError || !strings.Contains(errOut, "no version v3.0.0 of tiny; available: v0.10.0, v0.1.0") {
		t.Errorf("pull of an unknown version: exit %d, stderr %q", code, errOut)
	}

	t.Setenv("SKYQL_REGISTRY", reg) // the default when --registry is not given
	code, out, errOut = run("--app-dir", appDir, "registry", "list", "tiny")
	if code != exitOK || out != wantBoth {
		t.Errorf("list tiny from SKYQL_REGISTRY: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestRegistryRemove(t *testing.T) {
	keys, dist, appDir := t.TempDir(), t.TempDir(), t.TempDir()
	if code, _, errOut := run("registry", "keygen", "--out", keys); code != exitOK {
		t.Fatalf("keygen: %s", errOut)
	}
	if code, _, errOut := run("registry", "build", "../registry/testdata/src", dist, "--key", filepath.Join(keys, "skyql-registry.key")); code != exitOK {
		t.Fatalf("build: %s", errOut)
	}
	reg := registryFlag(t, dist, filepath.Join(keys, "skyql-registry.pub"))
	for _, version := range []string{"v0.1.0", "v0.10.0"} {
		if code, _, errOut := run("--registry", reg, "--app-dir", appDir, "registry", "pull", "tiny", version); code != exitOK {
			t.Fatalf("pull tiny %s: %s", version, errOut)
		}
	}

	code, out, errOut := run("--app-dir", appDir, "registry", "remove", "tiny@v0.10.0")
	if code != exitOK || out != "removed tiny v0.10.0 from "+filepath.Join(appDir, "src", "tiny", "v0.10.0")+"\n" {
		t.Fatalf("remove tiny@v0.10.0: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, _, errOut = run("--app-dir", appDir, "registry", "remove", "tiny@v0.10.0")
	if code != exitError || !strings.Contains(errOut, "version v0.10.0 of tiny was not pulled; pulled versions: v0.1.0") {
		t.Errorf("removing it again: exit %d, stderr %q", code, errOut)
	}
	code, out, _ = run("--app-dir", appDir, "registry", "remove", "tiny")
	if code != exitOK || !strings.Contains(out, "removed tiny v0.1.0") {
		t.Errorf("remove tiny: exit %d, stdout %q", code, out)
	}
	if _, err := os.Stat(filepath.Join(appDir, "src", "tiny")); !os.IsNotExist(err) {
		t.Errorf("the provider's folder is left behind: %v", err)
	}
	code, _, errOut = run("--app-dir", appDir, "registry", "remove", "azure")
	if code != exitError || !strings.Contains(errOut, "providers built into skyql cannot be removed") {
		t.Errorf("removing the built-in azure: exit %d, stderr %q", code, errOut)
	}
}

func TestRegistrySkipVerifyWarnsAndUntrustedKeyFails(t *testing.T) {
	keys, dist := t.TempDir(), t.TempDir()
	if code, _, errOut := run("registry", "keygen", "--out", keys, "--format", "base64"); code != exitOK {
		t.Fatalf("keygen: %s", errOut)
	}
	if code, _, errOut := run("registry", "build", "../registry/testdata/src", dist, "--key", filepath.Join(keys, "skyql-registry.key")); code != exitOK {
		t.Fatalf("build: %s", errOut)
	}
	reg := `{"url":"file://` + filepath.ToSlash(dist) + `"}`

	code, _, errOut := run("--registry", reg, "--app-dir", t.TempDir(), "registry", "pull", "gadgets")
	if code != exitError || !strings.Contains(errOut, "bad signature for provider.yaml") {
		t.Errorf("pull signed by an untrusted key: exit %d, stderr %q", code, errOut)
	}
	code, out, errOut := run("--registry", reg, "--app-dir", t.TempDir(), "registry", "pull", "gadgets", "--insecure-skip-verify")
	if code != exitOK || !strings.Contains(out, "pulled gadgets v1.0.0") || !strings.Contains(errOut, "WARNING: signature verification is OFF") {
		t.Errorf("pull with --insecure-skip-verify: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestRegistrySign(t *testing.T) {
	keys := t.TempDir()
	if code, _, errOut := run("registry", "keygen", "--out", keys); code != exitOK {
		t.Fatalf("keygen: %s", errOut)
	}
	doc := filepath.Join(t.TempDir(), "provider.yaml")
	if err := os.WriteFile(doc, []byte("id: tiny\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run("registry", "sign", doc, "--key", filepath.Join(keys, "skyql-registry.key"))
	if code != exitOK || !strings.Contains(out, "wrote "+doc+".sig") {
		t.Fatalf("sign: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if sig, err := os.ReadFile(doc + ".sig"); err != nil || len(sig) != 88 {
		t.Errorf("signature file: %d bytes (%v), want 88 base64 characters", len(sig), err)
	}
	if code, _, errOut := run("registry", "sign", doc); code != exitUsage || !strings.Contains(errOut, "--key") {
		t.Errorf("sign without --key: exit %d, stderr %q", code, errOut)
	}
}

func TestRegistryUsageErrors(t *testing.T) {
	t.Setenv("SKYQL_REGISTRY", "")
	if code, _, errOut := run("--app-dir", t.TempDir(), "registry", "list"); code != exitUsage || !strings.Contains(errOut, "no registry set: pass --registry") || !strings.Contains(errOut, "set SKYQL_REGISTRY") {
		t.Errorf("list without --registry: exit %d, stderr %q", code, errOut)
	}
	if code, _, errOut := run("--registry", `{"url":"http://example.com/dist"}`, "registry", "list"); code != exitError || !strings.Contains(errOut, "loopback") {
		t.Errorf("plain http registry: exit %d, stderr %q", code, errOut)
	}
	if code, _, errOut := run("--registry", `{"uri":"x"}`, "registry", "list"); code != exitUsage || !strings.Contains(errOut, `unknown field "uri"`) {
		t.Errorf("misspelt --registry key: exit %d, stderr %q", code, errOut)
	}
	if code, _, errOut := run("registry", "pull"); code != exitUsage || !strings.Contains(errOut, "registry pull needs a provider") || !strings.Contains(errOut, "--from-dir") {
		t.Errorf("pull without a provider: exit %d, stderr %q", code, errOut)
	}
	if code, _, errOut := run("registry", "pull", "tiny@0.1"); code != exitUsage || !strings.Contains(errOut, `invalid version "0.1"`) {
		t.Errorf("pull of a malformed provider@version: exit %d, stderr %q", code, errOut)
	}
	if code, _, errOut := run("registry", "pull", "tiny", "--from-dir", "."); code != exitUsage || !strings.Contains(errOut, "--from-dir takes no provider") {
		t.Errorf("pull of a provider with --from-dir: exit %d, stderr %q", code, errOut)
	}
}

func TestAppDirectoryPrecedence(t *testing.T) {
	t.Setenv("SKYQL_HOME", "/srv/skyql-home")
	opts := &globalOptions{}
	if dir, err := opts.appDirectory(); err != nil || dir != "/srv/skyql-home" {
		t.Errorf("with SKYQL_HOME: %q, %v", dir, err)
	}
	opts.appDir = "/srv/flag-dir"
	if dir, err := opts.appDirectory(); err != nil || dir != "/srv/flag-dir" {
		t.Errorf("with --app-dir: %q, %v", dir, err)
	}
	t.Setenv("SKYQL_HOME", "")
	t.Setenv("XDG_CONFIG_HOME", "/srv/config")
	opts.appDir = ""
	if dir, err := opts.appDirectory(); err != nil || dir != "/srv/config/skyql" {
		t.Errorf("default: %q, %v", dir, err)
	}
}

// TestRegistryPullFromDirAndPins: a source tree in the public registry's
// shape installs with its warnings shown, SHOW PROVIDERS lists it beside
// the built-in version it is used over, and a pin picks the built-in one.
func TestRegistryPullFromDirAndPins(t *testing.T) {
	appDir := t.TempDir()
	src, err := filepath.Abs("../registry/testdata/regshape/azure/v00.00.00000")
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run("--app-dir", appDir, "registry", "pull", "--from-dir", src)
	if code != exitOK || !strings.Contains(out, "installed azure v00.00.00000 from "+src+" into "+filepath.Join(appDir, "src", "azure", "v00.00.00000")) {
		t.Fatalf("pull --from-dir: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if !strings.Contains(errOut, `skyql: warning: azure v00.00.00000: `) || !strings.Contains(errOut, `objectKey: $.value: the response schema has no property "value"`) {
		t.Errorf("pull --from-dir printed no warning for the objectKey beyond its schema: %q", errOut)
	}

	code, out, errOut = run("--app-dir", appDir, "-o", "csv", "exec", "SHOW PROVIDERS LIKE 'azure'")
	if code != exitOK || !strings.Contains(out, "azure,v00.00.00000,from-dir,"+src+",true") || !strings.Contains(out, "azure,v0.1.0,embedded,,false") {
		t.Fatalf("SHOW PROVIDERS: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, out, errOut = run("--app-dir", appDir, "-o", "csv", "exec", "SHOW RESOURCES IN azure.storage")
	if code != exitOK || out != "name,id,description\naccounts,azure.storage.accounts,\nusages,azure.storage.usages,\n" {
		t.Errorf("SHOW RESOURCES of the installed source tree: exit %d, stdout %q, stderr %q", code, out, errOut)
	}

	pinned := `{"pins":{"azure":"v0.1.0"}}`
	code, out, errOut = run("--app-dir", appDir, "--registry", pinned, "-o", "csv", "exec", "SHOW PROVIDERS LIKE 'azure'")
	if code != exitOK || !strings.Contains(out, "azure,v00.00.00000,from-dir,"+src+",false") || !strings.Contains(out, "azure,v0.1.0,embedded,,true") {
		t.Errorf("SHOW PROVIDERS pinned to v0.1.0: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if err := os.WriteFile(filepath.Join(appDir, "config.json"), []byte(`{"pins":{"azure":"v9.0.0"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = run("--app-dir", appDir, "exec", "SHOW SERVICES IN azure")
	if code == exitOK || !strings.Contains(errOut, "provider azure is pinned to v9.0.0, which is not installed") {
		t.Errorf("a pin in config.json to a missing version: exit %d, stderr %q", code, errOut)
	}
	code, _, errOut = run("--app-dir", appDir, "--registry", `{"pins":{"okta":"v00.00.00000"}}`, "exec", "SHOW RESOURCES IN okta.user")
	if code == exitOK || !strings.Contains(errOut, "provider okta is pinned to v00.00.00000, which is not installed (installed: none); install it with `skyql registry pull okta@v00.00.00000`") {
		t.Errorf("a pin for a provider never installed: exit %d, stderr %q", code, errOut)
	}
	code, _, errOut = run("--app-dir", appDir, "--registry", `{"pins":{"azure":"latest"}}`, "exec", "SHOW PROVIDERS")
	if code != exitUsage || !strings.Contains(errOut, `pins.azure: invalid version "latest"`) {
		t.Errorf("a malformed pin: exit %d, stderr %q", code, errOut)
	}
}
