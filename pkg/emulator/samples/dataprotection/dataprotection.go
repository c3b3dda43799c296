package emulator

import (
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The default dataset's fixed names. They never change between runs or
// seeds, so documentation and tests can name them:
//
//	SELECT name FROM azure.data_protection.backup_instances
//	WHERE subscriptionId = '00000000-0000-0000-0000-000000000001'
//	  AND resourceGroupName = 'rg-prod-eastus' AND vaultName = 'vault-prod-01'
const (
	DefaultSubscriptionID = "00000000-0000-0000-0000-000000000001"
	DefaultTenantID       = "00000000-0000-0000-0000-0000000000aa"
	DefaultResourceGroup  = "rg-prod-eastus"
	DefaultLocation       = "eastus"
	DefaultVault          = "vault-prod-01"
	// DefaultPolicy is one of the four policies every vault holds:
	// policy-disk-daily, policy-blob-operational, policy-psql-weekly,
	// policy-aks-daily.
	DefaultPolicy = "policy-disk-daily"
	// DefaultVM is the first virtual machine of every resource group.
	DefaultVM = "vm-web-01"
)

// DatasetSize sizes the seeded data. Names follow fixed patterns:
//   - subscriptions 00000000-0000-0000-0000-00000000000N (N from 1);
//   - resource groups, in order: rg-prod-eastus, rg-prod-westeurope,
//     rg-dev-eastus, rg-test-westus2, rg-dev-westeurope, rg-test-eastus,
//     then rg-NNN-eastus;
//   - vaults vault-<env>-NN, numbered per environment across the
//     subscription's resource groups (rg-prod-eastus holds vault-prod-01
//     and vault-prod-02 by default, rg-prod-westeurope vault-prod-03 ...);
//   - in each vault the four policies above, and Instances backup
//     instances cycling through disks, blob storage, PostgreSQL databases
//     and AKS clusters, named <datasource>-<guid>, mostly
//     ProtectionConfigured with some suspended, stopped, failed,
//     configuring and soft-deleted;
//   - virtual machines vm-web-01, vm-app-02, vm-db-03, vm-batch-04, ...
type DatasetSize struct {
	Subscriptions   int // default 1
	ResourceGroups  int // per subscription
	Vaults          int // per resource group
	Instances       int // backup instances per vault
	VirtualMachines int // per resource group
}

// DefaultDataset: 1 subscription x 3 resource groups x 2 vaults x 150
// backup instances (two pages at the default page size), 4 VMs per group.
func DefaultDataset() DatasetSize {
	return DatasetSize{Subscriptions: 1, ResourceGroups: 3, Vaults: 2, Instances: 150, VirtualMachines: 4}
}

// SingleVault is one subscription, rg-prod-eastus, vault-prod-01 with n
// backup instances: the benchmark dataset.
func SingleVault(n int) DatasetSize {
	return DatasetSize{Subscriptions: 1, ResourceGroups: 1, Vaults: 1, Instances: n, VirtualMachines: 1}
}

// ParseDatasetSize reads "SUBSxRGSxVAULTSxINSTANCES[xVMS]" (e.g. "1x3x2x150x4"),
// or "default", or "vault:N" for SingleVault(N).
func ParseDatasetSize(s string) (DatasetSize, error) {
	if s == "" || s == "default" {
		return DefaultDataset(), nil
	}
	if rest, ok := strings.CutPrefix(s, "vault:"); ok {
		var n int
		if _, err := fmt.Sscanf(rest, "%d", &n); err != nil || n < 0 {
			return DatasetSize{}, fmt.Errorf("dataset size %q: after vault: give a number of backup instances, e.g. vault:20000", s)
		}
		return SingleVault(n), nil
	}
	parts := strings.Split(strings.ToLower(s), "x")
	if len(parts) != 4 && len(parts) != 5 {
		return DatasetSize{}, fmt.Errorf("dataset size %q: use SUBSxRGSxVAULTSxINSTANCES[xVMS] (e.g. 1x3x2x150x4), default, or vault:N", s)
	}
	nums := make([]int, 5)
	nums[4] = DefaultDataset().VirtualMachines
	for i, p := range parts {
		if _, err := fmt.Sscanf(p, "%d", &nums[i]); err != nil || nums[i] < 0 {
			return DatasetSize{}, fmt.Errorf("dataset size %q: %q is not a count", s, p)
		}
	}
	d := DatasetSize{Subscriptions: nums[0], ResourceGroups: nums[1], Vaults: nums[2], Instances: nums[3], VirtualMachines: nums[4]}
	return d, d.validate()
}

func (d DatasetSize) validate() error {
	if d.Subscriptions < 1 {
		return fmt.Errorf("emulator: the dataset needs at least one subscription, got %d", d.Subscriptions)
	}
	if d.ResourceGroups < 0 || d.Vaults < 0 || d.Instances < 0 || d.VirtualMachines < 0 {
		return fmt.Errorf("emulator: dataset counts must not be negative: %+v", d)
	}
	return nil
}

var resourceGroupNames = []struct{ name, env, location string }{
	{"rg-prod-eastus", "prod", "eastus"},
	{"rg-prod-westeurope", "prod", "westeurope"},
	{"rg-dev-eastus", "dev", "eastus"},
	{"rg-test-westus2", "test", "westus2"},
	{"rg-dev-westeurope", "dev", "westeurope"},
	{"rg-test-eastus", "test", "eastus"},
}

func resourceGroupName(i int) (name, env, location string) {
	if i < len(resourceGroupNames) {
		g := resourceGroupNames[i]
		return g.name, g.env, g.location
	}
	return fmt.Sprintf("rg-%03d-eastus", i), "prod", "eastus"
}

// SubscriptionID is the id of the dataset's i-th subscription (from 0).
func SubscriptionID(i int) string { return fmt.Sprintf("00000000-0000-0000-0000-%012d", i+1) }

// seedTime is when the generated resources claim to have been made.
var seedTime = time.Date(2024, 1, 15, 9, 0, 0, 0, time.UTC)

// seed builds the store for a dataset. Every random choice is
// mix(seed, ordinal, purpose), so instances can be built in parallel and
// still come out the same each run.
func seed(d DatasetSize, seedValue int64) (*store, error) {
	total := d.Subscriptions * d.ResourceGroups * d.Vaults * d.Instances
	st := newStore(total + 64)
	type vaultRef struct {
		sub, rg, env, location, name, id string
		first                            int // ordinal of the vault's first instance
	}
	var vaults []vaultRef
	for s := 0; s < d.Subscriptions; s++ {
		sub := SubscriptionID(s)
		st.seedAdd("/subscriptions/"+sub, sub, mustJSON(subscriptionJSON(s, sub)))
		envCount := map[string]int{}
		for g := 0; g < d.ResourceGroups; g++ {
			rg, env, loc := resourceGroupName(g)
			rgID := "/subscriptions/" + sub + "/resourceGroups/" + rg
			st.seedAdd(strings.ToLower(rgID), rg, mustJSON(resourceGroupJSON(rgID, rg, env, loc)))
			for v := 0; v < d.VirtualMachines; v++ {
				name := vmName(v)
				id := rgID + "/providers/Microsoft.Compute/virtualMachines/" + name
				st.seedAdd(strings.ToLower(id), name, mustJSON(vmJSON(id, name, env, loc, seedValue, uint64(s*10000+g*100+v))))
			}
			for v := 0; v < d.Vaults; v++ {
				envCount[env]++
				name := fmt.Sprintf("vault-%s-%02d", env, envCount[env])
				id := rgID + "/providers/Microsoft.DataProtection/backupVaults/" + name
				st.seedAdd(strings.ToLower(id), name, mustJSON(vaultJSON(id, name, env, loc, envCount[env])))
				for _, p := range policies {
					pid := id + "/backupPolicies/" + p.name
					st.seedAdd(strings.ToLower(pid), p.name, mustJSON(policyJSON(pid, p)))
				}
				vaults = append(vaults, vaultRef{sub: sub, rg: rg, env: env, location: loc, name: name, id: id, first: len(vaults) * d.Instances})
			}
		}
	}

	// Instances are most of the data: marshal them on every core.
	type built struct {
		key, name string
		body      []byte
	}
	out := make([]built, total)
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			// Bodies are carved out of large shared blocks: one allocation
			// per 256 KiB instead of one per instance.
			var block []byte
			for vi := w; vi < len(vaults); vi += workers {
				v := vaults[vi]
				vaultKey := strings.ToLower(v.id) + "/backupinstances/"
				tag := strings.ReplaceAll(strings.TrimPrefix(v.name, "vault-"), "-", "") // prod01
				for i := 0; i < d.Instances; i++ {
					ord := v.first + i
					if cap(block)-len(block) < 4096 {
						block = make([]byte, 0, 256<<10)
					}
					start := len(block)
					var name string
					name, block = instanceJSON(block, v.sub, v.rg, v.env, v.location, v.id, tag, i, uint64(ord), seedValue)
					// Names are lower-case already: key and sort key need no ToLower.
					out[ord] = built{key: vaultKey + name, name: name, body: block[start:len(block):len(block)]}
				}
				// Sorted here, in parallel, the vault's collection needs no sort later.
				slices.SortFunc(out[v.first:v.first+d.Instances], func(x, y built) int { return strings.Compare(x.name, y.name) })
			}
		}(w)
	}
	wg.Wait()
	for _, b := range out {
		st.seedAddSorted(b.key, b.name, b.body)
	}
	st.sortAll()
	return st, nil
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("emulator: seed data does not encode: %v", err))
	}
	return b
}

// guid is a version-4-shaped GUID drawn from (seed, ord, purpose).
func guid(seedValue int64, ord, purpose uint64) string {
	const hex = "0123456789abcdef"
	a, b := mix(seedValue, ord, purpose), mix(seedValue, ord, purpose+100)
	var g [36]byte
	put := func(at int, v uint64, digits int) {
		for i := digits - 1; i >= 0; i-- {
			g[at+i] = hex[v&0xf]
			v >>= 4
		}
	}
	put(0, a, 8)
	g[8] = '-'
	put(9, a>>32, 4)
	g[13], g[14] = '-', '4'
	put(15, a>>48, 3)
	g[18], g[19] = '-', '8'
	put(20, b, 3)
	g[23] = '-'
	put(24, b>>16, 12)
	return string(g[:])
}

func subscriptionJSON(i int, sub string) map[string]any {
	return map[string]any{
		"id":                   "/subscriptions/" + sub,
		"subscriptionId":       sub,
		"tenantId":             DefaultTenantID,
		"displayName":          fmt.Sprintf("skyql emulator subscription %d", i+1),
		"state":                "Enabled",
		"authorizationSource":  "RoleBased",
		"subscriptionPolicies": map[string]any{"locationPlacementId": "Public_2014-09-01", "quotaId": "PayAsYouGo_2014-09-01", "spendingLimit": "Off"},
		"managedByTenants":     []any{},
		"tags":                 map[string]string{"owner": "platform-team"},
	}
}

func resourceGroupJSON(id, name, env, location string) map[string]any {
	return map[string]any{
		"id": id, "name": name, "type": "Microsoft.Resources/resourceGroups", "location": location,
		"tags":       map[string]string{"env": env, "costCenter": "cc-" + env},
		"properties": map[string]any{"provisioningState": "Succeeded"},
	}
}

var vmRoles = []string{"web", "app", "db", "batch"}

func vmName(i int) string { return fmt.Sprintf("vm-%s-%02d", vmRoles[i%len(vmRoles)], i+1) }

func vmJSON(id, name, env, location string, seedValue int64, ord uint64) map[string]any {
	sizes := []string{"Standard_D2s_v5", "Standard_D4s_v5", "Standard_B2ms", "Standard_E4s_v5"}
	diskID := strings.Replace(id, "/virtualMachines/"+name, "/disks/"+name+"_OsDisk_1", 1)
	nicID := strings.Replace(id, "Microsoft.Compute/virtualMachines/"+name, "Microsoft.Network/networkInterfaces/"+name+"-nic", 1)
	return map[string]any{
		"id": id, "name": name, "type": "Microsoft.Compute/virtualMachines", "location": location,
		"tags": map[string]string{"env": env, "role": strings.Split(name, "-")[1]},
		"properties": map[string]any{
			"vmId":            guid(seedValue, ord, 7),
			"hardwareProfile": map[string]any{"vmSize": sizes[mix(seedValue, ord, 8)%uint64(len(sizes))]},
			"storageProfile": map[string]any{
				"imageReference": map[string]any{"publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts-gen2", "version": "latest"},
				"osDisk": map[string]any{"osType": "Linux", "name": name + "_OsDisk_1", "createOption": "FromImage", "caching": "ReadWrite",
					"managedDisk": map[string]any{"storageAccountType": "Premium_LRS", "id": diskID}, "diskSizeGB": 30},
				"dataDisks": []any{},
			},
			"osProfile":         map[string]any{"computerName": name, "adminUsername": "azureuser", "linuxConfiguration": map[string]any{"disablePasswordAuthentication": true}},
			"networkProfile":    map[string]any{"networkInterfaces": []any{map[string]any{"id": nicID}}},
			"provisioningState": "Succeeded",
		},
	}
}

func vaultJSON(id, name, env, location string, n int) map[string]any {
	redundancy := "GeoRedundant"
	if env != "prod" {
		redundancy = "LocallyRedundant"
	}
	return map[string]any{
		"id": id, "name": name, "type": "Microsoft.DataProtection/backupVaults", "location": location,
		"tags":     map[string]string{"env": env},
		"identity": map[string]any{"type": "SystemAssigned", "principalId": fmt.Sprintf("00000000-0000-4000-a000-%012d", n), "tenantId": DefaultTenantID},
		"properties": map[string]any{
			"provisioningState":               "Succeeded",
			"storageSettings":                 []any{map[string]any{"datastoreType": "VaultStore", "type": redundancy}},
			"monitoringSettings":              map[string]any{"azureMonitorAlertSettings": map[string]any{"alertsForAllJobFailures": "Enabled"}},
			"isVaultProtectedByResourceGuard": false,
			"resourceMoveState":               "Unknown",
		},
		"systemData": systemData(seedTime),
	}
}

// datasourceKind is one kind of thing a backup vault protects.
type datasourceKind struct {
	prefix, datasourceType, resourceType, policy string
}

var datasourceKinds = []datasourceKind{
	{"disk", "Microsoft.Compute/disks", "Microsoft.Compute/disks", "policy-disk-daily"},
	{"st", "Microsoft.Storage/storageAccounts/blobServices", "Microsoft.Storage/storageAccounts", "policy-blob-operational"},
	{"psql", "Microsoft.DBforPostgreSQL/servers/databases", "Microsoft.DBforPostgreSQL/servers/databases", "policy-psql-weekly"},
	{"aks", "Microsoft.ContainerService/managedClusters", "Microsoft.ContainerService/managedClusters", "policy-aks-daily"},
}

type policySpec struct {
	name, datasourceType, schedule, retention, store string
}

var policies = []policySpec{
	{"policy-disk-daily", "Microsoft.Compute/disks", "R/2024-01-01T02:00:00+00:00/P1D", "P7D", "OperationalStore"},
	{"policy-blob-operational", "Microsoft.Storage/storageAccounts/blobServices", "", "P30D", "OperationalStore"},
	{"policy-psql-weekly", "Microsoft.DBforPostgreSQL/servers/databases", "R/2024-01-07T03:00:00+00:00/P1W", "P12W", "VaultStore"},
	{"policy-aks-daily", "Microsoft.ContainerService/managedClusters", "R/2024-01-01T04:00:00+00:00/PT4H", "P7D", "OperationalStore"},
}

func policyJSON(id string, p policySpec) map[string]any {
	ds := map[string]any{"dataStoreType": p.store, "objectType": "DataStoreInfoBase"}
	rules := []any{map[string]any{
		"name": "Default", "objectType": "AzureRetentionRule", "isDefault": true,
		"lifecycles": []any{map[string]any{"sourceDataStore": ds, "deleteAfter": map[string]any{"objectType": "AbsoluteDeleteOption", "duration": p.retention}}},
	}}
	if p.schedule != "" {
		rules = append([]any{map[string]any{
			"name": "BackupDaily", "objectType": "AzureBackupRule", "dataStore": ds,
			"backupParameters": map[string]any{"objectType": "AzureBackupParams", "backupType": "Incremental"},
			"trigger": map[string]any{"objectType": "ScheduleBasedTriggerContext",
				"schedule":        map[string]any{"repeatingTimeIntervals": []string{p.schedule}},
				"taggingCriteria": []any{map[string]any{"isDefault": true, "taggingPriority": 99, "tagInfo": map[string]any{"id": "Default_", "tagName": "Default"}}}},
		}}, rules...)
	}
	return map[string]any{
		"id": id, "name": p.name, "type": "Microsoft.DataProtection/backupVaults/backupPolicies",
		"properties": map[string]any{"objectType": "BackupPolicy", "datasourceTypes": []string{p.datasourceType}, "policyRules": rules},
	}
}

type systemDataJSON struct {
	CreatedBy          string `json:"createdBy"`
	CreatedByType      string `json:"createdByType"`
	CreatedAt          string `json:"createdAt"`
	LastModifiedBy     string `json:"lastModifiedBy"`
	LastModifiedByType string `json:"lastModifiedByType"`
	LastModifiedAt     string `json:"lastModifiedAt"`
}

func systemData(t time.Time) *systemDataJSON {
	ts := t.Format(time.RFC3339)
	return &systemDataJSON{"ops@contoso.example", "User", ts, "ops@contoso.example", "User", ts}
}

// datasource is a backup instance's dataSourceInfo or dataSourceSetInfo.
type datasource struct {
	datasourceType, objectType, resourceID, location, name, resourceType string
}

var owners = []string{"team-payments", "team-search", "team-identity", "team-data"}

const missingPermissions = "The backup vault's managed identity is missing the role assignments it needs on the datasource."

// instanceJSON builds backup instance i of a vault; ord numbers it in the
// whole dataset and drives its random choices. The JSON is appended by
// hand into buf (reused by the caller): reflection-based encoding was most
// of the time it takes to seed 100,000 instances. It returns the name and
// the grown buffer; the body is buf[len(buf):] of the input.
func instanceJSON(buf []byte, sub, rg, env, location, vaultID, tag string, i int, ord uint64, seedValue int64) (string, []byte) {
	kind := datasourceKinds[i%len(datasourceKinds)]
	rgID := "/subscriptions/" + sub + "/resourceGroups/" + rg
	num := pad6(i)
	ds := datasource{datasourceType: kind.datasourceType, objectType: "Datasource", location: location, resourceType: kind.resourceType}
	var set *datasource
	switch kind.prefix {
	case "disk":
		ds.name = "disk-" + tag + "-" + num
		ds.resourceID = rgID + "/providers/Microsoft.Compute/disks/" + ds.name
	case "st":
		ds.name = "st" + tag + num
		ds.resourceID = rgID + "/providers/Microsoft.Storage/storageAccounts/" + ds.name
	case "psql":
		server := "psql-" + tag + "-" + num
		ds.name = "appdb"
		ds.resourceID = rgID + "/providers/Microsoft.DBforPostgreSQL/servers/" + server + "/databases/appdb"
		set = &datasource{datasourceType: kind.datasourceType, objectType: "DatasourceSet", resourceID: rgID + "/providers/Microsoft.DBforPostgreSQL/servers/" + server,
			location: location, name: server, resourceType: "Microsoft.DBforPostgreSQL/servers"}
	case "aks":
		ds.name = "aks-" + tag + "-" + num
		ds.resourceID = rgID + "/providers/Microsoft.ContainerService/managedClusters/" + ds.name
	}
	source := ds.name
	if set != nil {
		source = set.name
	}
	name := source + "-" + guid(seedValue, ord, 3)

	b := buf
	b = append(b, `{"id":"`...)
	b = append(b, vaultID...) // ids and names are made of safe characters only
	b = append(b, "/backupInstances/"...)
	b = append(b, name...)
	b = append(b, '"')
	b = append(b, `,"name":`...)
	b = appendJSONString(b, name)
	b = append(b, `,"type":"Microsoft.DataProtection/backupVaults/backupInstances"`...)
	if i%3 != 2 {
		b = append(b, `,"tags":{"env":`...)
		b = appendJSONString(b, env)
		b = append(b, `,"owner":`...)
		b = appendJSONString(b, owners[mix(seedValue, ord, 4)%uint64(len(owners))])
		b = append(b, '}')
	}
	created := seedTime.Add(time.Duration(mix(seedValue, ord, 5)%(300*24)) * time.Hour)
	b = append(b, `,"systemData":{"createdBy":"ops@contoso.example","createdByType":"User","createdAt":"`...)
	b = created.AppendFormat(b, time.RFC3339)
	b = append(b, `","lastModifiedBy":"ops@contoso.example","lastModifiedByType":"User","lastModifiedAt":"`...)
	b = created.AppendFormat(b, time.RFC3339)
	b = append(b, `"},"properties":{"friendlyName":`...)
	b = appendJSONString(b, source)
	b = append(b, `,"dataSourceInfo":`...)
	b = appendDatasource(b, &ds)
	if set != nil {
		b = append(b, `,"dataSourceSetInfo":`...)
		b = appendDatasource(b, set)
	}
	b = append(b, `,"policyInfo":{"policyId":"`...)
	b = append(b, vaultID...)
	b = append(b, "/backupPolicies/"...)
	b = append(b, kind.policy...)
	b = append(b, `","policyVersion":"1.0"}`...)
	// Mostly healthy, like a real estate: 80% configured, the rest spread
	// over the states people query for.
	state, status, provisioning, failed := "ProtectionConfigured", "ProtectionConfigured", "Succeeded", false
	switch r := mix(seedValue, ord, 6) % 100; {
	case r < 80:
	case r < 86:
		state = "BackupSchedulesSuspended"
	case r < 91:
		state, status = "ProtectionStopped", "ProtectionStopped"
	case r < 95:
		state, status, failed = "ProtectionError", "ConfiguringProtectionFailed", true
	case r < 98:
		state, status, provisioning = "ConfiguringProtection", "ConfiguringProtection", "Provisioning"
	default:
		state, status = "SoftDeleted", "SoftDeleted"
	}
	b = append(b, `,"protectionStatus":{"status":"`...)
	b = append(b, status...)
	b = append(b, '"')
	if failed {
		b = append(b, `,"errorDetails":{"code":"UserErrorMissingRequiredPermissions","message":`...)
		b = appendJSONString(b, missingPermissions)
		b = append(b, '}')
	}
	b = append(b, `},"currentProtectionState":"`...)
	b = append(b, state...)
	b = append(b, '"')
	if failed {
		b = append(b, `,"protectionErrorDetails":{"code":"UserErrorMissingRequiredPermissions","message":`...)
		b = appendJSONString(b, missingPermissions)
		b = append(b, '}')
	}
	b = append(b, `,"provisioningState":"`...)
	b = append(b, provisioning...)
	b = append(b, `","objectType":"BackupInstance"}}`...)
	return name, b
}

func appendDatasource(b []byte, d *datasource) []byte {
	b = append(b, `{"datasourceType":`...)
	b = appendJSONString(b, d.datasourceType)
	b = append(b, `,"objectType":`...)
	b = appendJSONString(b, d.objectType)
	b = append(b, `,"resourceID":`...)
	b = appendJSONString(b, d.resourceID)
	b = append(b, `,"resourceLocation":`...)
	b = appendJSONString(b, d.location)
	b = append(b, `,"resourceName":`...)
	b = appendJSONString(b, d.name)
	b = append(b, `,"resourceType":`...)
	b = appendJSONString(b, d.resourceType)
	b = append(b, `,"resourceUri":`...)
	b = appendJSONString(b, d.resourceID)
	return append(b, '}')
}

// appendJSONString appends s as a JSON string literal.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// pad6 is i with at least six digits, zero-padded.
func pad6(i int) string {
	s := strconv.Itoa(i)
	if len(s) < 6 {
		s = "000000"[len(s):] + s
	}
	return s
}

const backupInstanceType = "microsoft.dataprotection/backupvaults/backupinstances"

// applyTypeDefaults fills the read-only properties the service would set
// on a resource it accepted.
func applyTypeDefaults(typ string, props map[string]any) {
	if strings.ToLower(typ) != backupInstanceType {
		return
	}
	props["currentProtectionState"] = "ProtectionConfigured"
	props["protectionStatus"] = map[string]any{"status": "ProtectionConfigured"}
	if pi, ok := props["policyInfo"].(map[string]any); ok {
		if _, has := pi["policyVersion"]; !has {
			pi["policyVersion"] = "1.0"
		}
	}
}

// instanceActionStates: what a backup instance action leaves behind
// (currentProtectionState, protectionStatus.status).
var instanceActionStates = map[string][2]string{
	"stopprotection":   {"ProtectionStopped", "ProtectionStopped"},
	"suspendbackups":   {"BackupSchedulesSuspended", "ProtectionConfigured"},
	"resumeprotection": {"ProtectionConfigured", "ProtectionConfigured"},
	"resumebackups":    {"ProtectionConfigured", "ProtectionConfigured"},
}

// applyAction records an action's effect on its target, for the actions
// whose effect is visible in the resource.
func (e *Emulator) applyAction(targetKey, action string) {
	states, ok := instanceActionStates[strings.ToLower(action)]
	if !ok || !strings.Contains(targetKey, "/backupinstances/") {
		return
	}
	body, ok := e.store.get(targetKey)
	if !ok {
		return
	}
	m, err := decodeObject(body)
	if err != nil {
		return
	}
	props, ok := m["properties"].(map[string]any)
	if !ok {
		return
	}
	props["currentProtectionState"] = states[0]
	props["protectionStatus"] = map[string]any{"status": states[1]}
	if updated, err := json.Marshal(m); err == nil {
		e.store.update(targetKey, updated)
	}
}
