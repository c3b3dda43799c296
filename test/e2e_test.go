// Package test holds skyql's end-to-end tests: the real binary, run as a
// user runs it, against the ARM emulator started in the test process (so
// the tests can size its data, inject faults and read its counters).
package test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/skyql/skyql/pkg/emulator"
	"github.com/skyql/skyql/pkg/emulator/emulatortest"
	"github.com/skyql/skyql/pkg/provider"
)

var skyqlBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "skyql-e2e-")
	if err != nil {
		panic(err)
	}
	skyqlBin = filepath.Join(dir, "skyql")
	build := exec.Command("go", "build", "-o", skyqlBin, "../cmd/skyql")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building skyql:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

const tokenEnv = "SKYQL_E2E_TOKEN"

// sandbox is an emulator serving the committed Azure documents.
type sandbox struct {
	*emulator.Emulator
	url string
}

func startEmulator(t *testing.T, opts emulator.Options) *sandbox {
	t.Helper()
	p, err := provider.LoadDir("../registry/src/azure/v0.1.0")
	if err != nil {
		t.Fatal(err)
	}
	em, url := emulatortest.StartProvider(t, p, opts)
	return &sandbox{Emulator: em, url: url}
}

type result struct {
	code           int
	stdout, stderr string
}

// skyql runs the binary against the emulator with its own app directory.
func (sb *sandbox) skyql(t *testing.T, args ...string) result {
	t.Helper()
	full := append([]string{
		"--endpoint", "azure=" + sb.url,
		"--auth", `{"azure":{"type":"bearer","credentialsenvvar":"` + tokenEnv + `"}}`,
		"--app-dir", t.TempDir(),
	}, args...)
	return runSkyql(t, []string{tokenEnv + "=" + sb.Token()}, full...)
}

func runSkyql(t *testing.T, env []string, args ...string) result {
	t.Helper()
	return run(t, env, skyqlBin, args...)
}

// run runs a program to its end; only a failure to start it fails the test.
func run(t *testing.T, env []string, program string, args ...string) result {
	t.Helper()
	cmd := exec.Command(program, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

func (r result) mustSucceed(t *testing.T) result {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	return r
}

func (r result) mustFail(t *testing.T, wants ...string) {
	t.Helper()
	if r.code == 0 {
		t.Fatalf("exit 0, want a failure\nstdout:\n%s", r.stdout)
	}
	for _, w := range wants {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
		}
	}
	if r.stdout != "" {
		t.Errorf("a failed query printed rows on stdout:\n%s", r.stdout)
	}
}

func jsonRows(t *testing.T, out string) []map[string]any {
	t.Helper()
	var rows []map[string]any
	dec := json.NewDecoder(strings.NewReader(out))
	dec.UseNumber()
	if err := dec.Decode(&rows); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	return rows
}

const (
	sub   = emulator.DefaultSubscriptionID
	rg    = emulator.DefaultResourceGroup
	vault = emulator.DefaultVault
)

var instancesWhere = fmt.Sprintf("subscriptionId = '%s' AND resourceGroupName = '%s'", sub, rg)

// Three vaults of 437 instances at 100 per page, with an empty page every
// 7th: many pages, a short last one, and empty pages that carry a nextLink.
var manyPages = emulator.Options{
	Dataset:        emulator.DatasetSize{Subscriptions: 1, ResourceGroups: 1, Vaults: 3, Instances: 437, VirtualMachines: 1},
	EmptyPageEvery: 7,
}

func TestSelectFollowsEveryPage(t *testing.T) {
	opts := manyPages
	opts.EmptyPageEvery = 3
	sb := startEmulator(t, opts)
	r := sb.skyql(t, "exec", "-o", "json", fmt.Sprintf(
		"SELECT name, json_extract(properties,'$.currentProtectionState') AS state FROM azure.data_protection.backup_instances WHERE %s AND vaultName = '%s'",
		instancesWhere, vault)).mustSucceed(t)
	rows := jsonRows(t, r.stdout)
	if len(rows) != 437 {
		t.Fatalf("got %d instances, want all 437", len(rows))
	}
	names := map[any]bool{}
	for _, row := range rows {
		names[row["name"]] = true
		if s, _ := row["state"].(string); s == "" {
			t.Fatalf("row without a protection state: %v", row)
		}
	}
	if len(names) != 437 {
		t.Fatalf("%d distinct names among 437 rows: pages were repeated", len(names))
	}
	if st := sb.Stats(); st.EmptyPages == 0 || st.Pages < 5 {
		t.Fatalf("the emulator served %d pages, %d empty: the test did not exercise paging", st.Pages, st.EmptyPages)
	}
}

func TestInListGroupByAndJoinAgree(t *testing.T) {
	sb := startEmulator(t, manyPages)
	vaults := "'vault-prod-01','vault-prod-02','vault-prod-03'"
	byIn := jsonRows(t, sb.skyql(t, "exec", "-o", "json", fmt.Sprintf(
		`SELECT json_extract(properties,'$.currentProtectionState') AS state, count(*) AS n
		 FROM azure.data_protection.backup_instances WHERE %s AND vaultName IN (%s)
		 GROUP BY state ORDER BY state`, instancesWhere, vaults)).mustSucceed(t).stdout)
	byJoin := jsonRows(t, sb.skyql(t, "exec", "-o", "json", fmt.Sprintf(
		`SELECT json_extract(bi.properties,'$.currentProtectionState') AS state, count(*) AS n
		 FROM azure.data_protection.backup_vaults v
		 JOIN azure.data_protection.backup_instances bi
		   ON bi.vaultName = v.name AND bi.resourceGroupName = split_part(v.id,'/',5) AND bi.subscriptionId = split_part(v.id,'/',3)
		 WHERE v.subscriptionId = '%s'
		 GROUP BY state ORDER BY state`, sub)).mustSucceed(t).stdout)
	total := int64(0)
	for _, row := range byIn {
		n, err := row["n"].(json.Number).Int64()
		if err != nil {
			t.Fatalf("count is not a JSON number: %v", row)
		}
		total += n
	}
	if total != 3*437 {
		t.Fatalf("IN over three vaults counted %d instances, want %d", total, 3*437)
	}
	if fmt.Sprint(byIn) != fmt.Sprint(byJoin) {
		t.Fatalf("IN and join disagree:\n in: %v\njoin: %v", byIn, byJoin)
	}
}

func TestFaultsDoNotChangeResults(t *testing.T) {
	query := fmt.Sprintf(`SELECT name, id FROM azure.data_protection.backup_instances
		WHERE %s AND vaultName IN ('vault-prod-01','vault-prod-02','vault-prod-03') ORDER BY name`, instancesWhere)
	clean := startEmulator(t, manyPages).skyql(t, "exec", "-o", "csv", query).mustSucceed(t).stdout

	faulty := manyPages
	faulty.ThrottleEvery = 4
	faulty.FailEvery = 5
	faulty.FailBurst = 2
	sb := startEmulator(t, faulty)
	got := sb.skyql(t, "exec", "-o", "csv", query).mustSucceed(t).stdout
	if got != clean {
		t.Fatalf("results under faults differ from the fault-free run (%d vs %d bytes)", len(got), len(clean))
	}
	st := sb.Stats()
	if st.Throttled == 0 || st.Failed == 0 {
		t.Fatalf("no faults were served (throttled %d, failed %d)", st.Throttled, st.Failed)
	}
	records, err := csv.NewReader(strings.NewReader(got)).ReadAll()
	if err != nil || len(records) != 1+3*437 || records[0][0] != "name" {
		t.Fatalf("csv: %d records, %v", len(records), err)
	}
}

func TestJSONKeepsTypes(t *testing.T) {
	sb := startEmulator(t, emulator.Options{})
	rows := jsonRows(t, sb.skyql(t, "exec", "-o", "json", fmt.Sprintf(
		`SELECT name, properties, 42 AS answer, 1.5 AS ratio, NULL AS empty FROM azure.data_protection.backup_vaults WHERE subscriptionId = '%s' LIMIT 1`, sub)).mustSucceed(t).stdout)
	if len(rows) != 1 {
		t.Fatalf("rows: %v", rows)
	}
	row := rows[0]
	if _, ok := row["properties"].(map[string]any); !ok {
		t.Errorf("properties is %T, want a JSON object", row["properties"])
	}
	if n, ok := row["answer"].(json.Number); !ok || n.String() != "42" {
		t.Errorf("answer is %T %v, want the number 42", row["answer"], row["answer"])
	}
	if n, ok := row["ratio"].(json.Number); !ok || n.String() != "1.5" {
		t.Errorf("ratio is %T %v", row["ratio"], row["ratio"])
	}
	if row["empty"] != nil {
		t.Errorf("empty is %v, want null", row["empty"])
	}
}

func TestErrorsAreClearAndExitNonZero(t *testing.T) {
	sb := startEmulator(t, emulator.Options{})
	cases := []struct {
		name  string
		sql   string
		wants []string
	}{
		{"missing operationId", fmt.Sprintf("SELECT * FROM azure.data_protection.operation_result WHERE subscriptionId = '%s'", sub),
			[]string{"missing required parameter(s) location, operationId", "no collection above the resource gives them", "OperationResult_Get: location, operationId, subscriptionId"}},
		{"unknown resource", "SELECT name FROM azure.data_protection.backup_instance WHERE subscriptionId = 'x'",
			[]string{"unknown resource azure.data_protection.backup_instance; did you mean azure.data_protection.backup_instances?"}},
		{"bad SQL", "SELECT name FROM azure.data_protection.backup_vaults\nWHERE subscriptionId = ",
			[]string{"line 2, column"}},
		{"404", fmt.Sprintf("SELECT name FROM azure.data_protection.backup_instances WHERE %s AND vaultName = 'no-such-vault'", instancesWhere),
			[]string{"HTTP 404", "ParentResourceNotFound", "vaultName=no-such-vault"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sb.skyql(t, "exec", c.sql).mustFail(t, c.wants...)
		})
	}
	t.Run("401", func(t *testing.T) {
		r := runSkyql(t, []string{tokenEnv + "=wrong-token"}, "--endpoint", "azure="+sb.url, "--app-dir", t.TempDir(),
			"--auth", `{"azure":{"type":"bearer","credentialsenvvar":"`+tokenEnv+`"}}`,
			"exec", fmt.Sprintf("SELECT name FROM azure.data_protection.backup_vaults WHERE subscriptionId = '%s'", sub))
		r.mustFail(t, "HTTP 401", "AuthenticationFailed")
		if strings.Contains(r.stderr, "wrong-token") {
			t.Error("the token appears in the error output")
		}
	})
}

func TestAllowPartialPrintsRowsAndStillFails(t *testing.T) {
	sb := startEmulator(t, emulator.Options{})
	r := sb.skyql(t, "exec", "--allow-partial", "-o", "json", fmt.Sprintf(
		"SELECT name FROM azure.data_protection.backup_instances WHERE %s AND vaultName IN ('%s', 'no-such-vault')", instancesWhere, vault))
	if r.code == 0 {
		t.Fatal("a partial result exited 0")
	}
	if rows := jsonRows(t, r.stdout); len(rows) != 150 {
		t.Fatalf("got %d rows, want the 150 of the vault that answered", len(rows))
	}
	if !strings.Contains(r.stderr, "INCOMPLETE") || !strings.Contains(r.stderr, "no-such-vault") {
		t.Fatalf("stderr does not report the failed call:\n%s", r.stderr)
	}
}

func TestCachedRepeatSendsNoRequest(t *testing.T) {
	sb := startEmulator(t, emulator.Options{})
	appDir := t.TempDir()
	query := fmt.Sprintf("SELECT count(*) AS n FROM azure.data_protection.backup_instances WHERE %s AND vaultName = '%s'", instancesWhere, vault)
	args := []string{"--endpoint", "azure=" + sb.url, "--app-dir", appDir,
		"--auth", `{"azure":{"type":"bearer","credentialsenvvar":"` + tokenEnv + `"}}`, "exec", "-o", "csv", query}
	env := []string{tokenEnv + "=" + sb.Token()}
	first := runSkyql(t, env, args...).mustSucceed(t).stdout
	before := sb.Stats().Requests
	second := runSkyql(t, env, args...).mustSucceed(t).stdout
	if first != second || first != "n\n150\n" {
		t.Fatalf("first %q, second %q", first, second)
	}
	if after := sb.Stats().Requests; after != before {
		t.Fatalf("the repeat sent %d requests; it should be served from the cache", after-before)
	}
	// The repeat printed the result the first run kept: a kept file
	// edited behind skyql's back shows through.
	kept, _ := filepath.Glob(filepath.Join(appDir, "results", "*"))
	if len(kept) != 1 {
		t.Fatalf("kept results: %v; want the query's one", kept)
	}
	body, err := os.ReadFile(kept[0])
	if err != nil {
		t.Fatal(err)
	}
	header, _, _ := bytes.Cut(body, []byte("\n"))
	if err := os.WriteFile(kept[0], append(header, "\nn\n7\n"...), 0o600); err != nil {
		t.Fatal(err)
	}
	if third := runSkyql(t, env, args...).mustSucceed(t).stdout; third != "n\n7\n" {
		t.Fatalf("the repeat printed %q, not the kept result", third)
	}
	noCache := t.TempDir()
	noCacheArgs := append([]string{"--no-cache"}, args...)
	noCacheArgs[slices.Index(noCacheArgs, appDir)] = noCache
	runSkyql(t, env, noCacheArgs...).mustSucceed(t)
	if sb.Stats().Requests == before {
		t.Fatal("--no-cache was served from the cache")
	}
	for _, name := range []string{"cache.db", "results"} {
		if _, err := os.Stat(filepath.Join(noCache, name)); !os.IsNotExist(err) {
			t.Errorf("--no-cache left %s in the app directory", name)
		}
	}
}

func TestSandboxFlagAndMetadata(t *testing.T) {
	r := runSkyql(t, nil, "--app-dir", t.TempDir(), "exec", "--sandbox", "-o", "csv",
		"SHOW METHODS IN azure.data_protection.backup_instances LIKE 'BackupInstances_Get%'").mustSucceed(t)
	if !strings.Contains(r.stderr, "sandbox") {
		t.Errorf("no sandbox banner on stderr: %q", r.stderr)
	}
	want := "MethodName,RequiredParams,SQLVerb,description\n" +
		"BackupInstances_Get,\"backupInstanceName, resourceGroupName, subscriptionId, vaultName\",SELECT,Gets a backup instance with name in a backup vault\n" +
		"BackupInstances_GetBackupInstanceOperationResult,\"backupInstanceName, operationId, resourceGroupName, subscriptionId, vaultName\",EXEC,Get result of backup instance creation operation\n"
	if r.stdout != want {
		t.Errorf("SHOW METHODS:\n got %q\nwant %q", r.stdout, want)
	}
}

func TestCacheClearForgetsResponses(t *testing.T) {
	sb := startEmulator(t, emulator.Options{})
	appDir := t.TempDir()
	env := []string{tokenEnv + "=" + sb.Token()}
	common := []string{"--endpoint", "azure=" + sb.url, "--app-dir", appDir,
		"--auth", `{"azure":{"type":"bearer","credentialsenvvar":"` + tokenEnv + `"}}`}
	query := fmt.Sprintf("SELECT count(*) FROM azure.data_protection.backup_vaults WHERE subscriptionId = '%s'", sub)
	runSkyql(t, env, append(common, "exec", query)...).mustSucceed(t)
	info := runSkyql(t, env, append(common, "cache", "info")...).mustSucceed(t).stdout
	if !strings.Contains(info, "cached calls: 1\n") || !strings.Contains(info, "kept results: 1 (") {
		t.Fatalf("cache info after one query:\n%s", info)
	}
	// A built-in service's index ships in the binary: the query compiled
	// none. Those of installed providers' services go to index/, which
	// cache clear removes with the rest.
	indexDir := filepath.Join(appDir, "index")
	if indexes, _ := filepath.Glob(filepath.Join(indexDir, "*.json")); len(indexes) != 0 {
		t.Fatalf("a built-in service's index was compiled into the app dir: %v", indexes)
	}
	if err := os.MkdirAll(indexDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(indexDir, "0123.json"), []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	runSkyql(t, env, append(common, "cache", "clear")...).mustSucceed(t)
	if _, err := os.Stat(indexDir); !os.IsNotExist(err) {
		t.Fatalf("cache clear left the service indexes: %v", err)
	}
	if kept, _ := filepath.Glob(filepath.Join(appDir, "results", "*")); len(kept) != 0 {
		t.Fatalf("cache clear left kept results: %v", kept)
	}
	before := sb.Stats().Requests
	runSkyql(t, env, append(common, "exec", query)...).mustSucceed(t)
	if sb.Stats().Requests == before {
		t.Fatal("after cache clear the query was still served from the cache")
	}
}

// The anchor tool's failures from the field notes: functions in WHERE are
// dropped instead of evaluated, SELECT * shows column names as values, and
// ORDER BY an alias fails.
func TestExpressionsStarAndAliases(t *testing.T) {
	sb := startEmulator(t, emulator.Options{})
	r := sb.skyql(t, "exec", "-o", "csv", fmt.Sprintf(`
		SELECT json_extract(properties, '$.dataSourceInfo.datasourceType') AS kind, count(*) AS n
		FROM azure.data_protection.backup_instances
		WHERE subscriptionId = '%s' AND resourceGroupName = 'rg-prod-' || lower('EASTUS') AND vaultName = lower('VAULT-PROD-01')
		GROUP BY kind ORDER BY n DESC, kind`, sub)).mustSucceed(t)
	records, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	if err != nil || len(records) < 3 || records[0][0] != "kind" {
		t.Fatalf("records %v, %v", records, err)
	}
	star := sb.skyql(t, "exec", "-o", "csv", fmt.Sprintf("SELECT * FROM azure.data_protection.backup_vaults WHERE subscriptionId = '%s' LIMIT 1", sub)).mustSucceed(t)
	rows, err := csv.NewReader(strings.NewReader(star.stdout)).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("SELECT *: %v %v", rows, err)
	}
	header := strings.Join(rows[0], ",")
	if header != "id,name,eTag,identity,location,properties,systemData,tags,type,subscriptionId,resourceGroupName,vaultName" {
		t.Errorf("SELECT * header %q", header)
	}
	if rows[1][1] == "name" || !strings.HasPrefix(rows[1][0], "/subscriptions/") || rows[1][9] != sub {
		t.Errorf("SELECT * row %v", rows[1])
	}
}

// Without --auth, Azure calls take their token from azidentity's default
// chain; here the Azure CLI link of it, with a stand-in `az` first on PATH
// that prints the emulator's token the way `az account get-access-token` does.
func TestDefaultAzureCredentialThroughTheAzureCLI(t *testing.T) {
	sb := startEmulator(t, emulator.Options{})
	bin := t.TempDir()
	script := fmt.Sprintf(`#!/bin/sh
printf '{"accessToken":"%s","expiresOn":"2099-01-01 00:00:00.000000","expires_on":4070908800,"subscription":"%s","tenant":"%s","tokenType":"Bearer"}\n'
`, sb.Token(), sub, emulator.DefaultTenantID)
	if err := os.WriteFile(filepath.Join(bin, "az"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	env := []string{"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"), "AZURE_TOKEN_CREDENTIALS=AzureCLICredential"}
	r := runSkyql(t, env, "--endpoint", "azure="+sb.url, "--app-dir", t.TempDir(), "exec", "-o", "csv",
		fmt.Sprintf("SELECT count(*) AS n FROM azure.data_protection.backup_vaults WHERE subscriptionId = '%s'", sub)).mustSucceed(t)
	if r.stdout != "n\n6\n" {
		t.Fatalf("vaults through the Azure CLI credential: %q", r.stdout)
	}
	if strings.Contains(r.stderr, sb.Token()) {
		t.Error("the token appears on stderr")
	}
}
