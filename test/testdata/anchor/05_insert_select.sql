-- INSERT ... SELECT from a provider table: the dry run shows the SELECT's
-- requests, then says the INSERT's calls wait for its rows.
-- expect-plan: /providers/Microsoft.Network/virtualNetworks?api-version=
-- expect-plan: Zones_CreateOrUpdate, one per row of its VALUES or SELECT
-- expect: {"name":"vnet-prod-eastus.example"}
INSERT INTO azure.dns.zones (subscription_id, resource_group_name, zone_name, data__location)
SELECT subscriptionId, 'rg-prod-eastus', name || '.example', 'global'
FROM azure.network.virtual_networks
WHERE subscription_id = '00000000-0000-0000-0000-000000000001'
RETURNING name;

-- expect: {"n":3}
SELECT count(*) AS n
FROM azure.dns.zones
WHERE subscriptionId = '00000000-0000-0000-0000-000000000001'
AND resourceGroupName = 'rg-prod-eastus'
AND name LIKE '%.example';
