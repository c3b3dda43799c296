// node-pg against skyql serve: parameterized queries (the extended
// protocol), a named prepared statement, over TLS with a SCRAM password.
// The connection comes from PGHOST, PGPORT, PGUSER, PGPASSWORD and
// PGDATABASE; the query's parameters from the arguments. Prints JSON.
const { Client } = require('pg');

async function main() {
  const [subscription, group, vault] = process.argv.slice(2);
  const client = new Client({ ssl: { rejectUnauthorized: false } });
  await client.connect();
  try {
    const instances = await client.query(
      'SELECT name FROM azure.data_protection.backup_instances WHERE subscriptionId = $1 AND resourceGroupName = $2 AND vaultName = $3 ORDER BY name LIMIT $4',
      [subscription, group, vault, 3]);
    const sum = await client.query({ name: 'plus-one', text: 'SELECT $1::int8 + 1 AS n', values: [41] });
    const again = await client.query({ name: 'plus-one', text: 'SELECT $1::int8 + 1 AS n', values: [1] });
    const catalog = await client.query('SELECT current_database() AS db, version() AS version');
    console.log(JSON.stringify({
      names: instances.rows.map((r) => r.name),
      sum: sum.rows[0].n,
      again: again.rows[0].n,
      db: catalog.rows[0].db,
      version: catalog.rows[0].version,
    }));
  } finally {
    await client.end();
  }
}

main().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
