package test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/skyql/skyql/pkg/emulator"
)

// Two subscriptions, each with two resource groups of two vaults of 150
// backup instances: two pages per vault at the default page size.
var estate = emulator.Options{
	Dataset: emulator.DatasetSize{Subscriptions: 2, ResourceGroups: 2, Vaults: 2, Instances: 150, VirtualMachines: 1},
}

const estateInstances = 2 * 2 * 2 * 150

// count runs a count query and returns its one number.
func (sb *sandbox) count(t *testing.T, sql string, args ...string) int64 {
	t.Helper()
	rows := jsonRows(t, sb.skyql(t, append(append([]string{"exec", "-o", "json"}, args...), sql)...).mustSucceed(t).stdout)
	if len(rows) != 1 || len(rows[0]) != 1 {
		t.Fatalf("%s: want one value, got %v", sql, rows)
	}
	for _, v := range rows[0] {
		n, err := v.(json.Number).Int64()
		if err != nil {
			t.Fatalf("%s: %v is not a count", sql, v)
		}
		return n
	}
	return 0
}

func TestReadsFanOutOverEverySubscription(t *testing.T) {
	sb := startEmulator(t, estate)
	if n := sb.count(t, "SELECT count(*) FROM azure.data_protection.backup_instances"); n != estateInstances {
		t.Errorf("count(*) with no WHERE: %d, want every instance of both subscriptions (%d)", n, estateInstances)
	}
	if n := sb.count(t, "SELECT count(*) FROM azure.data_protection.backup_instances WHERE resourceGroupName = 'rg-prod-eastus'"); n != estateInstances/2 {
		t.Errorf("one resource group in every subscription: %d, want %d", n, estateInstances/2)
	}
	r := sb.skyql(t, "exec", "-o", "csv", "SELECT count(*) FROM azure.data_protection.backup_instances WHERE resourceGroupName = 'rg-none'").mustSucceed(t)
	if r.stdout != "count(*)\n0\n" || strings.Count(r.stderr, "counted as empty") != 1 || !strings.Contains(r.stderr, "and 1 more like it") {
		t.Errorf("a group no subscription has: stdout %q, stderr:\n%s\nwant 0 and one notice for both subscriptions", r.stdout, r.stderr)
	}
	if n := sb.count(t, "SELECT count(DISTINCT subscriptionId) FROM azure.data_protection.backup_vaults"); n != 2 {
		t.Errorf("count(DISTINCT subscriptionId) over vaults: %d, want 2", n)
	}
	if n := sb.count(t, "SELECT count(*) FROM azure.data_protection.backup_instances", "--subscription", emulator.SubscriptionID(1)); n != estateInstances/2 {
		t.Errorf("--subscription: %d, want one subscription's %d", n, estateInstances/2)
	}
	// The parents were listed once per query: one GET /subscriptions per query
	// that fanned out over subscriptions, not one per vault.
	if got := sb.Stats().ByRoute["GET /subscriptions"]; got != 4 {
		t.Errorf("GET /subscriptions sent %d times by 4 queries that fan out over subscriptions", got)
	}
}

func TestAParameterColumnFiltersWhatItsMethodDidNotSend(t *testing.T) {
	sb := startEmulator(t, estate)
	rows := jsonRows(t, sb.skyql(t, "exec", "-o", "json",
		"SELECT name, subscriptionId, resourceGroupName FROM azure.data_protection.backup_vaults WHERE vaultName = 'vault-prod-01' ORDER BY subscriptionId").mustSucceed(t).stdout)
	if len(rows) != 2 || rows[0]["subscriptionId"] != emulator.SubscriptionID(0) || rows[1]["subscriptionId"] != emulator.SubscriptionID(1) {
		t.Fatalf("vaultName = 'vault-prod-01' found %v; want the vault in each subscription", rows)
	}
	rows = jsonRows(t, sb.skyql(t, "exec", "-o", "json", fmt.Sprintf(
		"SELECT name FROM azure.data_protection.backup_vaults WHERE subscriptionId = '%s' AND vaultName = 'vault-prod-01'", sub)).mustSucceed(t).stdout)
	if len(rows) != 1 || rows[0]["name"] != "vault-prod-01" {
		t.Fatalf("listing by subscription and filtering on the vault found %v", rows)
	}
}

func TestNaturalJoinsMatchSplitPartJoins(t *testing.T) {
	sb := startEmulator(t, estate)
	query := `SELECT v.subscriptionId AS s, v.name AS vault, count(*) AS n
		FROM azure.data_protection.backup_vaults v
		JOIN azure.data_protection.backup_instances bi ON %s
		GROUP BY s, vault ORDER BY s, vault`
	natural := sb.skyql(t, "exec", "-o", "csv", fmt.Sprintf(query,
		"bi.vaultName = v.name AND bi.resourceGroupName = v.resourceGroupName AND bi.subscriptionId = v.subscriptionId")).mustSucceed(t).stdout
	split := sb.skyql(t, "exec", "-o", "csv", fmt.Sprintf(query,
		"bi.vaultName = v.name AND bi.resourceGroupName = split_part(v.id, '/', 5) AND bi.subscriptionId = split_part(v.id, '/', 3)")).mustSucceed(t).stdout
	if natural != split {
		t.Fatalf("the natural join gave\n%s\nthe split_part join\n%s", natural, split)
	}
	if lines := strings.Count(natural, "\n"); lines != 1+2*2*2 {
		t.Fatalf("want a row per vault of both subscriptions, got\n%s", natural)
	}
	// Within one subscription, the vault's name and group are enough: the
	// instances are fetched in the vault's subscription.
	oneSubscription := strings.Replace(query, "GROUP BY", fmt.Sprintf("WHERE v.subscriptionId = '%s' GROUP BY", sub), 1)
	natural = sb.skyql(t, "exec", "-o", "csv", fmt.Sprintf(oneSubscription,
		"bi.vaultName = v.name AND bi.resourceGroupName = v.resourceGroupName")).mustSucceed(t).stdout
	split = sb.skyql(t, "exec", "-o", "csv", fmt.Sprintf(oneSubscription,
		"bi.vaultName = v.name AND bi.resourceGroupName = split_part(v.id, '/', 5) AND bi.subscriptionId = split_part(v.id, '/', 3)")).mustSucceed(t).stdout
	if natural != split || strings.Count(natural, "\n") != 1+2*2 {
		t.Fatalf("in one subscription, the natural join gave\n%s\nthe split_part join\n%s", natural, split)
	}
	// Every resource group of every subscription (the dataset's and the
	// sample inventory's) meets its subscription once.
	groups := sb.count(t, `SELECT count(*) FROM azure.resources.resource_groups`)
	if n := sb.count(t, `SELECT count(*) FROM azure.subscriptions.subscriptions s
		JOIN azure.resources.resource_groups rg ON rg.subscriptionId = s.subscriptionId`); n != groups || n < 2*2 {
		t.Fatalf("subscriptions joined to their resource groups: %d rows, want %d (every group, at least the dataset's 4)", n, groups)
	}
}

func TestLimitStopsPaging(t *testing.T) {
	sb := startEmulator(t, estate)
	before := sb.Stats().Requests
	rows := jsonRows(t, sb.skyql(t, "exec", "-o", "json", fmt.Sprintf(
		"SELECT name FROM azure.data_protection.backup_instances WHERE %s AND vaultName = '%s' LIMIT 5", instancesWhere, vault)).mustSucceed(t).stdout)
	if len(rows) != 5 {
		t.Fatalf("LIMIT 5 printed %d rows", len(rows))
	}
	if sent := sb.Stats().Requests - before; sent != 1 {
		t.Fatalf("LIMIT 5 on a two-page list sent %d requests, want 1", sent)
	}
}

func TestLimitStopsAFanOut(t *testing.T) {
	sb := startEmulator(t, estate)
	instanceLists := func() (n int64) {
		for route, count := range sb.Stats().ByRoute {
			if strings.HasPrefix(route, "GET ") && strings.HasSuffix(route, "/backupInstances") {
				n += count
			}
		}
		return n
	}
	// One call at a time: the first vault's first page has the 5 rows, so
	// no other vault's instances are listed, nor that vault's second page.
	rows := jsonRows(t, sb.skyql(t, "exec", "-o", "json", "--concurrency", "1",
		"SELECT name, vaultName FROM azure.data_protection.backup_instances LIMIT 5").mustSucceed(t).stdout)
	if len(rows) != 5 {
		t.Fatalf("LIMIT 5 over every vault printed %d rows", len(rows))
	}
	if n := instanceLists(); n != 1 {
		t.Fatalf("LIMIT 5 over %d vaults sent %d instance list requests, want 1", 2*2*2, n)
	}
	// Concurrent calls stop too: at most one page per call in flight.
	before := instanceLists()
	rows = jsonRows(t, sb.skyql(t, "exec", "-o", "json", "--no-cache", "--concurrency", "2",
		"SELECT name FROM azure.data_protection.backup_instances WHERE resourceGroupName = 'rg-prod-eastus' LIMIT 120").mustSucceed(t).stdout)
	if len(rows) != 120 {
		t.Fatalf("LIMIT 120 printed %d rows", len(rows))
	}
	if n := instanceLists() - before; n > 3 {
		t.Fatalf("LIMIT 120 at concurrency 2 sent %d instance list requests, want at most 3 (two first pages, one more)", n)
	}
}

func TestExplainShowsTheFanOut(t *testing.T) {
	sb := startEmulator(t, estate)
	rows := jsonRows(t, sb.skyql(t, "exec", "-o", "json", "EXPLAIN SELECT count(*) FROM azure.data_protection.backup_instances").mustSucceed(t).stdout)
	var methods, calls []string
	for _, r := range rows {
		methods = append(methods, fmt.Sprint(r["method"]))
		calls = append(calls, fmt.Sprint(r["calls"]))
	}
	if strings.Join(methods, " ") != "Subscriptions_List BackupVaults_GetInSubscription BackupInstances_List" {
		t.Fatalf("EXPLAIN methods %v, want subscriptions, then vaults per subscription, then instances per vault", methods)
	}
	if calls[0] != "1" || !strings.HasPrefix(calls[1], "one per row of") || !strings.HasPrefix(calls[2], "one per row of") {
		t.Fatalf("EXPLAIN calls %v", calls)
	}
	if !strings.Contains(fmt.Sprint(rows[0]["first_request"]), "GET "+sb.url+"/subscriptions?api-version=") {
		t.Fatalf("first request %v", rows[0]["first_request"])
	}
	dry := sb.skyql(t, "exec", "--dry-run", "SELECT count(*) FROM azure.data_protection.backup_instances").mustSucceed(t)
	for _, want := range []string{"GET " + sb.url + "/subscriptions?api-version=", "BackupVaults_GetInSubscription, one per row of", "BackupInstances_List, one per row of"} {
		if !strings.Contains(dry.stderr, want) {
			t.Errorf("--dry-run lacks %q:\n%s", want, dry.stderr)
		}
	}
	if sb.Stats().ByRoute["GET /subscriptions"] != 0 {
		t.Errorf("EXPLAIN or --dry-run sent a request")
	}
}

// refusing answers one subscription's Data Protection requests with an
// error, and passes everything else to the emulator: a real server in
// front of the real emulator.
func refusing(t *testing.T, sb *sandbox, status int, code string) *sandbox {
	t.Helper()
	target, err := url.Parse(sb.url)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	refused := "/subscriptions/" + emulator.SubscriptionID(1) + "/providers/Microsoft.DataProtection/"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, refused) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			fmt.Fprintf(w, `{"error":{"code":%q,"message":"refused by the test for subscription %s"}}`, code, emulator.SubscriptionID(1))
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return &sandbox{Emulator: sb.Emulator, url: srv.URL}
}

func TestAnUnregisteredSubscriptionIsAnEmptyScope(t *testing.T) {
	sb := refusing(t, startEmulator(t, estate), http.StatusConflict, "MissingSubscriptionRegistration")
	r := sb.skyql(t, "exec", "-o", "json", "SELECT count(*) AS n FROM azure.data_protection.backup_instances").mustSucceed(t)
	if rows := jsonRows(t, r.stdout); fmt.Sprint(rows[0]["n"]) != fmt.Sprint(estateInstances/2) {
		t.Fatalf("got %v, want the registered subscription's %d instances", rows, estateInstances/2)
	}
	if strings.Count(r.stderr, "counted as empty") != 1 || !strings.Contains(r.stderr, "MissingSubscriptionRegistration") {
		t.Fatalf("want one notice naming MissingSubscriptionRegistration, stderr:\n%s", r.stderr)
	}
}

func TestAForbiddenSubscriptionIsAPartialFailure(t *testing.T) {
	sb := refusing(t, startEmulator(t, estate), http.StatusForbidden, "AuthorizationFailed")
	sb.skyql(t, "exec", "SELECT count(*) FROM azure.data_protection.backup_instances").
		mustFail(t, "API calls failed", "BackupVaults_GetInSubscription(subscriptionId="+emulator.SubscriptionID(1)+")", "AuthorizationFailed", "--allow-partial")
}

func TestWritesDoNotFanOut(t *testing.T) {
	sb := startEmulator(t, estate)
	sb.skyql(t, "exec", "DELETE FROM azure.data_protection.backup_instances WHERE vaultName = 'vault-prod-01' AND backupInstanceName = 'x'").
		mustFail(t, "missing", "resourceGroupName", "reads fan out", "writes do not")
	if sb.Stats().Requests != 0 {
		t.Fatal("a write missing parameters sent a request")
	}
}

// TestSandboxAnswersTheTourInventory runs the README tour's cross-service
// inventory: every sample type of the sandbox, in each of its two
// subscriptions, with no WHERE (every list fans out over the subscriptions).
func TestSandboxAnswersTheTourInventory(t *testing.T) {
	tables := []string{"storage.storage_accounts", "network.virtual_networks", "network.network_security_groups",
		"key_vault.vaults", "compute.virtual_machines", "compute.disks", "sql.servers", "web.web_apps",
		"authorization.role_assignments"}
	arms := make([]string, len(tables))
	for i, table := range tables {
		arms[i] = "SELECT id, type FROM azure." + table
	}
	query := "SELECT split_part(id, '/', 3) AS subscription, type, count(*) AS n FROM (" +
		strings.Join(arms, " UNION ALL ") + ") AS inventory GROUP BY 1, 2 ORDER BY 1, 2"
	rows := jsonRows(t, runSkyql(t, nil, "--app-dir", t.TempDir(), "exec", "--sandbox", "-o", "json", query).mustSucceed(t).stdout)
	types := map[string]map[string]bool{}
	for _, r := range rows {
		subscription, typ := fmt.Sprint(r["subscription"]), fmt.Sprint(r["type"])
		if n, err := strconv.Atoi(fmt.Sprint(r["n"])); err != nil || n < 1 {
			t.Errorf("%s in %s: n = %v", typ, subscription, r["n"])
		}
		if types[subscription] == nil {
			types[subscription] = map[string]bool{}
		}
		types[subscription][typ] = true
	}
	if len(types) != 2 {
		t.Fatalf("want rows of both sandbox subscriptions, got %v", rows)
	}
	for subscription, seen := range types {
		if len(seen) != len(tables) {
			t.Errorf("subscription %s has %d of the %d types: %v", subscription, len(seen), len(tables), seen)
		}
	}
}
