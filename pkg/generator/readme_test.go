package generator

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestReadmesGiveTheDefaultTagsFiles compares what readReadmes finds with SERVICES.json,
// the list made with the copied specs (each readme's default tag and its input files).
func TestReadmesGiveTheDefaultTagsFiles(t *testing.T) {
	const specs = "../../providers/azure/specs"
	data, err := os.ReadFile(filepath.Join(specs, "SERVICES.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]struct {
		Tag   string   `json:"tag"`
		Files []string `json:"files"`
	}
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	readmes, err := readReadmes(specs)
	if err != nil {
		t.Fatal(err)
	}
	if len(readmes) != len(want) {
		t.Errorf("%d readmes, SERVICES.json lists %d", len(readmes), len(want))
	}
	for _, r := range readmes {
		w, ok := want[r.folder]
		if !ok {
			t.Errorf("%s: not in SERVICES.json", r.folder)
			continue
		}
		files := make([]string, len(r.files))
		for i, f := range r.files {
			files[i] = r.folder + "/resource-manager/" + f
		}
		slices.Sort(files)
		slices.Sort(w.Files)
		if r.tag != w.Tag || !slices.Equal(files, w.Files) {
			t.Errorf("%s: tag %s with %d files, want %s with %d files (first difference: %s)", r.folder, r.tag, len(files), w.Tag, len(w.Files), firstDifference(files, w.Files))
		}
	}
}

func TestReadmeDefaultTag(t *testing.T) {
	dir := t.TempDir()
	readme := writeFile(t, dir, "kv/resource-manager/readme.md", "# KeyVault\n\n``` yaml\nopenapi-type: arm\ntag: package-2023-07\n```\n\n"+
		"```yaml $(tag) == 'package-2023-07' || $(tag) == 'package-all'\ninput-file:\n  - Microsoft.KeyVault/stable/2023-07-01/keyvault.json\n  - Microsoft.KeyVault/stable/2023-07-01/secrets.json\n```\n\n"+
		"``` yaml $(tag) == 'package-2023-07' && $(java)\ninput-file:\n  - java-only.json\n```\n\n"+
		"``` yaml $(tag) == 'package-2022-07'\ninput-file:\n  - Microsoft.KeyVault/stable/2022-07-01/keyvault.json\n```\n")
	r, err := readReadme(readme, "kv")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"Microsoft.KeyVault/stable/2023-07-01/keyvault.json", "Microsoft.KeyVault/stable/2023-07-01/secrets.json"}; r.tag != "package-2023-07" || !slices.Equal(r.files, want) {
		t.Errorf("tag %s files %v, want package-2023-07 %v", r.tag, r.files, want)
	}
	if r.primaryNamespace() != "Microsoft.KeyVault" {
		t.Errorf("namespace %q", r.primaryNamespace())
	}

	empty := writeFile(t, dir, "none/resource-manager/readme.md", "# Nothing\n``` yaml\ntag: package-1\n```\n")
	if _, err := readReadme(empty, "none"); err == nil {
		t.Error("a default tag without input files was accepted")
	}
}

func TestServiceNames(t *testing.T) {
	for namespace, want := range map[string]string{
		"KeyVault":               "key_vault",
		"DBforMySQL":             "db_for_mysql",
		"DBforPostgreSQL":        "db_for_postgresql",
		"IoTCentral":             "iot_central",
		"PowerBIDedicated":       "power_bi_dedicated",
		"PowerBIdedicated":       "power_bi_dedicated",
		"ConnectedVMwarevSphere": "connected_vmware_vsphere",
		"SignalRService":         "signalr_service",
		"DocumentDB":             "document_db",
		"HDInsight":              "hdinsight",
		"AzureStackHCI":          "azure_stack_hci",
		"ADHybridHealthService":  "ad_hybrid_health_service",
		"DataProtection":         "data_protection",
	} {
		if got := namespaceSnakeCase(namespace); got != want {
			t.Errorf("Microsoft.%s: %s, want %s", namespace, got, want)
		}
	}

	shared := &readme{folder: "privatedns", files: []string{"Microsoft.Network/stable/2020-06-01/privatedns.json"}}
	own := &readme{folder: "keyvault", files: []string{"Microsoft.KeyVault/stable/2023-07-01/keyvault.json"}}
	primaries := map[string]int{"Microsoft.Network": 2, "Microsoft.KeyVault": 1}
	if got := own.serviceName(nil, primaries); got != "key_vault" {
		t.Errorf("own namespace: %s", got)
	}
	if got := shared.serviceName(nil, primaries); got != "privatedns" {
		t.Errorf("shared namespace: %s, want the folder", got)
	}
	if got := shared.serviceName(map[string]string{"privatedns": "private_dns"}, primaries); got != "private_dns" {
		t.Errorf("override: %s", got)
	}
}

func firstDifference(a, b []string) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return a[i] + " vs " + b[i]
		}
	}
	return "one list is longer"
}
