// Package dataprotection is Azure Backup's (Microsoft.DataProtection)
// sample data and behaviour for the ARM emulator: backup vaults, their
// policies and backup instances sized by a samples.DatasetSize, and the
// rules the service enforces (Rules).
package dataprotection

import (
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/skyql/skyql/pkg/emulator/internal/seeded"
	"github.com/skyql/skyql/pkg/emulator/samples"
)

// Seed adds every group's backup vaults, their policies and backup
// instances to sink. Every random choice is seeded.Mix(seed, ordinal,
// purpose), so instances can be built in parallel and still come out the
// same each run.
func Seed(sink samples.Sink, d samples.DatasetSize, seed int64) {
	type vaultRef struct {
		sub, rg, env, location, name, id string
		first                            int // ordinal of the vault's first instance
	}
	var vaults []vaultRef
	envCount := map[string]int{}
	lastSub := ""
	for _, g := range d.Groups() {
		if g.Subscription != lastSub {
			clear(envCount) // vaults are numbered per environment within a subscription
			lastSub = g.Subscription
		}
		for v := 0; v < d.Vaults; v++ {
			envCount[g.Env]++
			name := fmt.Sprintf("vault-%s-%02d", g.Env, envCount[g.Env])
			id := g.ID() + "/providers/Microsoft.DataProtection/backupVaults/" + name
			sink.Add(id, name, samples.MustJSON(vaultJSON(id, name, g.Env, g.Location, envCount[g.Env])))
			for _, p := range policies {
				pid := id + "/backupPolicies/" + p.name
				sink.Add(pid, p.name, samples.MustJSON(policyJSON(pid, p)))
			}
			vaults = append(vaults, vaultRef{sub: g.Subscription, rg: g.Name, env: g.Env, location: g.Location, name: name, id: id, first: len(vaults) * d.Instances})
		}
	}

	// Instances are most of the data: marshal them on every core.
	type built struct {
		id, name string
		body     []byte
	}
	out := make([]built, len(vaults)*d.Instances)
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
				tag := strings.ReplaceAll(strings.TrimPrefix(v.name, "vault-"), "-", "") // prod01
				for i := 0; i < d.Instances; i++ {
					ord := v.first + i
					if cap(block)-len(block) < 4096 {
						block = make([]byte, 0, 256<<10)
					}
					start := len(block)
					var name string
					name, block = instanceJSON(block, v.sub, v.rg, v.env, v.location, v.id, tag, i, uint64(ord), seed)
					out[ord] = built{id: v.id + "/backupInstances/" + name, name: name, body: block[start:len(block):len(block)]}
				}
				// Sorted here, in parallel, the vault's list needs no sort later.
				slices.SortFunc(out[v.first:v.first+d.Instances], func(x, y built) int { return strings.Compare(x.name, y.name) })
			}
		}(w)
	}
	wg.Wait()
	for _, b := range out {
		sink.Add(b.id, b.name, b.body)
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
		"identity": map[string]any{"type": "SystemAssigned", "principalId": fmt.Sprintf("00000000-0000-4000-a000-%012d", n), "tenantId": samples.DefaultTenantID},
		"properties": map[string]any{
			"provisioningState":               "Succeeded",
			"storageSettings":                 []any{map[string]any{"datastoreType": "VaultStore", "type": redundancy}},
			"monitoringSettings":              map[string]any{"azureMonitorAlertSettings": map[string]any{"alertsForAllJobFailures": "Enabled"}},
			"isVaultProtectedByResourceGuard": false,
			"resourceMoveState":               "Unknown",
		},
		"systemData": samples.SystemData(samples.Time),
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
	name := source + "-" + seeded.GUID(seedValue, ord, 3)

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
		b = appendJSONString(b, owners[seeded.Mix(seedValue, ord, 4)%uint64(len(owners))])
		b = append(b, '}')
	}
	created := samples.Time.Add(time.Duration(seeded.Mix(seedValue, ord, 5)%(300*24)) * time.Hour)
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
	switch r := seeded.Mix(seedValue, ord, 6) % 100; {
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
