package emulator

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/skyql/skyql/pkg/provider"
)

type listPage struct {
	Value    []json.RawMessage `json:"value"`
	NextLink *string           `json:"nextLink"`
}

func TestErrorsAreARMShaped(t *testing.T) {
	e, base := startEmulator(t, Options{})
	tok := e.Token()
	list := base + vaultPath(DefaultVault) + "/backupInstances"
	cases := []struct {
		name, method, url, token, body string
		status                         int
		code                           string
	}{
		{"no token", "GET", list + "?api-version=" + testAPIVersion, "-", "", 401, "AuthenticationFailed"},
		{"wrong token", "GET", list + "?api-version=" + testAPIVersion, "nope", "", 401, "AuthenticationFailed"},
		{"no api-version", "GET", list, tok, "", 400, "MissingApiVersionParameter"},
		{"unknown api-version", "GET", list + "?api-version=2020-01-01", tok, "", 400, "InvalidApiVersionParameter"},
		{"missing subscription", "GET", base + "/subscriptions/00000000-0000-0000-0000-00000000ffff/resourceGroups/rg/providers/Microsoft.DataProtection/backupVaults/v?api-version=" + testAPIVersion, tok, "", 404, "SubscriptionNotFound"},
		{"missing resource group", "GET", base + "/subscriptions/" + DefaultSubscriptionID + "/resourceGroups/rg-nope/providers/Microsoft.DataProtection/backupVaults/v?api-version=" + testAPIVersion, tok, "", 404, "ResourceGroupNotFound"},
		{"missing vault", "GET", base + vaultPath("vault-nope") + "?api-version=" + testAPIVersion, tok, "", 404, "ResourceNotFound"},
		{"list under missing vault", "GET", base + vaultPath("vault-nope") + "/backupInstances?api-version=" + testAPIVersion, tok, "", 404, "ParentResourceNotFound"},
		{"action on missing instance", "POST", base + vaultPath(DefaultVault) + "/backupInstances/nope/stopProtection?api-version=" + testAPIVersion, tok, "", 404, "ResourceNotFound"},
		{"unknown path", "GET", base + "/subscriptions/" + DefaultSubscriptionID + "/providers/Microsoft.Nope/things?api-version=" + testAPIVersion, tok, "", 404, "InvalidResourceType"},
		{"body not JSON", "PUT", base + vaultPath(DefaultVault) + "/backupPolicies/p1?api-version=" + testAPIVersion, tok, "{", 400, "InvalidRequestContent"},
		{"body against schema", "PUT", base + vaultPath(DefaultVault) + "/backupPolicies/p1?api-version=" + testAPIVersion, tok, `{"properties":{"datasourceTypes":"not-an-array","objectType":"BackupPolicy"}}`, 400, "InvalidRequestContent"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := call(t, c.method, c.url, c.token, c.body)
			if r.status != c.status {
				t.Fatalf("status %d, want %d: %s", r.status, c.status, r.body)
			}
			if got := errorCode(t, r.body); got != c.code {
				t.Errorf("code %q, want %q (%s)", got, c.code, r.body)
			}
			if got := r.header.Get("x-ms-error-code"); got != c.code {
				t.Errorf("x-ms-error-code %q, want %q", got, c.code)
			}
		})
	}
}

// TestPagingIsOpaqueAndComplete follows nextLink exactly as given: every
// item once, in order, absolute links that keep the query, empty pages
// that still point on.
func TestPagingIsOpaqueAndComplete(t *testing.T) {
	e, base := startEmulator(t, Options{PageSize: 7, EmptyPageEvery: 4})
	next := base + strings.ToUpper(vaultPath(DefaultVault)) + "/BACKUPINSTANCES?api-version=" + testAPIVersion + "&$filter=x"
	var names []string
	pages, empty := 0, 0
	for next != "" {
		r := call(t, "GET", next, e.Token(), "")
		if r.status != 200 {
			t.Fatalf("page %d: %d %s", pages, r.status, r.body)
		}
		var p listPage
		if err := json.Unmarshal(r.body, &p); err != nil {
			t.Fatalf("page %d is not JSON: %v", pages, err)
		}
		pages++
		if len(p.Value) == 0 {
			empty++
		}
		for _, raw := range p.Value {
			var it struct{ Name string }
			json.Unmarshal(raw, &it)
			names = append(names, it.Name)
		}
		next = ""
		if p.NextLink != nil {
			next = *p.NextLink
			u, err := url.Parse(next)
			if err != nil || !u.IsAbs() {
				t.Fatalf("nextLink %q is not an absolute URL", next)
			}
			if u.Query().Get("api-version") != testAPIVersion || u.Query().Get("$filter") != "x" {
				t.Errorf("nextLink %q dropped the original query", next)
			}
		}
	}
	want := DefaultDataset().Instances
	if len(names) != want {
		t.Fatalf("got %d items, want %d", len(names), want)
	}
	for i := 1; i < len(names); i++ {
		if strings.ToLower(names[i-1]) >= strings.ToLower(names[i]) {
			t.Fatalf("items out of order or repeated at %d: %s, %s", i, names[i-1], names[i])
		}
	}
	if empty == 0 || pages != (want+6)/7+empty {
		t.Errorf("%d pages with %d empty for %d items at 7 per page", pages, empty, want)
	}
}

// TestCrudAndPatch exercises item semantics over raw HTTP: 201 then 200 on
// PUT, merge PATCH on vaults, 204 on deleting what is gone, and that a
// deleted vault takes its policies with it.
func TestCrudAndPatch(t *testing.T) {
	e, base := startEmulator(t, Options{})
	tok := e.Token()
	q := "?api-version=" + testAPIVersion
	vault := base + vaultPath("vault-new")
	body := `{"location":"eastus","properties":{"storageSettings":[{"datastoreType":"VaultStore","type":"LocallyRedundant"}]}}`
	if r := call(t, "PUT", vault+q, tok, body); r.status != 201 {
		t.Fatalf("create vault: %d %s", r.status, r.body)
	} else if r.header.Get("Azure-AsyncOperation") == "" {
		t.Errorf("vault PUT is a long-running operation in 2022-05-01 but carried no Azure-AsyncOperation")
	}
	if r := call(t, "PUT", vault+q, tok, body); r.status != 200 {
		t.Fatalf("update vault: %d %s", r.status, r.body)
	}
	r := call(t, "PATCH", vault+q, tok, `{"tags":{"team":"blue"}}`)
	if r.status != 202 || r.header.Get("Location") == "" {
		t.Fatalf("patch vault: %d, Location %q", r.status, r.header.Get("Location"))
	}
	r = call(t, "GET", vault+q, tok, "")
	var v struct {
		ID         string
		Type       string
		Tags       map[string]string
		Properties map[string]any
	}
	json.Unmarshal(r.body, &v)
	if v.Tags["team"] != "blue" || v.Properties["storageSettings"] == nil || v.Type != "Microsoft.DataProtection/backupVaults" {
		t.Errorf("after PATCH: %s", r.body)
	}
	if v.ID != vaultPath("vault-new") {
		t.Errorf("id %q, want %q", v.ID, vaultPath("vault-new"))
	}
	// A vault's policies go when the vault goes.
	policy := `{"properties":{"objectType":"BackupPolicy","datasourceTypes":["Microsoft.Compute/disks"],"policyRules":[]}}`
	if r := call(t, "PUT", vault+"/backupPolicies/p1"+q, tok, policy); r.status != 201 {
		t.Fatalf("create policy: %d %s", r.status, r.body)
	}
	if r := call(t, "DELETE", vault+q, tok, ""); r.status != 202 && r.status != 200 {
		t.Fatalf("delete vault: %d %s", r.status, r.body)
	}
	if r := call(t, "GET", vault+"/backupPolicies"+q, tok, ""); r.status != 404 {
		t.Errorf("policies of a deleted vault: %d, want 404", r.status)
	}
	if r := call(t, "DELETE", vault+q, tok, ""); r.status != 204 {
		t.Errorf("deleting a deleted vault: %d, want 204", r.status)
	}
	// Subscription-wide list shows the seeded vaults again.
	r = call(t, "GET", base+"/subscriptions/"+DefaultSubscriptionID+"/providers/Microsoft.DataProtection/backupVaults"+q, tok, "")
	var p listPage
	json.Unmarshal(r.body, &p)
	want := DefaultDataset().ResourceGroups * DefaultDataset().Vaults
	if r.status != 200 || len(p.Value) != want {
		t.Errorf("vaults in subscription: %d items (status %d), want %d", len(p.Value), r.status, want)
	}
}

func TestLROStatusAndResultURLs(t *testing.T) {
	e, base := startEmulator(t, Options{LROPolls: 2})
	tok := e.Token()
	r := call(t, "POST", base+vaultPath(DefaultVault)+"/backupInstances/"+firstInstance(t, e, base)+"/suspendBackups?api-version="+testAPIVersion, tok, "")
	if r.status != 202 {
		t.Fatalf("suspendBackups: %d %s", r.status, r.body)
	}
	status, result := r.header.Get("Azure-AsyncOperation"), r.header.Get("Location")
	for _, u := range []string{status, result} {
		if pu, err := url.Parse(u); err != nil || !pu.IsAbs() {
			t.Fatalf("polling URL %q is not absolute", u)
		}
	}
	if r.header.Get("Retry-After") == "" {
		t.Error("no Retry-After on an accepted operation")
	}
	var states []string
	for i := 0; i < 3; i++ {
		r := call(t, "GET", status, tok, "")
		var s struct{ Status string }
		json.Unmarshal(r.body, &s)
		states = append(states, s.Status)
	}
	if strings.Join(states, ",") != "InProgress,InProgress,Succeeded" {
		t.Errorf("status polls: %v", states)
	}
	if r := call(t, "GET", result, tok, ""); r.status != 200 && r.status != 204 {
		t.Errorf("result URL after completion: %d %s", r.status, r.body)
	}
}

func firstInstance(t *testing.T, e *Emulator, base string) string {
	t.Helper()
	r := call(t, "GET", base+vaultPath(DefaultVault)+"/backupInstances?api-version="+testAPIVersion, e.Token(), "")
	var p listPage
	if err := json.Unmarshal(r.body, &p); err != nil || len(p.Value) == 0 {
		t.Fatalf("no instances: %d %s", r.status, r.body)
	}
	var it struct{ Name string }
	json.Unmarshal(p.Value[0], &it)
	return it.Name
}

func TestStartRefusesNonLoopback(t *testing.T) {
	e, err := New([]*provider.Service{dataProtectionService(t)}, Options{Dataset: SingleVault(1)})
	if err != nil {
		t.Fatal(err)
	}
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:0", "example.com:80"} {
		if _, err := e.Start(addr); err == nil || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("Start(%q) = %v, want a refusal naming loopback", addr, err)
			e.Close()
		}
	}
	base, err := e.Start("localhost:0")
	if err != nil || !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Errorf("Start(localhost:0) = %q, %v", base, err)
	}
	e.Close()
}

func TestControlEndpointsAndDrops(t *testing.T) {
	e, err := New([]*provider.Service{dataProtectionService(t)}, Options{DropEvery: 3, Dataset: SingleVault(5)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e.Handler())
	defer srv.Close()
	u := srv.URL + vaultPath(DefaultVault) + "?api-version=" + testAPIVersion
	dropped := 0
	for i := 0; i < 6; i++ {
		req, _ := http.NewRequest("GET", u, nil)
		req.Header.Set("Authorization", "Bearer "+e.Token())
		resp, err := srv.Client().Do(req)
		if err != nil {
			dropped++
			continue
		}
		resp.Body.Close()
	}
	if dropped != 2 {
		t.Errorf("%d of 6 requests dropped, want 2 (every 3rd)", dropped)
	}
	r := call(t, "GET", srv.URL+statsPath, "-", "")
	var st Stats
	if err := json.Unmarshal(r.body, &st); err != nil {
		t.Fatalf("stats: %v %s", err, r.body)
	}
	if st.Dropped != 2 || st.Requests != 6 || st.ByRoute["GET /subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.DataProtection/backupVaults/{vaultName}"] != 6 {
		t.Errorf("stats over HTTP: %+v", st)
	}
	r = call(t, "GET", srv.URL+logPath, "-", "")
	var log []LogEntry
	json.Unmarshal(r.body, &log)
	if len(log) != 6 || log[2].Fault != "drop" || log[0].Status != 200 {
		t.Errorf("request log: %+v", log)
	}
}

func TestOptionsAreChecked(t *testing.T) {
	svc := []*provider.Service{dataProtectionService(t)}
	for _, o := range []Options{{EmptyPageEvery: 1}, {ThrottleRate: 2}, {FailStatus: 502}, {FailEvery: 2, FailBurst: 2}, {ThrottleEvery: 1}, {Dataset: DatasetSize{Instances: 3}}} {
		if _, err := New(svc, o); err == nil {
			t.Errorf("New accepted %+v", o)
		}
	}
	if _, err := New(nil, Options{}); err == nil {
		t.Error("New accepted no documents")
	}
}

// TestServesGeneratedAzureProvider: ServeProvider, the sandbox's way,
// serves every service of the generated provider from the sample data.
func TestServesGeneratedAzureProvider(t *testing.T) {
	p, err := provider.LoadDir(generatedAzure)
	if err != nil {
		t.Fatal(err)
	}
	e, err := ServeProvider(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	base := startOnLoopback(t, e)
	sub := "/subscriptions/" + DefaultSubscriptionID
	d := DefaultDataset()
	for _, c := range []struct {
		path string
		want int
	}{
		{"/subscriptions?api-version=2022-12-01", 2}, // the inventory's second subscription joins the dataset's one
		{sub + "/resourcegroups?api-version=2024-03-01", d.ResourceGroups},
		{sub + "/resourceGroups/" + DefaultResourceGroup + "/providers/Microsoft.Compute/virtualMachines?api-version=2024-03-01", d.VirtualMachines},
		{sub + "/providers/Microsoft.DataProtection/backupVaults?api-version=" + testAPIVersion, d.ResourceGroups * d.Vaults},
		{vaultPath(DefaultVault) + "/backupPolicies?api-version=" + testAPIVersion, 4}, // every vault holds four policies
		{vaultPath(DefaultVault) + "/backupInstances?api-version=" + testAPIVersion, 100},
	} {
		r := call(t, "GET", base+c.path, e.Token(), "")
		var p listPage
		if err := json.Unmarshal(r.body, &p); err != nil || r.status != 200 || len(p.Value) != c.want {
			t.Errorf("GET %s: %d with %d items, want 200 with %d (%.200s)", c.path, r.status, len(p.Value), c.want, r.body)
		}
	}
}
