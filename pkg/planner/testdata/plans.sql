-- The most specific method the WHERE binds: Get when the item name is given.
SELECT * FROM acme.storage.items WHERE subscriptionId = 's' AND vaultName = 'v' AND itemName = lower('X')

-- An IN list: one List call per vault.
SELECT * FROM acme.storage.items WHERE subscriptionId = 's' AND vaultName IN ('a', 'b', 'c')

-- A join binds b's parameters to a's rows; a is fetched first.
SELECT b.name FROM acme.storage.items a
JOIN acme.storage.items b ON b.itemName = a.name AND b.vaultName = split_part(a.id, '/', 4)
WHERE a.subscriptionId = 's' AND a.vaultName = 'v' AND b.subscriptionId = 's'

-- No collection above the items gives vaultName: the error names what is missing.
SELECT * FROM acme.storage.items WHERE subscriptionId = 's'

-- Each table's vaultName would come from the other's rows: the join is set aside, and the error says how to bind them.
SELECT 1 FROM acme.storage.items a JOIN acme.storage.items b
ON a.vaultName = b.name AND b.vaultName = a.name WHERE a.subscriptionId = 's' AND b.subscriptionId = 's'

SELECT * FROM acme.storage.itemz WHERE subscriptionId = 's'

-- A subquery gives no parameter values, and the error says to join instead.
SELECT * FROM acme.storage.items i WHERE subscriptionId = 's' AND i.vaultName IN (SELECT name FROM acme.storage.items WHERE subscriptionId = 's' AND vaultName = 'v')

-- An outer join's ON does not narrow its preserved side: a is listed whole.
SELECT * FROM acme.storage.items a
LEFT JOIN acme.storage.items b ON b.vaultName = a.name AND b.subscriptionId = 's' AND a.itemName = 'x'
WHERE a.subscriptionId = 's' AND a.vaultName = 'v'

-- No WHERE: every subscription, each one's vaults, each vault's instances.
SELECT count(*) FROM azure.data_protection.backup_instances

-- A resource group in every subscription: the vaults are listed per group, and the instances per vault found.
SELECT count(*) FROM azure.data_protection.backup_instances WHERE resourceGroupName = 'rg-prod-eastus'

-- The broadest method over fanning out: ListAll, one call per subscription.
SELECT name FROM azure.compute.virtual_machines

-- vaultName is not sent by the list by subscription; the rows carry it from their ids and SQLite filters them.
SELECT name FROM azure.data_protection.backup_vaults WHERE subscriptionId = 's' AND vaultName = 'vault-prod-01'

-- Get when every Get parameter is bound.
SELECT name FROM azure.data_protection.backup_vaults WHERE subscriptionId = 's' AND resourceGroupName = 'rg' AND vaultName = 'v'

-- Natural joins on parameter columns: subscriptions first, then each one's resource groups.
SELECT rg.name FROM azure.subscriptions.subscriptions s JOIN azure.resources.resource_groups rg ON rg.subscriptionId = s.subscriptionId

-- The instances' subscription is their vault's.
SELECT bi.name FROM azure.data_protection.backup_vaults v
JOIN azure.data_protection.backup_instances bi ON bi.vaultName = v.name AND bi.resourceGroupName = v.resourceGroupName
WHERE v.subscriptionId = 's'

-- LIMIT stops paging when the rows that arrive are the result.
SELECT name FROM azure.data_protection.backup_instances WHERE subscriptionId = 's' AND resourceGroupName = 'rg' AND vaultName = 'v' LIMIT 5

SELECT name FROM azure.data_protection.backup_instances WHERE subscriptionId = 's' AND resourceGroupName = 'rg' AND vaultName = 'v' AND name LIKE 'a%' LIMIT 5

-- Too many calls are refused before any is made.
SELECT name FROM azure.data_protection.backup_vaults WHERE subscriptionId IN ('1', '2', '3', '4') AND resourceGroupName IN ('1', '2', '3', '4') AND vaultName IN ('1', '2', '3', '4')

-- Writes are planned too, and never fan out.
DELETE FROM azure.data_protection.backup_instances WHERE subscriptionId = 's' AND resourceGroupName = 'rg' AND vaultName IN ('a', 'b') AND backupInstanceName = 'x'

UPDATE azure.data_protection.backup_vaults SET data__tags = '{"a":1}' WHERE subscriptionId = 's' AND resourceGroupName = 'rg' AND vaultName = 'v'

DELETE FROM azure.data_protection.backup_instances WHERE subscriptionId = 's' AND name = 'x'

EXEC azure.data_protection.backup_instances.adhoc_backup @subscriptionId = 's', @resourceGroupName = 'rg', @vaultName = 'v', @backupInstanceName = 'x'

INSERT INTO azure.resources.resource_groups (subscriptionId, resourceGroupName, data__location) VALUES ('s', 'rg', 'eastus')

-- The anchor tool's spellings: snake_case parameters bind the document's
-- camelCase ones, in WHERE and in joins.
SELECT name FROM azure.data_protection.backup_instances WHERE subscription_id = 's' AND resource_group_name = 'rg' AND vault_name = 'v'

SELECT v.name, bi.name FROM azure.data_protection.backup_vaults v JOIN azure.data_protection.backup_instances bi ON bi.vault_name = v.name AND bi.resource_group_name = v.resource_group_name AND bi.subscription_id = v.subscription_id WHERE v.subscription_id = 's'

-- A $-parameter is sent, so a method that takes it serves the table even
-- when a more specific one is fully bound.
SELECT name FROM azure.compute.virtual_machines WHERE subscriptionId = 's' AND resourceGroupName = 'rg' AND $filter = 'x eq 1'

SELECT name FROM azure.compute.virtual_machines WHERE subscriptionId = 's' AND resourceGroupName = 'rg' AND vmName = 'vm' AND $filter = 'x eq 1'

-- Hyphenated header parameters in writes, bare or quoted; REPLACE ... SET.
DELETE FROM azure.dns.zones WHERE subscription_id = 's' AND resourceGroupName = 'rg' AND zoneName = 'z' AND If-Match = '*'

UPDATE azure.dns.zones SET data__tags = '{"a":"b"}' WHERE subscriptionId = 's' AND resourceGroupName = 'rg' AND zoneName = 'z' AND "If-Match" = '*'

REPLACE azure.dns.zones SET data__location = 'global' WHERE subscriptionId = 's' AND resourceGroupName = 'rg' AND zoneName = 'z'

EXEC azure.storage.blob_containers.BlobContainers_LockImmutabilityPolicy @subscription_id = 's', @resource_group_name = 'rg', @accountName = 'a', @containerName = 'c', @If-Match = '*'

DELETE FROM azure.dns.zones WHERE subscriptionId = 's' AND resourceGroupName = 'rg' AND zoneName = 'z' AND If-None-Matches = '*'
