-- expect: {"name":"logs"}
INSERT INTO azure.storage.blob_containers (
subscription_id,
resource_group_name,
account_name,
container_name,
data__properties
)
SELECT
'00000000-0000-0000-0000-000000000001',
'rg-prod-eastus',
'stprodeastus01',
'logs',
'{"publicAccess":"None"}'
RETURNING name;

-- EXEC with @@json and a hyphenated header argument, bare.
-- expect: "immutabilityPeriodSinceCreationInDays":3
EXEC azure.storage.blob_containers.BlobContainers_CreateOrUpdateImmutabilityPolicy
@subscriptionId='00000000-0000-0000-0000-000000000001',
@resourceGroupName='rg-prod-eastus',
@accountName='stprodeastus01',
@containerName='logs',
@immutabilityPolicyName='default',
@If-Match='*'
@@json=
'{
"properties": {"immutabilityPeriodSinceCreationInDays": 3}
}';

-- The header quoted, the other arguments in snake_case, no commas.
-- expect: "state":"Locked"
EXEC /*+ AWAIT */ azure.storage.blob_containers.BlobContainers_LockImmutabilityPolicy
@subscription_id='00000000-0000-0000-0000-000000000001'
@resource_group_name='rg-prod-eastus'
@account_name='stprodeastus01'
@container_name='logs'
@"If-Match"='*';

-- expect: {"name":"logs","access":"None"}
SELECT name, json_extract(properties, '$.publicAccess') AS access
FROM azure.storage.blob_containers
WHERE subscriptionId = '00000000-0000-0000-0000-000000000001'
AND resourceGroupName = 'rg-prod-eastus'
AND accountName = 'stprodeastus01';

DELETE FROM azure.storage.blob_containers
WHERE subscription_id = '00000000-0000-0000-0000-000000000001'
AND resource_group_name = 'rg-prod-eastus'
AND account_name = 'stprodeastus01'
AND container_name = 'logs';
