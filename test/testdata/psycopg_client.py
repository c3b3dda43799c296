"""psycopg 3 against skyql serve: server-side parameters (the extended
protocol), its default transaction handling, over TLS with a SCRAM password.
The connection string is the first argument, the query's parameters the
others. Prints JSON."""
import json
import sys

import psycopg


def main():
    conninfo, subscription, group, vault = sys.argv[1:5]
    with psycopg.connect(conninfo) as conn:  # not autocommit: BEGIN first
        with conn.cursor() as cur:
            cur.execute(
                "SELECT name FROM azure.data_protection.backup_instances"
                " WHERE subscriptionId = %s AND resourceGroupName = %s AND vaultName = %s"
                " ORDER BY name LIMIT %s",
                (subscription, group, vault, 3),
            )
            names = [row[0] for row in cur.fetchall()]
            cur.execute("SELECT %s::int8 + 1", (41,))
            total = cur.fetchone()[0]
            cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s ORDER BY 1", ("data_protection",))
            tables = [row[0] for row in cur.fetchall()]
        conn.commit()
    print(json.dumps({"names": names, "sum": total, "tables": tables}))


if __name__ == "__main__":
    main()
