package dataprotection

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/skyql/skyql/pkg/emulator/arm"
	"github.com/skyql/skyql/pkg/emulator/samples"
)

const defaultVault = "/subscriptions/" + samples.DefaultSubscriptionID + "/resourceGroups/" + samples.DefaultResourceGroup +
	"/providers/Microsoft.DataProtection/backupVaults/" + samples.DefaultVault

// seedStore seeds the default dataset as the emulator does.
func seedStore(t *testing.T, seed int64) *arm.Store {
	t.Helper()
	st := arm.NewStore(1000)
	if err := samples.Seed(st, samples.DefaultDataset(), seed); err != nil {
		t.Fatal(err)
	}
	Seed(st, samples.DefaultDataset(), seed)
	st.Sort()
	return st
}

// instances are the default vault's backup instances, in list order.
func instances(st *arm.Store) [][]byte {
	var out [][]byte
	list := arm.Key(defaultVault + "/backupInstances")
	st.Scan(list, func(_ string, body []byte) bool {
		out = append(out, body)
		return true
	})
	return out
}

// TestSeedIsDeterministic: the same seed gives byte-identical data; another
// seed other instance names; the fixed names never change.
func TestSeedIsDeterministic(t *testing.T) {
	a, b, c := seedStore(t, 1), seedStore(t, 1), seedStore(t, 2)
	pa, pb, pc := instances(a), instances(b), instances(c)
	if len(pa) != samples.DefaultDataset().Instances || !bytes.Equal(bytes.Join(pa, nil), bytes.Join(pb, nil)) {
		t.Error("same seed, different data")
	}
	if bytes.Equal(bytes.Join(pa, nil), bytes.Join(pc, nil)) {
		t.Error("different seeds, same data")
	}
	for _, k := range []string{
		"/subscriptions/" + samples.DefaultSubscriptionID,
		"/subscriptions/" + samples.DefaultSubscriptionID + "/resourceGroups/" + samples.DefaultResourceGroup,
		defaultVault,
		defaultVault + "/backupPolicies/" + samples.DefaultPolicy,
		"/subscriptions/" + samples.DefaultSubscriptionID + "/resourceGroups/" + samples.DefaultResourceGroup + "/providers/Microsoft.Compute/virtualMachines/" + samples.DefaultVM,
	} {
		if !c.Has(k) {
			t.Errorf("default dataset lacks %s", k)
		}
	}
	states := map[string]int{}
	for _, body := range pa {
		if !json.Valid(body) {
			t.Fatalf("seeded instance is not valid JSON: %s", body)
		}
		var it struct {
			Properties struct{ CurrentProtectionState string }
		}
		json.Unmarshal(body, &it)
		states[it.Properties.CurrentProtectionState]++
	}
	if len(states) < 4 {
		t.Errorf("protection states not varied: %v", states)
	}
}

func TestAppendJSONStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", `quote " and \ backslash`, "tab\tnewline\n\x01", "héllo ☃"} {
		want, _ := json.Marshal(s)
		var back string
		if err := json.Unmarshal(appendJSONString(nil, s), &back); err != nil || back != s {
			t.Errorf("appendJSONString(%q) = %s, does not round-trip (encoding/json: %s)", s, appendJSONString(nil, s), want)
		}
	}
}

// TestServesGeneratedAzureProvider: all four generated Azure services are
// served together, and each seeded collection answers its list operation.
func TestContainsFold(t *testing.T) {
	cases := []struct {
		b, needle string
		want      bool
	}{
		{"abcDISK-x", "disk-x", true},
		{"xxdisk-X", "disk-x", true},
		{"Disk-x", "disk-x", true},
		{"disk", "disk-x", false},
		{"d-isk-x", "disk-x", false},
		{"", "a", false},
		{"anything", "", true},
	}
	for _, c := range cases {
		if got := containsFold([]byte(c.b), []byte(c.needle)); got != c.want {
			t.Errorf("containsFold(%q, %q) = %v, want %v", c.b, c.needle, got, c.want)
		}
	}
}
