package generator

import (
	"testing"

	"gopkg.in/yaml.v3"
)

func TestSnakeCase(t *testing.T) {
	for in, want := range map[string]string{
		"DataProtection":    "data_protection",
		"BackupInstances":   "backup_instances",
		"VMSizes":           "vm_sizes",
		"ScaleSetVMs":       "scale_set_vms",
		"checkResourceName": "check_resource_name",
		"Compute":           "compute",
		"Resource-Groups":   "resource_groups",
	} {
		if got := snakeCase(in); got != want {
			t.Errorf("snakeCase(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestAzureVerbs checks the generated data_protection and compute documents against the
// naming rules: the reference page's verbs for backup_instances, and the improvements
// (collection GETs are select, PATCH is update).
func TestAzureVerbs(t *testing.T) {
	cfg, err := LoadConfig(azureConfig)
	if err != nil {
		t.Fatal(err)
	}
	res := Generate(cfg)
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	verbs := map[string]string{} // operationId -> verb (exec when in no list)
	for _, service := range []string{"data_protection", "compute", "resources"} {
		var doc struct {
			Components struct {
				Resources map[string]struct {
					Methods  map[string]any              `yaml:"methods"`
					SQLVerbs map[string][]map[string]any `yaml:"sqlVerbs"`
				} `yaml:"x-stackQL-resources"`
			} `yaml:"components"`
		}
		if err := yaml.Unmarshal(res.Files["azure/v0.1.0/services/"+service+".yaml"], &doc); err != nil {
			t.Fatal(err)
		}
		for _, r := range doc.Components.Resources {
			for m := range r.Methods {
				verbs[m] = "exec"
			}
			for verb, refs := range r.SQLVerbs {
				for _, ref := range refs {
					ptr := splitPointer(ref["$ref"].(string)[1:])
					if prev := verbs[ptr[len(ptr)-1]]; prev != "exec" {
						t.Errorf("%s is in both %s and %s", ptr[len(ptr)-1], prev, verb)
					}
					verbs[ptr[len(ptr)-1]] = verb
				}
			}
		}
	}
	for op, want := range map[string]string{
		"BackupInstances_Get":                              "select",
		"BackupInstances_List":                             "select",
		"BackupInstances_CreateOrUpdate":                   "insert",
		"BackupInstances_Delete":                           "delete",
		"BackupInstances_GetBackupInstanceOperationResult": "exec",
		"BackupInstances_AdhocBackup":                      "exec",
		"BackupVaults_GetInSubscription":                   "select",
		"BackupVaults_Update":                              "update",
		"ResourceGroups_Update":                            "update",
		"ResourceGroups_CheckExistence":                    "exec",
		"VirtualMachines_ListAll":                          "select",
		"VirtualMachines_PowerOff":                         "exec",
	} {
		if verbs[op] != want {
			t.Errorf("%s: verb %q, want %q", op, verbs[op], want)
		}
	}
}
