-- Header parameters with hyphens, bare, in a write's column list; a hint
-- before the statement; INSERT ... SELECT of literals; RETURNING names.
-- expect: {"name":"example.com","tags":{"env":"prod"}}
-- expect-plan: If-None-Match: *
-- expect-plan: "env": "prod"
/*+ create */
INSERT INTO azure.dns.zones (
subscriptionId,
resourceGroupName,
zoneName,
If-None-Match,
data__location,
data__tags
)
SELECT
'00000000-0000-0000-0000-000000000001',
'rg-prod-eastus',
'example.com',
'*',
'global',
'{"env":"prod"}'
RETURNING name, tags;

-- VALUES with a quoted header and snake_case parameters.
-- expect: {"name":"example.org"}
INSERT INTO azure.dns.zones (subscription_id, resource_group_name, zone_name, "If-None-Match", data__location)
VALUES ('00000000-0000-0000-0000-000000000001', 'rg-prod-eastus', 'example.org', '*', 'global')
RETURNING name;

-- UPDATE sends tags as the object INSERT sends.
-- expect: {"name":"example.com","tags":{"env":"test","owner":"dns-team"}}
-- expect-plan: PATCH http
-- expect-plan: If-Match: *
-- expect-plan: "owner": "dns-team"
/*+ update */
UPDATE azure.dns.zones
SET data__tags = '{"env":"test","owner":"dns-team"}'
WHERE subscription_id = '00000000-0000-0000-0000-000000000001'
AND resource_group_name = 'rg-prod-eastus'
AND zone_name = 'example.com'
AND If-Match = '*'
RETURNING name, tags;

-- REPLACE ... SET ... WHERE replaces the zone with a PUT: tags not given go.
-- expect: {"name":"example.com","tags":{"env":"replaced"}}
-- expect-plan: PUT http
REPLACE azure.dns.zones
SET data__location = 'global',
data__tags = '{"env":"replaced"}'
WHERE subscriptionId = '00000000-0000-0000-0000-000000000001'
AND resourceGroupName = 'rg-prod-eastus'
AND zoneName = 'example.com'
AND If-Match = '*'
RETURNING name, tags;

-- expect: {"name":"example.com","env":"replaced"}
SELECT name, json_extract(tags, '$.env') AS env
FROM azure.dns.zones
WHERE subscriptionId = '00000000-0000-0000-0000-000000000001'
AND resourceGroupName = 'rg-prod-eastus'
AND zoneName = 'example.com';

/*+ delete */
DELETE FROM azure.dns.zones
WHERE subscriptionId = '00000000-0000-0000-0000-000000000001'
AND resourceGroupName = 'rg-prod-eastus'
AND zoneName = 'example.com'
AND If-Match = '*';

DELETE FROM azure.dns.zones
WHERE subscription_id = '00000000-0000-0000-0000-000000000001'
AND resource_group_name = 'rg-prod-eastus'
AND zone_name = 'example.org'
AND "If-Match" = '*';

-- expect: {"n":0}
SELECT count(*) AS n
FROM azure.dns.zones
WHERE subscriptionId = '00000000-0000-0000-0000-000000000001'
AND resourceGroupName = 'rg-prod-eastus';
