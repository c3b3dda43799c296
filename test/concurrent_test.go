package test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/skyql/skyql/pkg/emulator"
)

// Processes sharing an app directory that list the same 20,000 backup
// instances at once on a fresh cache fetch them once: each prints every
// instance exactly once, and the emulator serves the list's pages once.
// (Before leases, four such processes printed 31,700 to 48,900 rows.)
func TestConcurrentProcessesFetchACallOnce(t *testing.T) {
	const instances, processes = 20000, 4
	sb := startEmulator(t, emulator.Options{Dataset: emulator.SingleVault(instances)})
	appDir := t.TempDir()
	args := []string{"--endpoint", "azure=" + sb.url, "--app-dir", appDir,
		"--auth", `{"azure":{"type":"bearer","credentialsenvvar":"` + tokenEnv + `"}}`, "exec", "-o", "csv",
		fmt.Sprintf("SELECT name FROM azure.data_protection.backup_instances WHERE %s AND vaultName = '%s'", instancesWhere, vault)}
	env := []string{tokenEnv + "=" + sb.Token()}
	results := make([]result, processes)
	var wg sync.WaitGroup
	for i := range results {
		wg.Go(func() { results[i] = runSkyql(t, env, args...) })
	}
	wg.Wait()
	for i, r := range results {
		r.mustSucceed(t)
		lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
		names := map[string]bool{}
		for _, name := range lines[1:] {
			names[name] = true
		}
		if len(lines)-1 != instances || len(names) != instances {
			t.Errorf("process %d printed %d rows, %d distinct; want %d of each", i, len(lines)-1, len(names), instances)
		}
	}
	if pages, want := sb.Stats().Pages, int64(instances/100); pages != want {
		t.Errorf("the emulator served %d list pages; want %d, one fetch", pages, want)
	}
	count := runSkyql(t, env, append(args[:len(args)-1:len(args)-1],
		fmt.Sprintf("SELECT count(*) AS n FROM azure.data_protection.backup_instances WHERE %s AND vaultName = '%s'", instancesWhere, vault))...)
	if got := count.mustSucceed(t).stdout; got != fmt.Sprintf("n\n%d\n", instances) {
		t.Errorf("a later count from the cache: %q", got)
	}
}

// Two psql clients of one server listing the same 20,000 instances at once
// share one fetch; neither can read the cache's own tables, which hold
// every client's calls and rows, nor SQLite's schema.
func TestServeClientsShareAFetchAndSeeOnlyProviderTables(t *testing.T) {
	const instances = 20000
	sb := startEmulator(t, emulator.Options{Dataset: emulator.SingleVault(instances)})
	conn := serve(t, sb)
	query := fmt.Sprintf("SELECT count(*) AS n, count(DISTINCT name) AS names FROM azure.data_protection.backup_instances WHERE %s AND vaultName = '%s'", instancesWhere, vault)
	results := make([]result, 2)
	var wg sync.WaitGroup
	for i := range results {
		wg.Go(func() { results[i] = psql(t, conn, servePassword, "-A", "-t", "-c", query) })
	}
	wg.Wait()
	for i, r := range results {
		if got := r.mustSucceed(t).stdout; got != fmt.Sprintf("%d|%d\n", instances, instances) {
			t.Errorf("client %d: %q", i, got)
		}
	}
	if pages, want := sb.Stats().Pages, int64(instances/100); pages != want {
		t.Errorf("the emulator served %d list pages; want %d, one fetch", pages, want)
	}
	for _, internal := range []string{"SELECT key FROM skyql_calls", "SELECT name FROM sqlite_schema", "SELECT name FROM pragma_table_list"} {
		r := psql(t, conn, servePassword, "-A", "-t", "-c", internal)
		if r.code == 0 || !strings.Contains(r.stderr, "is not readable here") {
			t.Errorf("%s: exit %d\nstdout: %s\nstderr: %s", internal, r.code, r.stdout, r.stderr)
		}
	}
}
