package server

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-sqlite3"
)

// A connection's catalog database is an in-memory SQLite database holding
// the pg_catalog and information_schema tables clients read, filled from
// the catalog model. Catalog queries run there, translated from
// PostgreSQL's dialect (translate.go), so they never reach the engine or
// an API.

// Object ids: PostgreSQL's for its own schemas and types; from
// firstUserOID on for the schemas and tables of the catalog, as
// PostgreSQL numbers user objects.
const (
	oidPgCatalogNS   = 11
	oidPublicNS      = 2200
	oidInfoSchemaNS  = 13000
	oidOwner         = 10
	firstUserOID     = 16384
	oidHeapAM        = 2
	oidPgClassTable  = 1259
	oidPgNamespace   = 2615
	oidDefaultTblspc = 1663
)

// catalogTables are the DDL of the catalog tables, columns typed with
// PostgreSQL's type names (result columns take their type from them).
// Tables clients read for features skyql lacks (indexes, constraints,
// triggers, ...) exist and are empty.
var catalogTables = []string{
	`pg_namespace(oid oid, nspname name, nspowner oid, nspacl "text[]")`,
	`pg_class(oid oid, relname name, relnamespace oid, reltype oid, reloftype oid, relowner oid, relam oid,
		relfilenode oid, reltablespace oid, relpages int4, reltuples float4, relallvisible int4, reltoastrelid oid,
		relhasindex bool, relisshared bool, relpersistence "char", relkind "char", relnatts int2, relchecks int2,
		relhasrules bool, relhastriggers bool, relhassubclass bool, relrowsecurity bool, relforcerowsecurity bool,
		relispopulated bool, relreplident "char", relispartition bool, relrewrite oid, relfrozenxid xid,
		relminmxid xid, relacl "text[]", reloptions "text[]", relpartbound text)`,
	`pg_attribute(attrelid oid, attname name, atttypid oid, attstattarget int4, attlen int2, attnum int2,
		attndims int4, attcacheoff int4, atttypmod int4, attbyval bool, attalign "char", attstorage "char",
		attcompression "char", attnotnull bool, atthasdef bool, atthasmissing bool, attidentity "char",
		attgenerated "char", attisdropped bool, attislocal bool, attinhcount int4, attcollation oid,
		attacl "text[]", attoptions "text[]", attfdwoptions "text[]", attmissingval text)`,
	`pg_type(oid oid, typname name, typnamespace oid, typowner oid, typlen int2, typbyval bool, typtype "char",
		typcategory "char", typispreferred bool, typisdefined bool, typdelim "char", typrelid oid, typsubscript regproc,
		typelem oid, typarray oid, typinput regproc, typoutput regproc, typreceive regproc, typsend regproc,
		typmodin regproc, typmodout regproc, typanalyze regproc, typalign "char", typstorage "char",
		typnotnull bool, typbasetype oid, typtypmod int4, typndims int4, typcollation oid, typdefaultbin text,
		typdefault text, typacl "text[]")`,
	`pg_database(oid oid, datname name, datdba oid, encoding int4, datlocprovider "char", datistemplate bool,
		datallowconn bool, datconnlimit int4, datfrozenxid xid, datminmxid xid, dattablespace oid,
		datcollate text, datctype text, daticulocale text, datcollversion text, datacl "text[]")`,
	`pg_settings(name text, setting text, unit text, category text, short_desc text, extra_desc text,
		context text, vartype text, source text, min_val text, max_val text, enumvals "text[]", boot_val text,
		reset_val text, sourcefile text, sourceline int4, pending_restart bool)`,
	`pg_roles(oid oid, rolname name, rolsuper bool, rolinherit bool, rolcreaterole bool, rolcreatedb bool,
		rolcanlogin bool, rolreplication bool, rolconnlimit int4, rolpassword text, rolvaliduntil timestamptz,
		rolbypassrls bool, rolconfig "text[]")`,
	`pg_description(objoid oid, classoid oid, objsubid int4, description text)`,
	`pg_am(oid oid, amname name, amhandler regproc, amtype "char")`,
	`pg_tablespace(oid oid, spcname name, spcowner oid, spcacl "text[]", spcoptions "text[]")`,
	`pg_attrdef(oid oid, adrelid oid, adnum int2, adbin text)`,
	`pg_index(indexrelid oid, indrelid oid, indnatts int2, indnkeyatts int2, indisunique bool,
		indnullsnotdistinct bool, indisprimary bool, indisexclusion bool, indimmediate bool, indisclustered bool,
		indisvalid bool, indcheckxmin bool, indisready bool, indislive bool, indisreplident bool,
		indkey text, indcollation text, indclass text, indoption text, indexprs text, indpred text)`,
	`pg_constraint(oid oid, conname name, connamespace oid, contype "char", condeferrable bool,
		condeferred bool, convalidated bool, conrelid oid, contypid oid, conindid oid, conparentid oid,
		confrelid oid, confupdtype "char", confdeltype "char", confmatchtype "char", conislocal bool,
		coninhcount int4, connoinherit bool, conkey "int2[]", confkey "int2[]", conbin text)`,
	`pg_inherits(inhrelid oid, inhparent oid, inhseqno int4, inhdetachpending bool)`,
	`pg_proc(oid oid, proname name, pronamespace oid, proowner oid, prolang oid, prokind "char",
		prorettype oid, proargtypes text, proargnames "text[]", prosrc text)`,
	`pg_trigger(oid oid, tgrelid oid, tgparentid oid, tgname name, tgfoid oid, tgtype int2, tgenabled "char",
		tgisinternal bool, tgconstrrelid oid, tgconstrindid oid, tgconstraint oid, tgdeferrable bool,
		tginitdeferred bool, tgnargs int2, tgattr text, tgargs text, tgqual text, tgoldtable name, tgnewtable name)`,
	`pg_policy(oid oid, polname name, polrelid oid, polcmd "char", polpermissive bool, polroles text,
		polqual text, polwithcheck text)`,
	`pg_rewrite(oid oid, rulename name, ev_class oid, ev_type "char", ev_enabled "char", is_instead bool,
		ev_qual text, ev_action text)`,
	`pg_statistic_ext(oid oid, stxrelid oid, stxname name, stxnamespace oid, stxowner oid, stxstattarget int4,
		stxkeys text, stxkind "text[]", stxexprs text)`,
	`pg_publication(oid oid, pubname name, pubowner oid, puballtables bool, pubinsert bool, pubupdate bool,
		pubdelete bool, pubtruncate bool, pubviaroot bool)`,
	`pg_publication_rel(oid oid, prpubid oid, prrelid oid, prqual text, prattrs text)`,
	`pg_publication_namespace(oid oid, pnpubid oid, pnnspid oid)`,
	`pg_foreign_table(ftrelid oid, ftserver oid, ftoptions "text[]")`,
	`pg_partitioned_table(partrelid oid, partstrat "char", partnatts int2, partdefid oid, partattrs text,
		partclass text, partcollation text, partexprs text)`,
	`pg_collation(oid oid, collname name, collnamespace oid, collowner oid, collprovider "char",
		collisdeterministic bool, collencoding int4, collcollate text, collctype text)`,
	`pg_extension(oid oid, extname name, extowner oid, extnamespace oid, extrelocatable bool, extversion text)`,
	`pg_sequence(seqrelid oid, seqtypid oid, seqstart int8, seqincrement int8, seqmax int8, seqmin int8,
		seqcache int8, seqcycle bool)`,
	`pg_depend(classid oid, objid oid, objsubid int4, refclassid oid, refobjid oid, refobjsubid int4, deptype "char")`,
	`pg_enum(oid oid, enumtypid oid, enumsortorder float4, enumlabel name)`,
	`pg_range(rngtypid oid, rngsubtype oid, rngmultitypid oid)`,
	`pg_event_trigger(oid oid, evtname name, evtevent name, evtowner oid, evtfoid oid, evtenabled "char")`,
	`pg_stat_activity(datid oid, datname name, pid int4, usename name, application_name text,
		client_addr text, state text, query text)`,
	`pg_auth_members(oid oid, roleid oid, member oid, grantor oid, admin_option bool)`,
	`pg_opfamily(oid oid, opfmethod oid, opfname name, opfnamespace oid, opfowner oid)`,
	`pg_opclass(oid oid, opcmethod oid, opcname name, opcnamespace oid, opcowner oid, opcfamily oid,
		opcintype oid, opcdefault bool, opckeytype oid)`,
	`pg_operator(oid oid, oprname name, oprnamespace oid, oprowner oid, oprkind "char", oprcanmerge bool,
		oprcanhash bool, oprleft oid, oprright oid, oprresult oid, oprcom oid, oprnegate oid, oprcode regproc,
		oprrest regproc, oprjoin regproc)`,
	`pg_cast(oid oid, castsource oid, casttarget oid, castfunc oid, castcontext "char", castmethod "char")`,
	`pg_conversion(oid oid, conname name, connamespace oid, conowner oid, conforencoding int4,
		contoencoding int4, conproc regproc, condefault bool)`,
	`pg_language(oid oid, lanname name, lanowner oid, lanispl bool, lanpltrusted bool, lanplcallfoid oid,
		laninline oid, lanvalidator oid, lanacl "text[]")`,
	`pg_foreign_data_wrapper(oid oid, fdwname name, fdwowner oid, fdwhandler oid, fdwvalidator oid,
		fdwacl "text[]", fdwoptions "text[]")`,
	`pg_foreign_server(oid oid, srvname name, srvowner oid, srvfdw oid, srvtype text, srvversion text,
		srvacl "text[]", srvoptions "text[]")`,
	`pg_user_mapping(oid oid, umuser oid, umserver oid, umoptions "text[]")`,
	`information_schema.schemata(catalog_name name, schema_name name, schema_owner name,
		default_character_set_catalog name, default_character_set_schema name, default_character_set_name name,
		sql_path text)`,
	`information_schema.tables(table_catalog name, table_schema name, table_name name, table_type text,
		self_referencing_column_name name, reference_generation text, user_defined_type_catalog name,
		user_defined_type_schema name, user_defined_type_name name, is_insertable_into text, is_typed text,
		commit_action text)`,
	`information_schema.columns(table_catalog name, table_schema name, table_name name, column_name name,
		ordinal_position int4, column_default text, is_nullable text, data_type text,
		character_maximum_length int4, character_octet_length int4, numeric_precision int4,
		numeric_precision_radix int4, numeric_scale int4, datetime_precision int4, interval_type text,
		interval_precision int4, character_set_catalog name, character_set_schema name, character_set_name name,
		collation_catalog name, collation_schema name, collation_name name, domain_catalog name,
		domain_schema name, domain_name name, udt_catalog name, udt_schema name, udt_name name,
		scope_catalog name, scope_schema name, scope_name name, maximum_cardinality int4, dtd_identifier name,
		is_self_referencing text, is_identity text, identity_generation text, identity_start text,
		identity_increment text, identity_maximum text, identity_minimum text, identity_cycle text,
		is_generated text, generation_expression text, is_updatable text, description text)`,
	`information_schema.views(table_catalog name, table_schema name, table_name name, view_definition text)`,
	`information_schema.routines(specific_catalog name, specific_schema name, specific_name name,
		routine_catalog name, routine_schema name, routine_name name, routine_type text, data_type text)`,
	`information_schema.table_constraints(constraint_catalog name, constraint_schema name, constraint_name name,
		table_catalog name, table_schema name, table_name name, constraint_type text, is_deferrable text,
		initially_deferred text, enforced text)`,
	`information_schema.key_column_usage(constraint_catalog name, constraint_schema name, constraint_name name,
		table_catalog name, table_schema name, table_name name, column_name name, ordinal_position int4,
		position_in_unique_constraint int4)`,
}

// pgTypes are the types the catalog's pg_type lists: those of the
// columns skyql shows and of the catalog tables themselves.
var pgTypes = []struct {
	oid      uint32
	name     string
	length   int
	category string
}{
	{oidBool, "bool", 1, "B"}, {oidBytea, "bytea", -1, "U"}, {oidChar, "char", 1, "S"}, {oidName, "name", 64, "S"},
	{oidInt8, "int8", 8, "N"}, {oidInt2, "int2", 2, "N"}, {oidInt4, "int4", 4, "N"}, {oidRegproc, "regproc", 4, "N"},
	{oidText, "text", -1, "S"}, {oidOID, "oid", 4, "N"}, {oidXID, "xid", 4, "U"}, {oidJSON, "json", -1, "U"},
	{oidFloat4, "float4", 4, "N"}, {oidFloat8, "float8", 8, "N"}, {oidUnknown, "unknown", -2, "X"},
	{oidVarchar, "varchar", -1, "S"}, {oidDate, "date", 4, "D"}, {oidTimestamp, "timestamp", 8, "D"},
	{oidTimestamptz, "timestamptz", 8, "D"}, {oidNumeric, "numeric", -1, "N"}, {oidUUID, "uuid", 16, "U"},
	{oidJSONB, "jsonb", -1, "U"}, {oidTextArray, "_text", -1, "A"}, {oidInt2Array, "_int2", -1, "A"},
}

// typeByName is the OID of a type name as catalog DDL and casts spell it.
func typeByName(name string) (uint32, bool) {
	name = strings.Trim(strings.ToLower(name), `"`)
	switch name {
	case "text[]":
		return oidTextArray, true
	case "int2[]":
		return oidInt2Array, true
	case "timestamptz", "timestamp with time zone":
		return oidTimestamptz, true
	}
	for _, t := range pgTypes {
		if t.name == name {
			return t.oid, true
		}
	}
	return 0, false
}

// catalogDB is a connection's catalog database.
type catalogDB struct {
	db *sql.DB
}

// connState is what the catalog's functions read of their connection.
type connState struct {
	database, user string
	pid            uint32
	settings       *settings
	schemas        []schemaRef
	started        time.Time // the server's start

	// Filled with the catalog database.
	relations    map[int64]relation
	namespaces   map[int64]string
	descriptions map[[2]int64]string // by object id and column number (0: the object)
}

type relation struct {
	name      string
	namespace int64
}

func (st *connState) description(oid, attnum any) any {
	o, ok1 := oid.(int64)
	n, ok2 := attnum.(int64)
	if d, ok := st.descriptions[[2]int64{o, n}]; ok && ok1 && ok2 {
		return d
	}
	return nil
}

// visible reports whether a table's schema is on the search path, as
// pg_table_is_visible does.
func (st *connState) visible(oid int64) bool {
	rel, ok := st.relations[oid]
	if !ok {
		return true // the catalog's own tables
	}
	for _, name := range st.settings.searchPath() {
		if name == st.namespaces[rel.namespace] {
			return true
		}
	}
	return false
}

// regclass is a ::regclass cast: a name (schema.table, quoted or not)
// becomes its table's oid, an oid its name.
func (st *connState) regclass(v any) any {
	switch v := v.(type) {
	case int64:
		if rel, ok := st.relations[v]; ok {
			return quoteIdentIfNeeded(st.namespaces[rel.namespace]) + "." + quoteIdentIfNeeded(rel.name)
		}
		return v
	case string:
		schema, name := splitQualified(v)
		if oid, ok := systemCatalogs[name]; ok && (schema == "" || schema == "pg_catalog") {
			return oid
		}
		for oid, rel := range st.relations {
			if rel.name == name && (schema == "" || st.namespaces[rel.namespace] == schema) {
				return oid
			}
		}
		if oid, err := strconv.ParseInt(v, 10, 64); err == nil {
			return oid
		}
	}
	return nil
}

// systemCatalogs are PostgreSQL's oids of the catalog tables that
// queries name as 'pg_class'::regclass (pg_description.classoid).
var systemCatalogs = map[string]int64{"pg_class": oidPgClassTable, "pg_namespace": oidPgNamespace,
	"pg_attribute": 1249, "pg_type": 1247, "pg_proc": 1255, "pg_database": 1262, "pg_constraint": 2606,
	"pg_index": 2610, "pg_trigger": 2620, "pg_am": 2601, "pg_description": 2609}

// regnamespace is a ::regnamespace cast.
func (st *connState) regnamespace(v any) any {
	switch v := v.(type) {
	case int64:
		if name, ok := st.namespaces[v]; ok {
			return name
		}
		return v
	case string:
		for oid, name := range st.namespaces {
			if name == strings.Trim(v, `"`) {
				return oid
			}
		}
	}
	return nil
}

// catalogConnector opens the catalog database with the functions of one
// connection registered.
type catalogConnector struct {
	driver *sqlite3.SQLiteDriver
}

func (c catalogConnector) Connect(context.Context) (driver.Conn, error) {
	return c.driver.Open("file::memory:")
}

func (c catalogConnector) Driver() driver.Driver { return c.driver }

// openCatalog builds the catalog database of a connection.
func openCatalog(ctx context.Context, m *catalogModel, st *connState) (*catalogDB, error) {
	drv := &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error { return registerCatalogFunctions(c, st) }}
	db := sql.OpenDB(catalogConnector{drv})
	// One connection: the database lives in it.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	if err := fillCatalog(ctx, db, m, st); err != nil {
		db.Close()
		return nil, fmt.Errorf("building the catalog: %w", err)
	}
	return &catalogDB{db: db}, nil
}

func (c *catalogDB) Close() error { return c.db.Close() }

// query runs a translated catalog query, typing result columns by the
// catalog tables' declared types where SQLite knows them.
func (c *catalogDB) query(ctx context.Context, query string, args []any, sink *rowSink) error {
	rows, err := c.db.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("catalog query: %w", err)
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return err
	}
	cols := make([]resultColumn, len(types))
	for i, t := range types {
		cols[i].name = t.Name()
		cols[i].oid, _ = typeByName(t.DatabaseTypeName())
	}
	if err := sink.begin(cols); err != nil {
		return err
	}
	for rows.Next() {
		values := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range values {
			ptrs[i] = &values[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		for i, v := range values {
			if b, ok := v.([]byte); ok {
				values[i] = string(b)
			}
		}
		if err := sink.row(values); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("catalog query: %w", err)
	}
	return nil
}

// rowInserter adds rows to the catalog tables in one transaction, with
// one prepared statement per table: all of Azure is some 150,000 rows, and
// preparing each insert anew took most of a connection's first catalog
// query.
type rowInserter struct {
	ctx     context.Context
	tx      *sql.Tx
	inserts map[string]*sql.Stmt
	err     error
}

func (r *rowInserter) add(table string, values ...any) {
	if r.err != nil {
		return
	}
	stmt, ok := r.inserts[table]
	if !ok {
		marks := strings.TrimSuffix(strings.Repeat("?,", len(values)), ",")
		if stmt, r.err = r.tx.PrepareContext(r.ctx, "INSERT INTO "+table+" VALUES ("+marks+")"); r.err != nil {
			r.err = fmt.Errorf("%s: %w", table, r.err)
			return
		}
		r.inserts[table] = stmt
	}
	if _, r.err = stmt.ExecContext(r.ctx, values...); r.err != nil {
		r.err = fmt.Errorf("%s: %w", table, r.err)
	}
}

// close releases the prepared statements.
func (r *rowInserter) close() {
	for _, stmt := range r.inserts {
		stmt.Close()
	}
}

func fillCatalog(ctx context.Context, db *sql.DB, m *catalogModel, st *connState) error {
	if _, err := db.ExecContext(ctx, `ATTACH ':memory:' AS information_schema`); err != nil {
		return err
	}
	for _, ddl := range catalogTables {
		if _, err := db.ExecContext(ctx, "CREATE TABLE "+ddl); err != nil {
			return fmt.Errorf("%.40s: %w", ddl, err)
		}
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	r := &rowInserter{ctx: ctx, tx: tx, inserts: map[string]*sql.Stmt{}}
	defer r.close()
	st.relations, st.namespaces, st.descriptions = map[int64]relation{}, map[int64]string{}, map[[2]int64]string{}
	const owner = "skyql"
	r.add("pg_roles", oidOwner, owner, false, true, false, false, true, false, -1, nil, nil, false, nil)
	r.add("pg_am", oidHeapAM, "heap", "heap_tableam_handler", "t")
	r.add("pg_tablespace", oidDefaultTblspc, "pg_default", oidOwner, nil, nil)
	databases := []string{}
	for _, p := range m.providers {
		databases = append(databases, p.name)
	}
	if !slices.Contains(databases, st.database) {
		databases = append(databases, st.database)
	}
	for i, name := range databases {
		r.add("pg_database", firstUserOID-len(databases)+i, name, oidOwner, 6, "c", false, true, -1, 0, 0, oidDefaultTblspc, "C", "C", nil, nil, nil)
	}
	for _, t := range pgTypes {
		r.add("pg_type", t.oid, t.name, oidPgCatalogNS, oidOwner, t.length, t.length > 0 && t.length <= 8, "b", t.category, false, true, ",", 0,
			"-", 0, 0, t.name+"in", t.name+"out", t.name+"recv", t.name+"send", "-", "-", "-", "i", "p", false, 0, -1, 0, 0, nil, nil, nil)
	}
	for _, ns := range []struct {
		oid  int
		name string
	}{{oidPgCatalogNS, "pg_catalog"}, {oidPublicNS, "public"}, {oidInfoSchemaNS, "information_schema"}} {
		r.add("pg_namespace", ns.oid, ns.name, oidOwner, nil)
		st.namespaces[int64(ns.oid)] = ns.name
		r.add("information_schema.schemata", st.database, ns.name, owner, nil, nil, nil, nil)
	}
	oid := firstUserOID
	for _, s := range st.schemas {
		nsOID := oid
		oid++
		r.add("pg_namespace", nsOID, s.name, oidOwner, nil)
		st.namespaces[int64(nsOID)] = s.name
		r.add("pg_description", nsOID, oidPgNamespace, 0, s.service.description)
		st.descriptions[[2]int64{int64(nsOID), 0}] = s.service.description
		r.add("information_schema.schemata", st.database, s.name, owner, nil, nil, nil, nil)
		for _, res := range s.service.resources {
			relOID := oid
			oid++
			r.add("pg_class", relOID, res.name, nsOID, 0, 0, oidOwner, oidHeapAM, relOID, 0, 0, -1, 0, 0,
				false, false, "p", "r", len(res.columns), 0, false, false, false, false, false, true, "d", false, 0, 0, 0, nil, nil, nil)
			st.relations[int64(relOID)] = relation{name: res.name, namespace: int64(nsOID)}
			if res.description != "" {
				r.add("pg_description", relOID, oidPgClassTable, 0, res.description)
				st.descriptions[[2]int64{int64(relOID), 0}] = res.description
			}
			r.add("information_schema.tables", st.database, s.name, res.name, "BASE TABLE", nil, nil, nil, nil, nil, "YES", "NO", nil)
			for i, col := range res.columns {
				typ := pgType(col.kind)
				r.add("pg_attribute", relOID, col.name, typ, -1, typeLength(typ), i+1, 0, -1, -1, false, "i", "x", "", false, false, false, "", "", false, true, 0, 0, nil, nil, nil, nil)
				if col.description != "" {
					r.add("pg_description", relOID, oidPgClassTable, i+1, col.description)
					st.descriptions[[2]int64{int64(relOID), int64(i + 1)}] = col.description
				}
				r.add("information_schema.columns", st.database, s.name, res.name, col.name, i+1, nil, "YES", typeNames[typ],
					nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil,
					st.database, "pg_catalog", pgTypeName(typ), nil, nil, nil, nil, i+1, "NO", "NO", nil, nil, nil, nil, nil, "NO", "NEVER", nil, "YES", col.description)
			}
		}
	}
	for _, s := range st.settings.all() {
		r.add("pg_settings", s.name, s.value, nil, "Client Connection Defaults", "", nil, "user", "string", s.source, nil, nil, nil, s.boot, s.boot, nil, nil, false)
	}
	if r.err != nil {
		return r.err
	}
	return tx.Commit()
}

func typeLength(oid uint32) int {
	for _, t := range pgTypes {
		if t.oid == oid {
			return t.length
		}
	}
	return -1
}

func pgTypeName(oid uint32) string {
	for _, t := range pgTypes {
		if t.oid == oid {
			return t.name
		}
	}
	return "text"
}

// regexps caches compiled patterns: psql sends the same few again and again.
var regexps sync.Map

// registerCatalogFunctions defines, on one SQLite connection, the
// PostgreSQL functions catalog queries call.
func registerCatalogFunctions(c *sqlite3.SQLiteConn, st *connState) error {
	funcs := map[string]any{
		"regexp": func(pattern, s string) (bool, error) {
			re, ok := regexps.Load(pattern)
			if !ok {
				compiled, err := regexp.Compile(pattern)
				if err != nil {
					return false, fmt.Errorf("invalid regular expression %q: %w", pattern, err)
				}
				re, _ = regexps.LoadOrStore(pattern, compiled)
			}
			return re.(*regexp.Regexp).MatchString(s), nil
		},
		"version":          func() string { return "PostgreSQL " + serverVersion + " on skyql" },
		"current_database": func() string { return st.database },
		"current_catalog":  func() string { return st.database },
		"current_user":     func() string { return st.user },
		"session_user":     func() string { return st.user },
		"current_role":     func() string { return st.user },
		"user":             func() string { return st.user },
		"current_schema": func() any {
			if len(st.schemas) == 0 {
				return "public"
			}
			return st.schemas[0].name
		},
		"current_schemas": func(bool) string {
			names := []string{"pg_catalog"}
			for _, s := range st.schemas {
				names = append(names, quoteArrayElem(s.name))
			}
			return "{" + strings.Join(names, ",") + "}"
		},
		"current_setting": func(name string, missingOK ...any) (any, error) {
			if v, ok := st.settings.get(name); ok {
				return v, nil
			}
			if len(missingOK) > 0 && truthy(missingOK[0]) {
				return nil, nil
			}
			return nil, fmt.Errorf("unrecognized configuration parameter %q", name)
		},
		"set_config": func(name, value string, _ any) string {
			st.settings.set(name, value, "session")
			return value
		},
		"pg_backend_pid":                     func() int64 { return int64(st.pid) },
		"pg_is_in_recovery":                  func() bool { return false },
		"pg_get_userbyid":                    func(any) string { return "skyql" },
		"pg_encoding_to_char":                func(any) string { return "UTF8" },
		"pg_char_to_encoding":                func(any) int64 { return 6 },
		"pg_table_is_visible":                func(oid int64) bool { return st.visible(oid) },
		"has_table_privilege":                func(args ...any) bool { return true },
		"has_schema_privilege":               func(args ...any) bool { return true },
		"has_database_privilege":             func(args ...any) bool { return true },
		"has_column_privilege":               func(args ...any) bool { return true },
		"pg_has_role":                        func(args ...any) bool { return true },
		"obj_description":                    func(oid any, _ ...any) any { return st.description(oid, int64(0)) },
		"col_description":                    func(oid, attnum any) any { return st.description(oid, attnum) },
		"shobj_description":                  func(any, any) any { return nil },
		"pg_get_expr":                        func(args ...any) any { return nil },
		"pg_get_indexdef":                    func(args ...any) any { return nil },
		"pg_get_constraintdef":               func(args ...any) any { return nil },
		"pg_get_viewdef":                     func(args ...any) any { return nil },
		"pg_get_triggerdef":                  func(args ...any) any { return nil },
		"pg_get_function_result":             func(any) any { return nil },
		"pg_get_function_arguments":          func(any) any { return nil },
		"pg_get_statisticsobjdef_columns":    func(any) any { return nil },
		"pg_get_partkeydef":                  func(any) any { return nil },
		"pg_get_ruledef":                     func(args ...any) any { return nil },
		"pg_get_serial_sequence":             func(any, any) any { return nil },
		"pg_get_function_identity_arguments": func(any) any { return nil },
		"pg_relation_is_publishable":         func(any) bool { return false },
		"array_upper":                        func(arr any, _ int64) any { return arrayLength(arr) },
		"array_length":                       func(arr any, _ int64) any { return arrayLength(arr) },
		"string_to_array": func(s, sep string) (string, error) {
			b, err := json.Marshal(strings.Split(s, sep))
			return string(b), err
		},
		"array_lower": func(arr any, _ int64) any {
			if arrayLength(arr) == nil {
				return nil
			}
			return int64(1)
		},
		"pg_tablespace_location":   func(any) string { return "" },
		"pg_get_functiondef":       func(any) any { return nil },
		"pg_relation_size":         func(args ...any) int64 { return 0 },
		"pg_total_relation_size":   func(any) int64 { return 0 },
		"pg_table_size":            func(any) int64 { return 0 },
		"pg_database_size":         func(any) int64 { return 0 },
		"pg_size_pretty":           func(n int64) string { return fmt.Sprintf("%d bytes", n) },
		"pg_postmaster_start_time": func() string { return st.started.UTC().Format("2006-01-02 15:04:05.999999-07") },
		"format_type": func(oid any, _ any) any {
			n, ok := oid.(int64)
			if !ok {
				return nil
			}
			if name, ok := typeNames[uint32(n)]; ok {
				return name
			}
			return pgTypeName(uint32(n))
		},
		"array_to_string": func(arr any, sep string, _ ...any) any { return arrayToString(arr, sep) },
		"quote_ident":     func(s string) string { return quoteIdentIfNeeded(s) },
		"pg_regclass":     func(v any) any { return st.regclass(v) },
		"pg_regnamespace": func(v any) any { return st.regnamespace(v) },
		"pg_regtype": func(v any) any {
			if n, ok := v.(int64); ok {
				return pgTypeName(uint32(n))
			}
			if s, ok := v.(string); ok {
				if oid, ok := typeByName(s); ok {
					return int64(oid)
				}
			}
			return nil
		},
		"pg_regproc": func(v any) any { return v },
		"pg_bool":    func(v any) any { return truthyOrNil(v) },
	}
	// The catalog's other objects (types, functions, operators, ...) are
	// all on the search path.
	for _, kind := range []string{"type", "function", "operator", "conversion", "collation", "opclass", "opfamily", "statistics_obj", "ts_config", "ts_dict", "ts_parser", "ts_template"} {
		funcs["pg_"+kind+"_is_visible"] = func(any) bool { return true }
	}
	for name, f := range funcs {
		if err := c.RegisterFunc(name, f, false); err != nil {
			return fmt.Errorf("registering %s: %w", name, err)
		}
	}
	return nil
}

// arrayLength is the number of elements of a JSON array; NULL for none.
func arrayLength(arr any) any {
	s, ok := arr.(string)
	var elems []any
	if !ok || json.Unmarshal([]byte(s), &elems) != nil || len(elems) == 0 {
		return nil
	}
	return int64(len(elems))
}
