package test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/skyql/skyql/pkg/emulator"
)

var instanceWhere = fmt.Sprintf("subscriptionId = '%s' AND resourceGroupName = '%s' AND vaultName = '%s'", sub, rg, vault)

const newInstanceProps = `{"objectType":"BackupInstance","friendlyName":"disk-new",
 "dataSourceInfo":{"objectType":"Datasource","datasourceType":"Microsoft.Compute/disks","resourceLocation":"eastus",
   "resourceID":"/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-prod-eastus/providers/Microsoft.Compute/disks/disk-new",
   "resourceName":"disk-new","resourceType":"Microsoft.Compute/disks"},
 "policyInfo":{"policyId":"/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-prod-eastus/providers/Microsoft.DataProtection/backupVaults/vault-prod-01/backupPolicies/policy-disk-daily"}}`

func insertInstance(props string) string {
	return fmt.Sprintf(`INSERT INTO azure.data_protection.backup_instances
  (subscriptionId, resourceGroupName, vaultName, backupInstanceName, data__properties)
VALUES ('%s', '%s', '%s', 'disk-new', '%s')`, sub, rg, vault, props)
}

func execOnInstance(method, body string) string {
	stmt := fmt.Sprintf("EXEC azure.data_protection.backup_instances.%s @subscriptionId='%s', @resourceGroupName='%s', @vaultName='%s', @backupInstanceName='disk-new'",
		method, sub, rg, vault)
	if body != "" {
		stmt += " @@json='" + body + "'"
	}
	return stmt
}

const adhocBody = `{"backupRuleOptions":{"ruleName":"BackupDaily","triggerOption":{"retentionTagOverride":"Default"}}}`

func TestBackupInstanceLifecycle(t *testing.T) {
	sb := startEmulator(t, emulator.Options{LROPolls: 2})
	sb.skyql(t, "exec", insertInstance(newInstanceProps)).mustSucceed(t)

	got := sb.skyql(t, "exec", "-o", "csv", fmt.Sprintf(
		"SELECT name, json_extract(properties,'$.dataSourceInfo.resourceName') AS disk FROM azure.data_protection.backup_instances WHERE %s AND backupInstanceName = 'disk-new'",
		instanceWhere)).mustSucceed(t).stdout
	if got != "name,disk\ndisk-new,disk-new\n" {
		t.Fatalf("reading the new instance back: %q", got)
	}

	pollsBefore := sb.Stats().LROPolls
	sb.skyql(t, "exec", execOnInstance("BackupInstances_AdhocBackup", adhocBody)).mustSucceed(t)
	if polls := sb.Stats().LROPolls - pollsBefore; polls < 2 {
		t.Fatalf("the adhoc backup's operation was polled %d times; skyql must wait for it", polls)
	}
	sb.skyql(t, "exec", execOnInstance("stop_protection", "")).mustSucceed(t)
	state := sb.skyql(t, "exec", "-o", "csv", fmt.Sprintf(
		"SELECT json_extract(properties,'$.currentProtectionState') AS state FROM azure.data_protection.backup_instances WHERE %s AND backupInstanceName = 'disk-new'",
		instanceWhere)).mustSucceed(t).stdout
	if state != "state\nProtectionStopped\n" {
		t.Errorf("after StopProtection: %q", state)
	}

	sb.skyql(t, "exec", fmt.Sprintf("DELETE FROM azure.data_protection.backup_instances WHERE %s AND backupInstanceName = 'disk-new'", instanceWhere)).mustSucceed(t)
	sb.skyql(t, "exec", fmt.Sprintf("SELECT name FROM azure.data_protection.backup_instances WHERE %s AND backupInstanceName = 'disk-new'", instanceWhere)).
		mustFail(t, "HTTP 404", "ResourceNotFound")
}

func TestDryRunSendsNothing(t *testing.T) {
	sb := startEmulator(t, emulator.Options{})
	before := sb.Stats().Requests
	r := sb.skyql(t, "--dry-run", "exec", insertInstance(newInstanceProps)+";\n"+execOnInstance("BackupInstances_AdhocBackup", adhocBody)+";\n"+
		fmt.Sprintf("DELETE FROM azure.data_protection.backup_instances WHERE %s AND backupInstanceName = 'disk-new'", instanceWhere)).mustSucceed(t)
	if after := sb.Stats().Requests; after != before {
		t.Fatalf("--dry-run sent %d requests", after-before)
	}
	for _, want := range []string{"PUT " + sb.url, "POST " + sb.url, "DELETE " + sb.url, "/backupInstances/disk-new", `"friendlyName": "disk-new"`, "Bearer ***"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, r.stderr)
		}
	}
	if strings.Contains(r.stderr, sb.Token()) {
		t.Error("the dry run printed the token")
	}
}

func TestWriteFailuresCarryTheAPIsCodeAndMessage(t *testing.T) {
	t.Run("missing body field or parameter", func(t *testing.T) {
		sb := startEmulator(t, emulator.Options{})
		before := sb.Stats().Requests
		sb.skyql(t, "exec", execOnInstance("BackupInstances_TriggerRehydrate", `{"recoveryPointId":"rp-1"}`)).
			mustFail(t, "data__rehydrationRetentionDuration", "nothing was sent")
		sb.skyql(t, "exec", fmt.Sprintf(`UPDATE azure.data_protection.backup_vaults SET data__tags = '{"a":"b"}' WHERE subscriptionId = '%s'`, sub)).
			mustFail(t, "vaultName", "nothing was sent")
		if n := sb.Stats().Requests - before; n != 0 {
			t.Errorf("statements lacking required input sent %d requests", n)
		}
	})
	t.Run("failed operation", func(t *testing.T) {
		sb := startEmulator(t, emulator.Options{LROFailEvery: 1, LROPolls: 1})
		name := strings.TrimSpace(strings.TrimPrefix(sb.skyql(t, "exec", "-o", "csv", fmt.Sprintf(
			"SELECT name FROM azure.data_protection.backup_instances WHERE %s LIMIT 1", instanceWhere)).mustSucceed(t).stdout, "name\n"))
		stmt := strings.Replace(execOnInstance("BackupInstances_AdhocBackup", adhocBody), "'disk-new'", "'"+name+"'", 1)
		sb.skyql(t, "exec", stmt).mustFail(t, "ended Failed")
	})
	t.Run("datasource already protected", func(t *testing.T) {
		sb := startEmulator(t, emulator.Options{})
		out := sb.skyql(t, "exec", "-o", "csv", fmt.Sprintf(
			"SELECT name, json_extract(properties,'$.dataSourceInfo.resourceID') AS disk FROM azure.data_protection.backup_instances WHERE %s AND json_extract(properties,'$.dataSourceInfo.datasourceType') = 'Microsoft.Compute/disks' LIMIT 1",
			instanceWhere)).mustSucceed(t).stdout
		holder, disk, ok := strings.Cut(strings.TrimSpace(strings.TrimPrefix(out, "name,disk\n")), ",")
		if !ok || !strings.Contains(disk, "/disks/") {
			t.Fatalf("no protected disk in the seeded vault: %q", out)
		}
		props := strings.Replace(newInstanceProps, "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-prod-eastus/providers/Microsoft.Compute/disks/disk-new", disk, 1)
		sb.skyql(t, "exec", insertInstance(props)).
			mustFail(t, "HTTP 400", "UserErrorDppDatasourceAlreadyProtected", "Datasource is already protected", holder)
	})
	t.Run("409 conflict", func(t *testing.T) {
		sb := startEmulator(t, emulator.Options{})
		sb.skyql(t, "exec", fmt.Sprintf("DELETE FROM azure.data_protection.backup_vaults WHERE subscriptionId = '%s' AND resourceGroupName = '%s' AND vaultName = '%s'", sub, rg, vault)).
			mustFail(t, "HTTP 409", "Conflict")
	})
	t.Run("invalid body", func(t *testing.T) {
		sb := startEmulator(t, emulator.Options{})
		sb.skyql(t, "exec", insertInstance(`{"objectType":"BackupInstance"}`)).mustFail(t, "HTTP 400", "InvalidRequestContent")
	})
}
