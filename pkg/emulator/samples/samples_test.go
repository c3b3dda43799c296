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
