package test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skyql/skyql/pkg/emulator"
	"github.com/skyql/skyql/pkg/emulator/emulatortest"
	"github.com/skyql/skyql/pkg/provider"
	"github.com/skyql/skyql/pkg/registry"
)

// TestRegisterNonAzureProvider registers a provider end to end with the real binary: the
// Swagger Petstore OpenAPI 3 spec (testdata/petstore, Apache-2.0) becomes a
// provider, is built into a signed registry, listed over file:// and loopback
// HTTP, refused when tampered with, pulled into a fresh app directory, and
// queried against the emulator serving the pulled documents.
func TestRegisterNonAzureProvider(t *testing.T) {
	work := t.TempDir()
	src, dist, keys := filepath.Join(work, "src"), filepath.Join(work, "dist"), filepath.Join(work, "keys")
	run := func(args ...string) result { t.Helper(); return runSkyql(t, nil, args...).mustSucceed(t) }

	run("provider", "generate", "--spec", "testdata/petstore/petstore.yaml", "--name", "petstore",
		"--config", "testdata/petstore/config.yaml", "--out", src)
	if out := run("provider", "validate", src).stdout; !strings.Contains(out, "petstore.petstore") || !strings.Contains(out, "1 resources, 3 methods: ok") {
		t.Fatalf("validate: %s", out)
	}
	run("registry", "keygen", "--out", keys)
	run("registry", "build", src, dist, "--key", filepath.Join(keys, registry.PrivateKeyFile))

	httpRegistry := httptest.NewServer(http.FileServer(http.Dir(dist)))
	t.Cleanup(httpRegistry.Close)
	registryFlag := func(url string) string {
		return fmt.Sprintf(`{"url":%q,"verifyConfig":{"publicKeyFiles":[%q]}}`, url, filepath.Join(keys, registry.PublicKeyFile))
	}
	fileURL := "file://" + filepath.ToSlash(dist)
	for _, url := range []string{fileURL, httpRegistry.URL} {
		out := run("--app-dir", t.TempDir(), "--registry", registryFlag(url), "registry", "list").stdout
		if !strings.Contains(out, "petstore  v0.1.0  -") {
			t.Errorf("registry list via %s:\n%s", url, out)
		}
	}

	// One flipped byte in the archive: the pull is refused and nothing is installed.
	tampered := filepath.Join(work, "tampered")
	copyTree(t, dist, tampered)
	archive := filepath.Join(tampered, "petstore", "v0.1.0.tgz")
	data, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0x01
	if err := os.WriteFile(archive, data, 0o644); err != nil {
		t.Fatal(err)
	}
	victim := t.TempDir()
	r := runSkyql(t, nil, "--app-dir", victim, "--registry", registryFlag("file://"+filepath.ToSlash(tampered)), "registry", "pull", "petstore")
	if r.code == 0 || !strings.Contains(r.stderr, "pulling petstore v0.1.0: archive petstore/v0.1.0.tgz refused") || !strings.Contains(r.stderr, "nothing was installed") {
		t.Fatalf("a tampered archive was pulled (exit %d):\n%s%s", r.code, r.stdout, r.stderr)
	}
	if installed, err := registry.Installed(victim); err != nil || len(installed) != 0 {
		t.Fatalf("a refused pull installed %v (%v)", installed, err)
	}
	filepath.WalkDir(victim, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			t.Errorf("a refused pull left the file %s", path)
		}
		return nil
	})
	t.Logf("tampered pull refused: %s", strings.TrimSpace(r.stderr))

	appDir := t.TempDir()
	run("--app-dir", appDir, "--registry", registryFlag(httpRegistry.URL), "registry", "pull", "petstore")

	// The emulator serves the pulled documents, 10 pets a page.
	p, err := provider.LoadDir(filepath.Join(appDir, "src", "petstore", "v0.1.0"))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := p.Service("petstore")
	if err != nil {
		t.Fatal(err)
	}
	em, url := emulatortest.Start(t, []*provider.Service{svc}, emulator.Options{PageSize: 10})
	query := func(args ...string) result {
		t.Helper()
		full := append([]string{"--app-dir", appDir, "--endpoint", "petstore=" + url, "--no-cache"}, args...)
		return runSkyql(t, []string{"PETSTORE_API_KEY=" + em.Token()}, full...).mustSucceed(t)
	}

	if out := query("exec", "-o", "csv", "SHOW SERVICES IN petstore").stdout; !strings.Contains(out, "petstore") || !strings.Contains(out, "Swagger Petstore") {
		t.Errorf("SHOW SERVICES:\n%s", out)
	}
	if out := query("exec", "-o", "csv", "SHOW RESOURCES IN petstore.petstore").stdout; !strings.Contains(out, "pets") {
		t.Errorf("SHOW RESOURCES:\n%s", out)
	}
	described := query("exec", "-o", "csv", "DESCRIBE petstore.petstore.pets").stdout
	for _, col := range []string{"id,integer", "name,string", "tag,string"} {
		if !strings.Contains(described, col) {
			t.Errorf("DESCRIBE lacks %q:\n%s", col, described)
		}
	}

	// A query parameter: limit sets the page size, so 45 pets come in 9 pages.
	before := em.Stats().Pages
	rows := jsonRows(t, query("exec", "-o", "json", "SELECT id, name, tag FROM petstore.petstore.pets WHERE `limit` = 5 ORDER BY id").stdout)
	if len(rows) != emulator.DefaultItemsPerCollection || rows[0]["name"] != "pet-001" {
		t.Fatalf("limit = 5: %d rows, first %v", len(rows), rows[:min(1, len(rows))])
	}
	if pages := em.Stats().Pages - before; pages != 9 {
		t.Errorf("limit = 5 took %d pages of the emulator, want 9", pages)
	}

	// Without it, the emulator's 10 a page: every pet arrives across 5 pages.
	before = em.Stats().Pages
	count := query("exec", "-o", "csv", "SELECT count(*) AS n, count(DISTINCT id) AS ids FROM petstore.petstore.pets").stdout
	if want := fmt.Sprintf("n,ids\n%d,%d\n", emulator.DefaultItemsPerCollection, emulator.DefaultItemsPerCollection); count != want {
		t.Errorf("count: %q, want %q", count, want)
	}
	if pages := em.Stats().Pages - before; pages != 5 {
		t.Errorf("the count took %d pages, want 5", pages)
	}

	// The item path parameter picks showPetById.
	one := query("exec", "-o", "csv", "SELECT id, name FROM petstore.petstore.pets WHERE petId = '7'").stdout
	if one != "id,name\n7,pet-007\n" {
		t.Errorf("petId = '7': %q", one)
	}
	if routes := em.Stats().ByRoute; routes["GET /pets/{petId}"] != 1 {
		t.Errorf("routes served: %v", routes)
	}

	// Without the key the API answers 401 and the query says so.
	r = runSkyql(t, []string{"PETSTORE_API_KEY=wrong"}, "--app-dir", appDir, "--endpoint", "petstore="+url, "--no-cache",
		"exec", "SELECT id FROM petstore.petstore.pets")
	r.mustFail(t, "401")

	// --sandbox serves the pulled provider too, beside Azure, with the
	// sandbox's token in the header its api_key config names: no key needed.
	r = runSkyql(t, []string{"PETSTORE_API_KEY="}, "--app-dir", appDir, "exec", "--sandbox", "-o", "csv",
		"SELECT count(*) AS n FROM petstore.petstore.pets").mustSucceed(t)
	if want := fmt.Sprintf("n\n%d\n", emulator.DefaultItemsPerCollection); r.stdout != want || !strings.Contains(r.stderr, "petstore served with sample data") {
		t.Errorf("--sandbox count: %q (stderr %q), want %q", r.stdout, r.stderr, want)
	}
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	if err := os.CopyFS(to, os.DirFS(from)); err != nil {
		t.Fatal(err)
	}
}
