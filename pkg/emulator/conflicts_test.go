package emulator

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"
)

// instanceBody is a backup instance PUT body protecting the disk diskID.
func instanceBody(diskID string) string {
	return `{"properties":{"objectType":"BackupInstance","friendlyName":"dup",
 "dataSourceInfo":{"objectType":"Datasource","datasourceType":"Microsoft.Compute/disks","resourceLocation":"eastus",
   "resourceID":"` + diskID + `","resourceName":"dup","resourceType":"Microsoft.Compute/disks"},
 "policyInfo":{"policyId":"` + vaultPath(DefaultVault) + `/backupPolicies/` + DefaultPolicy + `"}}}`
}

// protectedDisk returns a seeded disk instance of the default vault and the
// disk it protects.
func protectedDisk(t *testing.T, e *Emulator, base string) (instance, diskID string) {
	t.Helper()
	r := call(t, "GET", base+vaultPath(DefaultVault)+"/backupInstances?api-version="+testAPIVersion, e.Token(), "")
	var p listPage
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("list: %d %s", r.status, r.body)
	}
	for _, raw := range p.Value {
		var bi struct {
			Name       string
			Properties struct {
				DataSourceInfo struct {
					ResourceID string `json:"resourceID"`
				} `json:"dataSourceInfo"`
			}
		}
		json.Unmarshal(raw, &bi)
		if strings.Contains(bi.Properties.DataSourceInfo.ResourceID, "/disks/") {
			return bi.Name, bi.Properties.DataSourceInfo.ResourceID
		}
	}
	t.Fatal("the default vault protects no disk")
	return "", ""
}

func wantError(t *testing.T, r rawResponse, status int, code string, inMessage ...string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	if got := errorCode(t, r.body); got != code || r.header.Get("x-ms-error-code") != code {
		t.Errorf("code %q (header %q), want %q", got, r.header.Get("x-ms-error-code"), code)
	}
	for _, s := range inMessage {
		if !strings.Contains(string(r.body), s) {
			t.Errorf("message lacks %q: %s", s, r.body)
		}
	}
}

// TestDatasourceProtectedOnce: a second backup instance for a protected
// datasource, in any vault, is refused as Data Protection refuses it;
// replacing the instance that holds it is not.
func TestDatasourceProtectedOnce(t *testing.T) {
	e, base := startEmulator(t, Options{})
	tok, q := e.Token(), "?api-version="+testAPIVersion
	holder, disk := protectedDisk(t, e, base)

	for name, vault := range map[string]string{"same vault": DefaultVault, "other vault": "vault-prod-02"} {
		t.Run(name, func(t *testing.T) {
			r := call(t, "PUT", base+vaultPath(vault)+"/backupInstances/dup"+q, tok, instanceBody(strings.ToUpper(disk)))
			wantError(t, r, 400, "UserErrorDppDatasourceAlreadyProtected", holder, vaultPath(DefaultVault))
			if r := call(t, "GET", base+vaultPath(vault)+"/backupInstances/dup"+q, tok, ""); r.status != 404 {
				t.Errorf("the refused instance was stored: %d", r.status)
			}
		})
	}
	t.Run("validateForBackup", func(t *testing.T) {
		body := `{"backupInstance":` + strings.TrimSuffix(strings.TrimPrefix(instanceBody(disk), `{"properties":`), "}") + `}`
		r := call(t, "POST", base+vaultPath("vault-prod-02")+"/validateForBackup"+q, tok, body)
		wantError(t, r, 400, "UserErrorDppDatasourceAlreadyProtected", holder)
	})
	t.Run("replacing the holder", func(t *testing.T) {
		if r := call(t, "PUT", base+vaultPath(DefaultVault)+"/backupInstances/"+holder+q, tok, instanceBody(disk)); r.status != 200 {
			t.Errorf("re-PUT of the instance holding the disk: %d %s", r.status, r.body)
		}
	})
	t.Run("after the holder is deleted", func(t *testing.T) {
		if r := call(t, "DELETE", base+vaultPath(DefaultVault)+"/backupInstances/"+holder+q, tok, ""); r.status != 202 && r.status != 200 {
			t.Fatalf("delete: %d %s", r.status, r.body)
		}
		if r := call(t, "PUT", base+vaultPath("vault-prod-02")+"/backupInstances/dup"+q, tok, instanceBody(disk)); r.status != 201 {
			t.Errorf("protecting the freed disk: %d %s", r.status, r.body)
		}
	})
}

// TestAnotherOperationInProgress: while a long-running operation on a
// resource has not reported a terminal status, other writes to it get 409;
// other resources and reads are not affected.
func TestAnotherOperationInProgress(t *testing.T) {
	// A Retry-After of an hour keeps unpolled operations running for the
	// whole test.
	e, base := startEmulator(t, Options{LROPolls: 2, RetryAfter: time.Hour})
	tok, q := e.Token(), "?api-version="+testAPIVersion
	instance := base + vaultPath(DefaultVault) + "/backupInstances/" + firstInstance(t, e, base)

	started := call(t, "POST", instance+"/suspendBackups"+q, tok, "")
	if started.status != 202 {
		t.Fatalf("suspendBackups: %d %s", started.status, started.body)
	}
	statusURL := started.header.Get("Azure-AsyncOperation")
	wantError(t, call(t, "POST", instance+"/stopProtection"+q, tok, ""), 409, "AnotherOperationInProgress", statusURL, "POST")
	wantError(t, call(t, "DELETE", instance+q, tok, ""), 409, "AnotherOperationInProgress")
	if r := call(t, "GET", instance+q, tok, ""); r.status != 200 {
		t.Errorf("a read during the operation: %d", r.status)
	}
	if r := call(t, "POST", base+vaultPath(DefaultVault)+"/backupInstances/"+secondInstance(t, e, base)+"/stopProtection"+q, tok, ""); r.status != 202 {
		t.Errorf("an operation on another instance: %d %s", r.status, r.body)
	}

	var states []string
	for range 3 {
		var s struct{ Status string }
		json.Unmarshal(call(t, "GET", statusURL, tok, "").body, &s)
		states = append(states, s.Status)
	}
	if strings.Join(states, ",") != "InProgress,InProgress,Succeeded" {
		t.Fatalf("status polls: %v", states)
	}
	if r := call(t, "POST", instance+"/stopProtection"+q, tok, ""); r.status != 202 {
		t.Errorf("after the operation finished: %d %s", r.status, r.body)
	}
}

func secondInstance(t *testing.T, e *Emulator, base string) string {
	t.Helper()
	var p listPage
	json.Unmarshal(call(t, "GET", base+vaultPath(DefaultVault)+"/backupInstances?api-version="+testAPIVersion, e.Token(), "").body, &p)
	if len(p.Value) < 2 {
		t.Fatal("fewer than two instances")
	}
	var it struct{ Name string }
	json.Unmarshal(p.Value[1], &it)
	return it.Name
}

// TestVaultWithInstancesIsNotDeleted: a backup vault is deleted only once
// its backup instances are gone.
func TestVaultWithInstancesIsNotDeleted(t *testing.T) {
	e, base := startEmulator(t, Options{Dataset: SingleVault(2)})
	tok, q := e.Token(), "?api-version="+testAPIVersion
	vault := base + vaultPath(DefaultVault)
	wantError(t, call(t, "DELETE", vault+q, tok, ""), 409, "Conflict", "2 backup instances", DefaultVault)
	if r := call(t, "GET", vault+q, tok, ""); r.status != 200 {
		t.Fatalf("the vault is gone after a refused delete: %d", r.status)
	}
	for _, name := range []string{firstInstance(t, e, base), secondInstance(t, e, base)} {
		if r := call(t, "DELETE", vault+"/backupInstances/"+name+q, tok, ""); r.status != 202 && r.status != 200 {
			t.Fatalf("delete instance: %d %s", r.status, r.body)
		}
	}
	if r := call(t, "DELETE", vault+q, tok, ""); r.status != 202 && r.status != 200 {
		t.Errorf("delete of the emptied vault: %d %s", r.status, r.body)
	}
}

var guidShape = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$`)

// TestActionResultsAreRealistic: results built from the schema carry the
// concrete type's discriminator, a fresh GUID per request (the same for
// the same seed and request order) and the target's id, not "string".
func TestActionResultsAreRealistic(t *testing.T) {
	const adhoc = `{"backupRuleOptions":{"ruleName":"BackupDaily","triggerOption":{"retentionTagOverride":"Default"}}}`
	run := func() (jobs []string, timeRanges []byte, target string) {
		e, base := startEmulator(t, Options{})
		tok, q := e.Token(), "?api-version="+testAPIVersion
		target = vaultPath(DefaultVault) + "/backupInstances/" + firstInstance(t, e, base)
		for range 2 {
			r := call(t, "POST", base+target+"/backup"+q, tok, adhoc)
			if r.status != 202 {
				t.Fatalf("adhoc backup: %d %s", r.status, r.body)
			}
			res := call(t, "GET", r.header.Get("Location"), tok, "")
			var job struct{ JobID, ObjectType string }
			if err := json.Unmarshal(res.body, &job); err != nil || res.status != 200 {
				t.Fatalf("operation result: %d %s", res.status, res.body)
			}
			if job.ObjectType != "OperationJobExtendedInfo" || !guidShape.MatchString(job.JobID) {
				t.Errorf("adhoc backup result %s: want a GUID jobId and objectType OperationJobExtendedInfo", res.body)
			}
			jobs = append(jobs, job.JobID)
		}
		r := call(t, "POST", base+target+"/findRestorableTimeRanges"+q, tok, `{"sourceDataStoreType":"OperationalStore"}`)
		if r.status != 200 {
			t.Fatalf("findRestorableTimeRanges: %d %s", r.status, r.body)
		}
		return jobs, r.body, target
	}
	jobs, ranges, target := run()
	if jobs[0] == jobs[1] {
		t.Errorf("two backups answered the same job id %s", jobs[0])
	}
	if again, _, _ := run(); strings.Join(again, ",") != strings.Join(jobs, ",") {
		t.Errorf("job ids differ between runs with the same seed: %v, %v", jobs, again)
	}
	var tr struct {
		ID         string
		Properties struct{ ObjectType string }
	}
	json.Unmarshal(ranges, &tr)
	if tr.ID != target || tr.Properties.ObjectType != "AzureBackupFindRestorableTimeRangesResponse" {
		t.Errorf("findRestorableTimeRanges: id %q (want %q), objectType %q", tr.ID, target, tr.Properties.ObjectType)
	}
	if strings.Contains(string(ranges), `"string"`) || strings.Contains(string(ranges), "{{emulator.") {
		t.Errorf("placeholder values left in %s", ranges)
	}
}
