// Package store keeps rows in SQLite: one table per resource (and column
// layout), filled straight from API pages, and a record of which call
// produced which rows, so a repeated query within the cache TTL is answered
// without a single HTTP request. Queries see exactly the rows of their own
// calls through temporary views named after the resources.
package store

import (
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	sqlite3 "github.com/mattn/go-sqlite3"
)

const driverName = "skyql_sqlite3"

var registerOnce sync.Once

// registerDriver installs the SQLite driver with skyql's SQL functions on
// every connection, and tunes the C heap SQLite allocates from.
func registerDriver() {
	registerOnce.Do(func() {
		sql.Register(driverName, &sqlite3.SQLiteDriver{ConnectHook: registerFunctions})
		tuneCHeap()
	})
}

// Options configure a Store.
type Options struct {
	// Path is the SQLite file. Empty means a private temporary file that
	// Close removes: nothing is cached across runs.
	Path string
	// TTL is how long a complete call's rows are served from the cache.
	TTL time.Duration
	// Warnings, when set, is told when a damaged cache is replaced.
	Warnings io.Writer
	// ResultDir, when set, is where whole query results are kept (see
	// ResultSlot). Empty means none are.
	ResultDir string
	// LeaseDuration is how long a fetch holds its calls without renewing
	// its lease (see Materialize): how long a killed process can keep
	// others waiting. Zero means DefaultLeaseDuration.
	LeaseDuration time.Duration
	// Isolated confines what Query and ScanRow may read to the views this
	// store bound: the store's own tables, the rows of other sessions'
	// calls and SQLite's schema are refused (see Query). For a server,
	// whose clients must not see each other's calls.
	Isolated bool
	// StatementTimeout, when positive, interrupts a statement run through
	// Query or ScanRow that takes longer.
	StatementTimeout time.Duration
	// HardHeapLimit, when positive, is SQLite's hard heap limit in bytes
	// (PRAGMA hard_heap_limit): past it, an allocation fails and the
	// statement that asked for it ends with "out of memory". SQLite keeps
	// one limit for the whole process: the last store opened with one
	// sets it for every connection.
	HardHeapLimit int64
}

// DefaultLeaseDuration is the LeaseDuration of a zero Options.
const DefaultLeaseDuration = 15 * time.Second

// Store is a SQLite database of fetched rows. It holds a single connection:
// the temporary views a query runs against live on that connection.
type Store struct {
	db        *sql.DB
	path      string
	ephemeral bool
	ttl       time.Duration
	resultDir string
	lease     time.Duration
	owner     string // names this store's leases (see Materialize)
	isolated  bool
	timeout   time.Duration
	// checkpoints copies the write-ahead log into the database file; nil
	// for a scratch database, which has no log.
	checkpoints *checkpointer

	mu     sync.Mutex
	tables map[string]*Table
	// bound is the table behind each view BindView made.
	bound map[string]string
}

// Open opens (creating if need be) the store.
func Open(ctx context.Context, opts Options) (*Store, error) {
	registerDriver()
	s, err := open(ctx, opts)
	if err != nil && isCorrupt(err) && opts.Path != "" {
		// A cache damaged by a crash is rebuilt, not repaired.
		for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
			os.Remove(opts.Path + suffix)
		}
		if opts.Warnings != nil {
			fmt.Fprintf(opts.Warnings, "skyql: the cache at %s was damaged (%v); starting a new one\n", opts.Path, err)
		}
		s, err = open(ctx, opts)
	}
	return s, err
}

// isCorrupt reports whether SQLite found the file damaged or not a database.
func isCorrupt(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && (se.Code == sqlite3.ErrCorrupt || se.Code == sqlite3.ErrNotADB)
}

func open(ctx context.Context, opts Options) (*Store, error) {
	s := &Store{path: opts.Path, ttl: opts.TTL, tables: map[string]*Table{}, bound: map[string]string{}, resultDir: opts.ResultDir,
		lease: cmp.Or(opts.LeaseDuration, DefaultLeaseDuration), owner: newOwner(), isolated: opts.Isolated, timeout: opts.StatementTimeout}
	if opts.HardHeapLimit < 0 || opts.LeaseDuration < 0 || opts.StatementTimeout < 0 {
		return nil, errors.New("store: HardHeapLimit, LeaseDuration and StatementTimeout must not be negative")
	}
	// The cache trades durability for speed: no fsync, not even at WAL
	// checkpoints (measured: a 100-vault fan-out of 20,000 rows took
	// 1.0 s with synchronous=NORMAL and 0.65 s with OFF). What a power
	// loss can cost is the cache itself, which Open then replaces; a
	// cache's loss costs a refetch, never a wrong answer. Every
	// transaction the store begins writes, and takes the write lock at
	// BEGIN (_txlock=immediate): one that read first and wrote later could
	// find another process's commit in between and fail at once, where
	// waiting for the lock (the busy timeout) succeeds.
	params := fmt.Sprintf("_synchronous=OFF&_busy_timeout=%d&_foreign_keys=off&_txlock=immediate", busyTimeout.Milliseconds())
	journal := "WAL"
	if s.path == "" {
		f, err := os.CreateTemp("", "skyql-*.db")
		if err != nil {
			return nil, fmt.Errorf("creating a scratch database: %w", err)
		}
		f.Close()
		s.path, s.ephemeral = f.Name(), true
		s.resultDir = "" // nothing outlives a scratch database
		params, journal = "_synchronous=OFF&_txlock=immediate", "OFF"
	} else if err := os.MkdirAll(filepath.Dir(s.path), 0o700); err != nil {
		return nil, fmt.Errorf("creating the cache directory: %w", err)
	}
	db, err := sql.Open(driverName, "file:"+s.path+"?"+params)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	s.db = db
	// The page size must be set before the journal mode, which writes the
	// database header; it only takes on a new database. Rows of API
	// resources are 1-3 KiB: 4 KiB pages hold one or two of them and waste
	// a third of the file, 16 KiB pages waste little.
	pragmas := []string{"PRAGMA page_size = 16384", "PRAGMA journal_mode = " + journal}
	if opts.HardHeapLimit > 0 {
		pragmas = append(pragmas, fmt.Sprintf("PRAGMA hard_heap_limit = %d", opts.HardHeapLimit))
	}
	for _, pragma := range pragmas {
		if err := execRetryingBusy(ctx, db, pragma); err != nil {
			s.Close()
			return nil, s.wrapOpenErr(err)
		}
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, s.wrapOpenErr(err)
	}
	if journal == "WAL" {
		s.checkpoints = newCheckpointer(s.path, params, opts.Warnings)
	}
	return s, nil
}

// busyTimeout is how long a statement waits for another connection's lock
// on the cache before it fails.
const busyTimeout = 10 * time.Second

// execRetryingBusy runs a statement of Open's, retrying it while another
// connection holds a lock it needs, for up to busyTimeout. Switching a new
// database to WAL needs the file to itself, and SQLite answers "locked" at
// once there instead of waiting: processes that start a cache together
// would otherwise all but one fail.
func execRetryingBusy(ctx context.Context, db *sql.DB, stmt string) error {
	deadline := time.Now().Add(busyTimeout)
	for {
		_, err := db.ExecContext(ctx, stmt)
		var se sqlite3.Error
		if err == nil || !errors.As(err, &se) || (se.Code != sqlite3.ErrBusy && se.Code != sqlite3.ErrLocked) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// newInstance gives the database a new instance.
const newInstance = `UPDATE skyql_meta SET value = lower(hex(randomblob(16))) WHERE key = 'instance'`

// schemaVersion is the layout of skyql's own tables, kept in the database's
// user_version. 1 added skyql_calls.generation, skyql_meta and the
// triggers that keep both; 2 added skyql_fetches (leases, and one sequence
// of generations for the whole database), tagged rows with their
// generation instead of their call, and dropped the trigger that raised a
// call's generation when its rows were let go (a generation now names
// rows, so only a fetch may make one).
const schemaVersion = 2

// migrate brings skyql's own tables to schemaVersion. It runs in an
// IMMEDIATE transaction, so that of two processes opening an older cache
// at once one migrates and the other finds it done.
func (s *Store) migrate(ctx context.Context) error {
	var version int
	if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return err
	}
	if version >= schemaVersion {
		return nil
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return err
	}
	committed := false
	defer func() {
		if !committed {
			conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	if err := conn.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil || version >= schemaVersion {
		return err
	}
	var steps []string
	if version < 1 {
		if steps, err = generationSteps(ctx, conn); err != nil {
			return err
		}
	}
	// Generations come from skyql_fetches' AUTOINCREMENT key, which never
	// hands out a number twice; the sequence starts above every
	// generation an older build gave.
	steps = append(steps, `CREATE TABLE IF NOT EXISTS skyql_fetches (
			generation INTEGER PRIMARY KEY AUTOINCREMENT,
			call INTEGER NOT NULL UNIQUE,
			tbl TEXT NOT NULL,
			owner TEXT NOT NULL,
			expires INTEGER NOT NULL)`,
		`INSERT INTO sqlite_sequence (name, seq)
			SELECT 'skyql_fetches', coalesce(max(generation), 0) FROM skyql_calls
			WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'skyql_fetches')`,
		`DROP TRIGGER IF EXISTS skyql_calls_generation`,
		fmt.Sprintf("PRAGMA user_version = %d", schemaVersion),
		"COMMIT")
	for _, step := range steps {
		if _, err := conn.ExecContext(ctx, step); err != nil {
			return fmt.Errorf("updating the cache's tables: %w", err)
		}
	}
	committed = true
	return nil
}

// generationSteps bring a cache from before user_version 1 to 1.
func generationSteps(ctx context.Context, conn *sql.Conn) ([]string, error) {
	steps := []string{`CREATE TABLE IF NOT EXISTS skyql_calls (
		id INTEGER PRIMARY KEY,
		key TEXT NOT NULL UNIQUE,
		tbl TEXT NOT NULL,
		resource TEXT NOT NULL,
		description TEXT NOT NULL,
		fetched_at INTEGER NOT NULL DEFAULT 0,
		complete INTEGER NOT NULL DEFAULT 0,
		row_count INTEGER NOT NULL DEFAULT 0,
		generation INTEGER NOT NULL DEFAULT 0)`}
	var hasGeneration bool
	if err := conn.QueryRowContext(ctx, `SELECT count(*) > 0 FROM pragma_table_info('skyql_calls') WHERE name = 'generation'`).Scan(&hasGeneration); err != nil {
		return nil, err
	}
	var hasCalls bool
	if err := conn.QueryRowContext(ctx, `SELECT count(*) > 0 FROM sqlite_master WHERE name = 'skyql_calls'`).Scan(&hasCalls); err != nil {
		return nil, err
	}
	if hasCalls && !hasGeneration {
		steps = append(steps, `ALTER TABLE skyql_calls ADD COLUMN generation INTEGER NOT NULL DEFAULT 0`)
	}
	// The instance (see Instance), and a trigger for skyql builds that
	// predate instances, which may share the cache: deleting calls, which
	// lets their ids be taken again, makes a new instance.
	return append(steps, `CREATE TABLE IF NOT EXISTS skyql_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
		`INSERT OR IGNORE INTO skyql_meta VALUES ('instance', lower(hex(randomblob(16))))`,
		`CREATE TRIGGER IF NOT EXISTS skyql_calls_instance AFTER DELETE ON skyql_calls
			BEGIN `+newInstance+`; END`), nil
}

func (s *Store) wrapOpenErr(err error) error {
	return fmt.Errorf("opening the cache database %s: %w (remove it, or run with --no-cache)", s.path, err)
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Close closes the database and removes it if it was a scratch file.
func (s *Store) Close() error {
	if s.checkpoints != nil {
		s.checkpoints.close()
	}
	err := s.db.Close()
	if s.ephemeral {
		for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
			os.Remove(s.path + suffix)
		}
	}
	return err
}

// Kind is how a column's values are stored and typed on output.
type Kind int

// Column kinds. JSON columns hold objects and arrays as JSON text.
const (
	KindText Kind = iota
	KindInteger
	KindReal
	KindBool
	KindJSON
)

func (k Kind) declType() string {
	switch k {
	case KindInteger:
		return "INTEGER"
	case KindReal:
		return "REAL"
	case KindBool:
		return "BOOLEAN"
	case KindJSON:
		return "JSONB"
	}
	return "TEXT"
}

// KindOf maps an OpenAPI type name to a column kind.
func KindOf(openAPIType string) Kind {
	switch openAPIType {
	case "integer":
		return KindInteger
	case "number":
		return KindReal
	case "boolean":
		return KindBool
	case "object", "array":
		return KindJSON
	}
	return KindText
}

// Column is one column of a resource table.
type Column struct {
	Name string
	Kind Kind
	// Param marks a request parameter column (subscriptionId, vaultName):
	// filled from the call, not from the response.
	Param bool
	// IDSegment, for a Param column, is the index of the segment of the
	// row's id ("/"-separated, the leading empty one counted) that holds
	// its value when the call did not carry it, and IDLabel the literal
	// segment before it (backupVaults for a vault name): a List call's
	// rows say which vault they are in. 0 means the id gives no value.
	IDSegment int
	IDLabel   string
}

// JSON values (objects and arrays) in JSON columns are stored as SQLite's
// binary JSONB (other values as themselves):
// SQLite's JSON functions read JSONB without parsing it, and parsing was
// most of a cached query's time. A view shows a statement the JSONB itself
// where the statement reads the column through JSON functions alone, and
// JSON text (json(col)) otherwise, so that LIKE, ||, =, length and output
// see text as before (see BindView). The text is not stored beside the
// JSONB: that would double what the writer writes, and a generated column
// would cost a json() per inserted value (SQLite computes every generated
// column on INSERT, virtual ones included).
func (c Column) storedJSON() bool { return c.Kind == KindJSON && !c.Param }

// tableLayout is part of every table's name: a cache written with another
// layout of the same columns is never read as this one. In layout 3 a row
// is tagged with its fetch's generation (_generation), in 2 with its call.
const tableLayout = "jsonb-3"

// Table is the physical table behind a resource.
type Table struct {
	Resource string
	Name     string
	Columns  []Column
	// index of each response property among Columns
	byName map[string]int
	// idTuples is set when some param column takes its value from each
	// row's id and the rows have an id column: the writer then gets each
	// row as [item, value from the id, ...] (see encodeRows).
	idTuples bool
}

// newTable describes the table name holds for resource's columns.
func newTable(resource, name string, cols []Column) *Table {
	t := &Table{Resource: resource, Name: name, Columns: cols, byName: map[string]int{}}
	fillsFromID := false
	for i, c := range cols {
		if !c.Param {
			t.byName[c.Name] = i
		}
		fillsFromID = fillsFromID || c.IDSegment > 0
	}
	_, hasID := t.byName["id"]
	t.idTuples = fillsFromID && hasID
	return t
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9]+`)

// InternalName reports whether name may name one of the store's own
// tables: skyql_calls, skyql_meta, skyql_fetches, or an r_ table behind a
// resource. A statement on a store that is not Isolated may read them,
// but their rows change without a new generation of the calls it reads
// (see CallRef).
func InternalName(name string) bool {
	name = strings.ToLower(name)
	return strings.HasPrefix(name, "skyql_") || strings.HasPrefix(name, "r_")
}

// EnsureTable returns the table for a resource with these columns, creating
// it on first use. A different column layout (a newer provider version)
// gets a table of its own.
func (s *Store) EnsureTable(ctx context.Context, resource string, cols []Column) (*Table, error) {
	h := sha256.New()
	h.Write([]byte(tableLayout + ";"))
	for _, c := range cols {
		fmt.Fprintf(h, "%s:%d:%t:%d:%s;", c.Name, c.Kind, c.Param, c.IDSegment, c.IDLabel)
	}
	name := "r_" + strings.Trim(unsafeChars.ReplaceAllString(resource, "_"), "_") + "_" + hex.EncodeToString(h.Sum(nil))[:10]
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.tables[name]; ok {
		return t, nil
	}
	t := newTable(resource, name, cols)
	defs := []string{"_generation INTEGER NOT NULL"}
	for _, c := range cols {
		defs = append(defs, quoteIdent(c.Name)+" "+c.Kind.declType())
	}
	ddl := fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s (%s)", quoteIdent(name), strings.Join(defs, ", "))
	if _, err := s.db.ExecContext(ctx, ddl); err != nil {
		return nil, fmt.Errorf("creating table for %s: %w", resource, err)
	}
	idx := fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s ON %s (_generation)", quoteIdent(name+"_generation"), quoteIdent(name))
	if _, err := s.db.ExecContext(ctx, idx); err != nil {
		return nil, err
	}
	s.tables[name] = t
	return t, nil
}

// EnsureJoinIndex indexes t on the columns a join looks its rows up by
// (the child's parameter columns, bound from the parent's rows), so that
// the user's join is an index search per parent row instead of a pass over
// every child row per parent row. Names that are not columns of t are
// skipped; created before the rows arrive, the index grows with them.
func (s *Store) EnsureJoinIndex(ctx context.Context, t *Table, columns []string) error {
	var cols []string
	for _, name := range columns {
		if slices.ContainsFunc(t.Columns, func(c Column) bool { return c.Name == name }) && !slices.Contains(cols, name) {
			cols = append(cols, name)
		}
	}
	if len(cols) == 0 {
		return nil
	}
	quoted := make([]string, 0, len(cols)+1)
	for _, c := range cols {
		quoted = append(quoted, quoteIdent(c))
	}
	quoted = append(quoted, "_generation")
	h := sha256.Sum256([]byte(strings.Join(cols, "\x00")))
	name := t.Name + "_join_" + hex.EncodeToString(h[:])[:10]
	ddl := fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s ON %s (%s)", quoteIdent(name), quoteIdent(t.Name), strings.Join(quoted, ", "))
	if _, err := s.db.ExecContext(ctx, ddl); err != nil {
		return fmt.Errorf("indexing %s for a join on %s: %w", t.Resource, strings.Join(cols, ", "), err)
	}
	return nil
}

func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// QuoteIdent quotes an SQLite identifier.
func QuoteIdent(s string) string { return quoteIdent(s) }

// Invalidate forgets every cached call of a resource, after a write to it.
func (s *Store) Invalidate(ctx context.Context, resource string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE skyql_calls SET complete = 0 WHERE resource = ?`, resource)
	return err
}

// Clear empties the cache.
func (s *Store) Clear(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'r\_%' ESCAPE '\'`)
	if err != nil {
		return err
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return err
		}
		names = append(names, n)
	}
	rows.Close()
	// One transaction: call ids start again once the calls are gone, and
	// must do so in a new instance (see Instance).
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	stmts := []string{newInstance, `DELETE FROM skyql_calls`, `DELETE FROM skyql_fetches`}
	for _, n := range names {
		stmts = append(stmts, "DROP TABLE "+quoteIdent(n))
	}
	for _, st := range stmts {
		if _, err := tx.ExecContext(ctx, st); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	s.mu.Lock()
	s.tables = map[string]*Table{}
	s.mu.Unlock()
	if s.resultDir != "" {
		if err := os.RemoveAll(s.resultDir); err != nil {
			return fmt.Errorf("removing the kept results at %s: %w", s.resultDir, err)
		}
	}
	_, err = s.db.ExecContext(ctx, `VACUUM`)
	return err
}

// ViewCall is a call whose rows a view shows (see BindView).
type ViewCall struct {
	CallRef
	// Sent are parameter values the call sent that its rows may be shown
	// with in place of the stored column: every row of the call holds
	// them, since the writer fills a parameter column with the value the
	// call sent. The caller leaves out those a join or an index might
	// look a row up by.
	Sent map[string]string
}

// maxSentCases is how many calls a view picks a sent value among, by the
// row's generation. The pick is a search tree of CASE expressions, a few
// comparisons a row (printing vaultName and name of 100,000 rows of 100
// calls took 0.26-0.32 s with it and 0.27-0.38 s from the stored column);
// the view's text grows by about 40 bytes a call.
const maxSentCases = 1024

// sentLeaf is how many calls a CASE of the search tree compares one by
// one.
const sentLeaf = 4

// BindView makes viewName (the resource's SQL name, e.g.
// azure.data_protection.backup_instances) show exactly the rows of the
// given calls (as Materialize returned them), for the queries that follow
// on this store. JSON columns
// named by jsonOnly are shown as their stored JSONB, which SQLite's JSON
// functions read several times faster than text: the caller names only
// columns its statement reads through those functions alone. Other JSON
// columns are shown as JSON text; being expressions, they have no
// declared type (see TextJSONColumns). A text parameter column that every
// call has a Sent value for is shown as that value, picked by the row's
// generation (see sentValue): a statement that filters or groups on it
// then reads only the _generation index, not the rows (a count over
// 60,000 cached rows took the whole command 0.10-0.11 s before, 0.06-0.07 s
// after). It returns the view's definition, which says which rows the view
// shows and in what form.
func (s *Store) BindView(ctx context.Context, viewName string, t *Table, calls []ViewCall, jsonOnly func(column string) bool) (string, error) {
	generations := make([]int64, len(calls))
	for i, c := range calls {
		generations[i] = c.Generation
	}
	cols := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		cols[i] = quoteIdent(c.Name)
		if c.Param && c.Kind == KindText {
			if value, ok := sentValue(c.Name, calls); ok {
				cols[i] = value + " AS " + quoteIdent(c.Name)
			}
		}
		if c.storedJSON() && (jsonOnly == nil || !jsonOnly(c.Name)) {
			// Objects and arrays are JSONB blobs; anything else the API
			// sent where the document promised one is stored as itself.
			q := quoteIdent(c.Name)
			cols[i] = fmt.Sprintf("CASE WHEN typeof(%s) = 'blob' THEN json(%s) ELSE %s END AS %s", q, q, q, q)
		}
	}
	def := fmt.Sprintf("SELECT %s FROM main.%s", strings.Join(cols, ", "), quoteIdent(t.Name))
	lo, hi, whole, err := s.holdsOnly(ctx, t, generations)
	if err != nil {
		return "", fmt.Errorf("binding %s: %w", viewName, err)
	}
	if whole {
		// Read the table straight through; the range (with + so that
		// SQLite does not take it to the _generation index) keeps out
		// rows of fetches outside it.
		def += fmt.Sprintf(" WHERE +_generation BETWEEN %d AND %d", lo, hi)
	} else {
		ids := make([]string, len(generations))
		for i, g := range generations {
			ids[i] = strconv.FormatInt(g, 10)
		}
		if len(ids) == 0 {
			ids = []string{"NULL"}
		}
		def += " WHERE _generation IN (" + strings.Join(ids, ",") + ")"
	}
	stmts := []string{
		"DROP VIEW IF EXISTS temp." + quoteIdent(viewName),
		"CREATE TEMP VIEW " + quoteIdent(viewName) + " AS " + def,
	}
	for _, st := range stmts {
		if _, err := s.db.ExecContext(ctx, st); err != nil {
			return "", fmt.Errorf("binding %s: %w", viewName, err)
		}
	}
	s.mu.Lock()
	s.bound[viewName] = t.Name
	s.mu.Unlock()
	return def, nil
}

// sentValue is the SQL expression that gives each row of the calls the
// value its call sent for param, and false when a call sent none, the
// calls sent different values and are more than maxSentCases, or a value
// cannot be spelled in SQL. Cast to TEXT, the expression compares and
// sorts as the text column does.
func sentValue(param string, calls []ViewCall) (string, bool) {
	if len(calls) == 0 {
		return "", false
	}
	values := map[int64]string{}
	one := true // every call sent the same value
	for _, c := range calls {
		v, ok := c.Sent[param]
		if !ok || strings.IndexByte(v, 0) >= 0 || !utf8.ValidString(v) {
			return "", false
		}
		values[c.Generation] = v
		one = one && v == calls[0].Sent[param]
	}
	if one {
		return "CAST(" + quoteString(calls[0].Sent[param]) + " AS TEXT)", true
	}
	if len(values) > maxSentCases {
		return "", false
	}
	var b strings.Builder
	b.WriteString("CAST(")
	writeSentCase(&b, slices.Sorted(maps.Keys(values)), values)
	b.WriteString(" AS TEXT)")
	return b.String(), true
}

// writeSentCase writes a CASE that gives a row of one of the generations
// (ascending) its call's value: a binary search down to sentLeaf
// generations, then one comparison each.
func writeSentCase(b *strings.Builder, generations []int64, values map[int64]string) {
	if len(generations) <= sentLeaf {
		b.WriteString("CASE _generation")
		for _, g := range generations {
			fmt.Fprintf(b, " WHEN %d THEN %s", g, quoteString(values[g]))
		}
		b.WriteString(" END")
		return
	}
	mid := len(generations) / 2
	fmt.Fprintf(b, "CASE WHEN _generation < %d THEN ", generations[mid])
	writeSentCase(b, generations[:mid], values)
	b.WriteString(" ELSE ")
	writeSentCase(b, generations[mid:], values)
	b.WriteString(" END")
}

// TextJSONColumns are the JSON columns BindView shows t's rows as JSON text
// for a statement with the given jsonOnly: a result column of the
// statement that is one of them holds JSON to embed in typed output.
func (t *Table) TextJSONColumns(jsonOnly func(column string) bool) []string {
	var names []string
	for _, c := range t.Columns {
		if c.storedJSON() && (jsonOnly == nil || !jsonOnly(c.Name)) {
			names = append(names, c.Name)
		}
	}
	return names
}

// holdsOnly reports whether every row of t belongs to one of the
// generations, so that a view of them can read the table straight
// through: measured on 20,000 rows, faster than a search of the
// _generation index with a row lookup per entry, and a table often holds
// just the calls of the query at hand. It reads the least and greatest
// generation in t (two index probes), lo and hi, and asks whether the
// generations span every number between them: then any row in that range,
// whenever written, belongs to one of them.
func (s *Store) holdsOnly(ctx context.Context, t *Table, generations []int64) (lo, hi int64, ok bool, err error) {
	var min, max sql.NullInt64
	// Two subqueries: SQLite answers a lone min() or max() with one
	// index probe, but both in one SELECT with a pass over the index.
	q := fmt.Sprintf("SELECT (SELECT min(_generation) FROM %[1]s), (SELECT max(_generation) FROM %[1]s)", quoteIdent(t.Name))
	if err := s.db.QueryRowContext(ctx, q).Scan(&min, &max); err != nil {
		return 0, 0, false, err
	}
	if !min.Valid || int64(len(generations)) < max.Int64-min.Int64+1 {
		return 0, 0, false, nil
	}
	set := make(map[int64]bool, len(generations))
	for _, g := range generations {
		set[g] = true
	}
	for g := min.Int64; g <= max.Int64; g++ {
		if !set[g] {
			return 0, 0, false, nil
		}
	}
	return min.Int64, max.Int64, true, nil
}
