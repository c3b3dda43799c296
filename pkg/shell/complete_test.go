package shell

import (
	"slices"
	"strings"
	"testing"

	"github.com/skyql/skyql/pkg/engine"
	"github.com/skyql/skyql/pkg/provider"
)

func azureSchema(t *testing.T) Schema {
	t.Helper()
	p, err := provider.LoadDir("../../registry/src/azure/v0.1.0")
	if err != nil {
		t.Fatal(err)
	}
	return CatalogSchema(engine.Providers{p})
}

func TestCompletionInContext(t *testing.T) {
	const bi = "azure.data_protection.backup_instances"
	tests := []struct {
		name, pending, line string // the cursor is at the | in line
		want, notWant       string
		wantHead            string
	}{
		{"provider", "", "SELECT * FROM az|", "azure.", "", "SELECT * FROM "},
		{"service", "", "SELECT * FROM azure.data_prot|", "azure.data_protection.", "", ""},
		{"resource", "", "SELECT * FROM azure.data_protection.backup_inst|", bi, "", ""},
		{"a column, not the keyword RESOURCES, in WHERE", "", "SELECT name FROM " + bi + " WHERE resource|", "resourceGroupName", "resources", ""},
		{"columns of a FROM on a later part of the line", "", "SELECT na| FROM " + bi, "name", "", "SELECT "},
		{"columns of a FROM on an earlier line", "SELECT name\nFROM " + bi + " AS b\n", "WHERE b.vault|", "b.vaultName", "", "WHERE "},
		{"a JOIN's alias", "", "SELECT v.name FROM azure.data_protection.backup_vaults v JOIN " + bi + " i ON i.vaultName = v.name WHERE i.prop|", "i.properties", "", ""},
		{"EXEC methods", "", "EXEC " + bi + ".BackupInstances_Adhoc|", bi + ".BackupInstances_AdhocBackup", "", "EXEC "},
		{"EXEC parameters", "", "EXEC " + bi + ".BackupInstances_AdhocBackup @vault|", "@vaultName=", "", ""},
		{"json_extract paths", "SELECT name FROM " + bi + "\n", "WHERE json_extract(properties, '$.currentProt|", "'$.currentProtectionState", "", "WHERE json_extract(properties, "},
		{"nested json paths after ->>", "", "SELECT i.properties ->> '$.dataSourceInfo.res| FROM " + bi + " i", "'$.dataSourceInfo.resourceID", "", ""},
		{"keywords elsewhere", "", "sel|", "select", "", ""},
		{"a name after \\d", "", `\d azure.data_protection.backup_v|`, "azure.data_protection.backup_vaults", "", `\d `},
		{"a provider after \\dt", "", `\dt |`, "azure.", "", `\dt `},
	}
	schema := azureSchema(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pos := strings.IndexByte(tt.line, '|')
			line := strings.Replace(tt.line, "|", "", 1)
			s := newSession(Config{Schema: schema}, nil)
			s.current = &input{}
			s.current.split.buf.WriteString(tt.pending)
			head, got, tail := s.complete(line, len([]rune(line[:pos])))
			if !slices.Contains(got, tt.want) {
				t.Errorf("completions %q lack %q", got, tt.want)
			}
			if tt.notWant != "" && slices.Contains(got, tt.notWant) {
				t.Errorf("completions %q include %q", got, tt.notWant)
			}
			if tt.wantHead != "" && head != tt.wantHead {
				t.Errorf("head %q, want %q", head, tt.wantHead)
			}
			if !strings.HasPrefix(line[:pos], head) || tail != line[pos:] {
				t.Errorf("head %q and tail %q do not surround the word at the cursor of %q", head, tail, line)
			}
		})
	}
}
