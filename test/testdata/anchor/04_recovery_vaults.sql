-- x-ms-authorization-auxiliary, bare, in INSERT's column list and UPDATE's WHERE.
-- expect: {"Name":"rsv-prod-01","location":"eastus"}
INSERT INTO azure.recovery_services.vaults (
subscriptionId,
resourceGroupName,
vaultName,
x-ms-authorization-auxiliary,
data__location,
data__sku,
data__properties
)
SELECT
'00000000-0000-0000-0000-000000000001',
'rg-prod-eastus',
'rsv-prod-01',
'Bearer aux-token',
'eastus',
'{"name":"Standard"}',
'{"publicNetworkAccess":"Enabled"}'
RETURNING Name, location;

-- expect: {"name":"rsv-prod-01","tags":{"env":"prod"}}
UPDATE azure.recovery_services.vaults
SET data__tags = '{"env":"prod"}'
WHERE subscription_id = '00000000-0000-0000-0000-000000000001'
AND resource_group_name = 'rg-prod-eastus'
AND vault_name = 'rsv-prod-01'
AND x-ms-authorization-auxiliary = 'Bearer aux-token'
RETURNING name, tags;

-- expect: {"name":"rsv-prod-01","sku":"Standard"}
SELECT name, json_extract(sku, '$.name') AS sku
FROM azure.recovery_services.vaults
WHERE subscriptionId = '00000000-0000-0000-0000-000000000001'
AND resourceGroupName = 'rg-prod-eastus';
