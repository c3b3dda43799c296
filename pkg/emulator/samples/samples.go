// Package samples is the emulator's sample data: subscriptions, resource
// groups and virtual machines sized by a DatasetSize, and an inventory of
// the resources people list first (storage accounts, networks, key
// vaults, disks, SQL servers, web apps, AKS clusters, role assignments),
// declared per resource type in inventory/*.yaml. Data is keyed by ARM
// id and type, never by a provider's resource names, so a sample is
// served by whichever service document has its paths.
package samples

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/skyql/skyql/pkg/emulator/internal/seeded"
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
//   - virtual machines vm-web-01, vm-app-02, vm-db-03, vm-batch-04, ...,
//     each with its OS disk <vm>_OsDisk_1.
//
// The inventory (inventory/*.yaml) comes on top, whatever the size: it
// adds the subscriptions and resource groups it names when the dataset
// has fewer.
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
	return d, d.Validate()
}

// Validate reports a size that cannot be built.
func (d DatasetSize) Validate() error {
	if d.Subscriptions < 1 {
		return fmt.Errorf("the dataset needs at least one subscription, got %d", d.Subscriptions)
	}
	if d.ResourceGroups < 0 || d.Vaults < 0 || d.Instances < 0 || d.VirtualMachines < 0 {
		return fmt.Errorf("dataset counts must not be negative: %+v", d)
	}
	return nil
}

// A Sink stores sample resources. Resources may come in any order; the
// sink sorts its lists once seeding is over.
type Sink interface {
	// Add stores body, the resource with ARM id id and name name.
	Add(id, name string, body []byte)
	// Has reports whether a resource with ARM id id is stored.
	Has(id string) bool
}

// Group is one resource group of the dataset.
type Group struct {
	Subscription string // subscription id
	SubIndex     int    // the subscription's index in the dataset, from 0
	Index        int    // the group's index in its subscription, from 0
	Name         string
	Env          string // prod, dev or test: tags and vault names use it
	Location     string
}

// ID is the group's ARM id.
func (g Group) ID() string { return "/subscriptions/" + g.Subscription + "/resourceGroups/" + g.Name }

var resourceGroupNames = []struct{ name, env, location string }{
	{"rg-prod-eastus", "prod", "eastus"},
	{"rg-prod-westeurope", "prod", "westeurope"},
	{"rg-dev-eastus", "dev", "eastus"},
	{"rg-test-westus2", "test", "westus2"},
	{"rg-dev-westeurope", "dev", "westeurope"},
	{"rg-test-eastus", "test", "eastus"},
}

// Groups lists the dataset's resource groups, subscription by subscription.
func (d DatasetSize) Groups() []Group {
	var out []Group
	for s := 0; s < d.Subscriptions; s++ {
		for g := 0; g < d.ResourceGroups; g++ {
			grp := Group{Subscription: SubscriptionID(s), SubIndex: s, Index: g, Name: fmt.Sprintf("rg-%03d-eastus", g), Env: "prod", Location: "eastus"}
			if g < len(resourceGroupNames) {
				n := resourceGroupNames[g]
				grp.Name, grp.Env, grp.Location = n.name, n.env, n.location
			}
			out = append(out, grp)
		}
	}
	return out
}

// SubscriptionID is the id of the dataset's i-th subscription (from 0).
func SubscriptionID(i int) string { return fmt.Sprintf("00000000-0000-0000-0000-%012d", i+1) }

// Time is when the sample resources claim to have been made.
var Time = time.Date(2024, 1, 15, 9, 0, 0, 0, time.UTC)

// Seed adds the dataset's subscriptions, resource groups and virtual
// machines, then the inventory, to sink.
func Seed(sink Sink, d DatasetSize, seed int64) error {
	for s := 0; s < d.Subscriptions; s++ {
		addSubscription(sink, s)
	}
	for _, g := range d.Groups() {
		addGroup(sink, g.Subscription, g.Name, g.Location, map[string]string{"env": g.Env, "costCenter": "cc-" + g.Env})
	}
	for _, g := range d.Groups() {
		for v := 0; v < d.VirtualMachines; v++ {
			addVM(sink, g, vmName(v), seed, uint64(g.SubIndex*10000+g.Index*100+v))
		}
	}
	return seedInventory(sink)
}

func addSubscription(sink Sink, i int) {
	sub := SubscriptionID(i)
	sink.Add("/subscriptions/"+sub, sub, MustJSON(map[string]any{
		"id":                   "/subscriptions/" + sub,
		"subscriptionId":       sub,
		"tenantId":             DefaultTenantID,
		"displayName":          fmt.Sprintf("skyql emulator subscription %d", i+1),
		"state":                "Enabled",
		"authorizationSource":  "RoleBased",
		"subscriptionPolicies": map[string]any{"locationPlacementId": "Public_2014-09-01", "quotaId": "PayAsYouGo_2014-09-01", "spendingLimit": "Off"},
		"managedByTenants":     []any{},
		"tags":                 map[string]string{"owner": "platform-team"},
	}))
}

func addGroup(sink Sink, sub, name, location string, tags map[string]string) {
	id := "/subscriptions/" + sub + "/resourceGroups/" + name
	sink.Add(id, name, MustJSON(map[string]any{
		"id": id, "name": name, "type": "Microsoft.Resources/resourceGroups", "location": location,
		"tags":       tags,
		"properties": map[string]any{"provisioningState": "Succeeded"},
	}))
}

var vmRoles = []string{"web", "app", "db", "batch"}

func vmName(i int) string { return fmt.Sprintf("vm-%s-%02d", vmRoles[i%len(vmRoles)], i+1) }

// addVM adds a virtual machine and its OS disk.
func addVM(sink Sink, g Group, name string, seed int64, ord uint64) {
	sizes := []string{"Standard_D2s_v5", "Standard_D4s_v5", "Standard_B2ms", "Standard_E4s_v5"}
	rgID := g.ID()
	id := rgID + "/providers/Microsoft.Compute/virtualMachines/" + name
	diskName := name + "_OsDisk_1"
	diskID := rgID + "/providers/Microsoft.Compute/disks/" + diskName
	nicID := rgID + "/providers/Microsoft.Network/networkInterfaces/" + name + "-nic"
	tags := map[string]string{"env": g.Env, "role": strings.Split(name, "-")[1]}
	sink.Add(id, name, MustJSON(map[string]any{
		"id": id, "name": name, "type": "Microsoft.Compute/virtualMachines", "location": g.Location,
		"tags": tags,
		"properties": map[string]any{
			"vmId":            seeded.GUID(seed, ord, 7),
			"hardwareProfile": map[string]any{"vmSize": sizes[seeded.Mix(seed, ord, 8)%uint64(len(sizes))]},
			"storageProfile": map[string]any{
				"imageReference": map[string]any{"publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts-gen2", "version": "latest"},
				"osDisk": map[string]any{"osType": "Linux", "name": diskName, "createOption": "FromImage", "caching": "ReadWrite",
					"managedDisk": map[string]any{"storageAccountType": "Premium_LRS", "id": diskID}, "diskSizeGB": 30},
				"dataDisks": []any{},
			},
			"osProfile":         map[string]any{"computerName": name, "adminUsername": "azureuser", "linuxConfiguration": map[string]any{"disablePasswordAuthentication": true}},
			"networkProfile":    map[string]any{"networkInterfaces": []any{map[string]any{"id": nicID}}},
			"provisioningState": "Succeeded",
		},
	}))
	sink.Add(diskID, diskName, MustJSON(map[string]any{
		"id": diskID, "name": diskName, "type": "Microsoft.Compute/disks", "location": g.Location,
		"tags":      tags,
		"managedBy": id,
		"sku":       map[string]any{"name": "Premium_LRS", "tier": "Premium"},
		"properties": map[string]any{
			"osType": "Linux", "hyperVGeneration": "V2", "diskSizeGB": 30, "diskIOPSReadWrite": 120, "diskMBpsReadWrite": 25,
			"creationData": map[string]any{"createOption": "FromImage"},
			"diskState":    "Attached", "provisioningState": "Succeeded", "timeCreated": Time.Format(time.RFC3339),
			"encryption": map[string]any{"type": "EncryptionAtRestWithPlatformKey"}, "networkAccessPolicy": "AllowAll",
		},
	}))
}

// MustJSON encodes sample data, which always encodes.
func MustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("emulator samples: sample data does not encode: %v", err))
	}
	return b
}

// SystemDataJSON is ARM's systemData, in the order ARM writes it.
type SystemDataJSON struct {
	CreatedBy          string `json:"createdBy"`
	CreatedByType      string `json:"createdByType"`
	CreatedAt          string `json:"createdAt"`
	LastModifiedBy     string `json:"lastModifiedBy"`
	LastModifiedByType string `json:"lastModifiedByType"`
	LastModifiedAt     string `json:"lastModifiedAt"`
}

// SystemData is the systemData of a resource made and last changed at t.
func SystemData(t time.Time) *SystemDataJSON {
	ts := t.Format(time.RFC3339)
	return &SystemDataJSON{"ops@contoso.example", "User", ts, "ops@contoso.example", "User", ts}
}
