// pgJDBC against skyql serve: a PreparedStatement with ? parameters (the
// extended protocol), and DatabaseMetaData's getTables and getColumns, the
// queries DBeaver's and other JDBC tools' schema browsers run; over TLS with
// a SCRAM password. Arguments: the JDBC URL, the password, then the
// query's parameters. Prints one line per result: names, tables, columns.
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

public class JdbcClient {
    public static void main(String[] args) throws Exception {
        Properties props = new Properties();
        props.setProperty("user", "skyql");
        props.setProperty("password", args[1]);
        try (Connection conn = DriverManager.getConnection(args[0], props)) {
            List<String> names = new ArrayList<>();
            try (PreparedStatement ps = conn.prepareStatement(
                    "SELECT name FROM azure.data_protection.backup_instances"
                    + " WHERE subscriptionId = ? AND resourceGroupName = ? AND vaultName = ? ORDER BY name LIMIT ?")) {
                ps.setString(1, args[2]);
                ps.setString(2, args[3]);
                ps.setString(3, args[4]);
                ps.setInt(4, 3);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        names.add(rs.getString(1));
                    }
                }
            }
            System.out.println("names " + String.join(" ", names));
            DatabaseMetaData meta = conn.getMetaData();
            List<String> tables = new ArrayList<>();
            try (ResultSet rs = meta.getTables(null, "data_protection", "backup%", new String[] {"TABLE"})) {
                while (rs.next()) {
                    tables.add(rs.getString("TABLE_NAME"));
                }
            }
            System.out.println("tables " + String.join(" ", tables));
            List<String> columns = new ArrayList<>();
            try (ResultSet rs = meta.getColumns(null, "data_protection", "backup_instances", "%")) {
                while (rs.next()) {
                    columns.add(rs.getString("COLUMN_NAME") + ":" + rs.getString("TYPE_NAME"));
                }
            }
            System.out.println("columns " + String.join(" ", columns));
        }
    }
}
