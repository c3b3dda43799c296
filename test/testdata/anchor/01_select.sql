-- OData query parameters in WHERE, bare as the anchor tool writes them: sent
-- as ?$filter=..., and the rows carry them as columns.
-- expect: {"name":"stprodeastus01","type":"Microsoft.Storage/storageAccounts"}
-- expect-plan: ?%24filter=resourceType+eq+%27Microsoft.Storage%2FstorageAccounts%27&%24top=5&api-version=
SELECT name, type
FROM azure.resources.resources
WHERE subscriptionId = '00000000-0000-0000-0000-000000000001'
AND $filter = 'resourceType eq ''Microsoft.Storage/storageAccounts'''
AND $top = 5
ORDER BY name;

-- expect: "$filter":"virtualMachineScaleSet/id eq null"
SELECT name, $filter
FROM azure.compute.virtual_machines
WHERE subscriptionId = '00000000-0000-0000-0000-000000000001'
AND resourceGroupName = 'rg-prod-eastus'
AND $filter = 'virtualMachineScaleSet/id eq null';

-- A quoted $-name is the same column.
-- expect: {"name":"vm-web-01"}
-- expect-plan: /virtualMachines/vm-web-01?%24expand=instanceView&api-version=
SELECT name
FROM azure.compute.virtual_machines
WHERE subscriptionId = '00000000-0000-0000-0000-000000000001'
AND resourceGroupName = 'rg-prod-eastus'
AND vmName = 'vm-web-01'
AND "$expand" = 'instanceView';

-- The newer documents' snake_case parameter names bind the older documents'
-- camelCase parameters; the column keeps the document's name.
-- expect: {"name":"vm-app-02","subscriptionId":"00000000-0000-0000-0000-000000000001","resourceGroupName":"rg-prod-eastus"}
SELECT name, subscription_id, resource_group_name
FROM azure.compute.virtual_machines
WHERE subscription_id = '00000000-0000-0000-0000-000000000001'
AND resource_group_name = 'rg-prod-eastus'
ORDER BY name
LIMIT 1;

-- A join on snake_case parameters, json_extract, and an optimizer hint.
-- expect: {"vault":"vault-prod-01","state":
SELECT /*+ MAX_CALLS */ v.name AS vault,
json_extract(bi.properties, '$.currentProtectionState') AS state,
count(*) AS n
FROM azure.data_protection.backup_vaults v
JOIN azure.data_protection.backup_instances bi
ON bi.vault_name = v.name
AND bi.resource_group_name = v.resource_group_name
AND bi.subscription_id = v.subscription_id
WHERE v.subscription_id = '00000000-0000-0000-0000-000000000001'
AND v.resource_group_name = 'rg-prod-eastus'
GROUP BY vault, state
ORDER BY vault, n DESC;

-- camelCase and snake_case in one statement, IN over a parameter.
-- expect: {"n":2}
SELECT count(*) AS n
FROM azure.network.virtual_networks
WHERE subscriptionId = '00000000-0000-0000-0000-000000000001'
AND resource_group_name IN ('rg-prod-eastus', 'rg-dev-eastus');
