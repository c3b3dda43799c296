package engine

import (
	"context"
	"strings"
	"testing"

	"github.com/skyql/skyql/pkg/emulator"
)

func TestShowMethodsListsOnlyParametersUsersSupply(t *testing.T) {
	s, _, _ := newSession(t, emulator.Options{})
	var got rows
	if err := s.Execute(context.Background(), "SHOW METHODS IN azure.data_protection.backup_instances LIKE 'BackupInstances_List'", &got); err != nil {
		t.Fatal(err)
	}
	if len(got.data) != 1 || got.data[0][1] != "resourceGroupName, subscriptionId, vaultName" {
		t.Errorf("BackupInstances_List's required parameters: %q, want those without api-version", got.data)
	}
}

func TestShowInsertPrintsTheTemplateLineByLine(t *testing.T) {
	s, _, _ := newSession(t, emulator.Options{})
	var got rows
	if err := s.Execute(context.Background(), "SHOW INSERT INTO azure.data_protection.backup_vaults", &got); err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, r := range got.data {
		if strings.Contains(r[0], "\n") {
			t.Fatalf("a row holds a line break: %q", r[0])
		}
		lines = append(lines, r[0])
	}
	text := strings.Join(lines, "\n")
	for _, want := range []string{"INSERT INTO azure.data_protection.backup_vaults (\n  ", "\n)\nSELECT\n  '{{ ", "\n;"} {
		if !strings.Contains(text, want) {
			t.Errorf("template lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "api-version") {
		t.Errorf("template asks for api-version, which skyql fills in:\n%s", text)
	}
}

func TestDescribeExtendedListsTheFieldsOfObjectColumns(t *testing.T) {
	s, _, _ := newSession(t, emulator.Options{})
	var got rows
	if err := s.Execute(context.Background(), "DESCRIBE EXTENDED azure.data_protection.backup_instances", &got); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]string{}
	types := map[string]string{}
	for _, r := range got.data {
		kinds[r[0]], types[r[0]] = r[3], r[1]
	}
	if kinds["vaultName"] != "parameter" || kinds["properties"] != "column" {
		t.Errorf("parameters and columns: %q", got.data)
	}
	field := "properties ->> '$.currentProtectionState'"
	if kinds[field] != "field" || types[field] != "string" {
		t.Errorf("%s: kind %q, type %q; rows %q", field, kinds[field], types[field], got.data)
	}
	// The name is an expression that works as it is.
	var state rows
	q := "SELECT " + field + " AS state FROM azure.data_protection.backup_instances WHERE " + where + " AND vaultName = 'vault-prod-01' LIMIT 1"
	if err := s.Execute(context.Background(), q, &state); err != nil {
		t.Fatal(err)
	}
	if len(state.data) != 1 || state.data[0][0] == "" || state.data[0][0] == "<nil>" {
		t.Errorf("%s read %q", field, state.data)
	}
}
