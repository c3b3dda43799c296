package samples

import (
	"testing"
)

func TestParseDatasetSize(t *testing.T) {
	for in, want := range map[string]DatasetSize{
		"":            DefaultDataset(),
		"default":     DefaultDataset(),
		"vault:20000": SingleVault(20000),
		"2x3x4x5":     {Subscriptions: 2, ResourceGroups: 3, Vaults: 4, Instances: 5, VirtualMachines: DefaultDataset().VirtualMachines},
		"1x1x1x10x0":  {Subscriptions: 1, ResourceGroups: 1, Vaults: 1, Instances: 10},
	} {
		got, err := ParseDatasetSize(in)
		if err != nil || got != want {
			t.Errorf("ParseDatasetSize(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"1x2", "vault:x", "0x1x1x1", "1x-1x1x1"} {
		if _, err := ParseDatasetSize(bad); err == nil {
			t.Errorf("ParseDatasetSize(%q) accepted", bad)
		}
	}
}

func TestResourceIDs(t *testing.T) {
	for _, c := range []struct {
		typ  string
		r    inventoryResource
		want string
	}{
		{"Microsoft.Storage/storageAccounts", inventoryResource{Subscription: 1, Group: "rg-a", Name: "st1"},
			"/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-a/providers/Microsoft.Storage/storageAccounts/st1"},
		{"Microsoft.Sql/servers/databases", inventoryResource{Subscription: 2, Group: "rg-b", Name: "sql1/db1"},
			"/subscriptions/00000000-0000-0000-0000-000000000002/resourceGroups/rg-b/providers/Microsoft.Sql/servers/sql1/databases/db1"},
		{"Microsoft.Authorization/roleAssignments", inventoryResource{Subscription: 1, Name: "ra1"},
			"/subscriptions/00000000-0000-0000-0000-000000000001/providers/Microsoft.Authorization/roleAssignments/ra1"},
	} {
		if got, err := resourceID(c.typ, c.r); err != nil || got != c.want {
			t.Errorf("resourceID(%s, %s) = %q, %v; want %q", c.typ, c.r.Name, got, err, c.want)
		}
	}
	if _, err := resourceID("Microsoft.Sql/servers/databases", inventoryResource{Subscription: 1, Name: "db1"}); err == nil {
		t.Error("a nested type with a one-part name was accepted")
	}
}
