package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/buger/jsonparser"
)

// ingest writes pages of rows into their tables from a single goroutine,
// so that fetch workers never wait on each other for SQLite, and no page
// is kept once written: memory stays flat however many rows a query has.
// Rows are tagged with the generation of the fetch that wrote them.
type ingest struct {
	store *Store
	ctx   context.Context
	pages chan page
	done  chan struct{}

	mu     sync.Mutex
	err    error
	counts map[int64]int // rows written per generation
}

type page struct {
	table      *Table
	generation int64
	// rows is the page's items as one JSON array, which SQLite splits
	// into rows and columns itself (see insertSQL); items is how many.
	rows   string
	items  int
	params []any // see paramValues
}

// pagesInFlight bounds the pages waiting for the writer; fetchers block
// beyond it, which keeps memory bounded when the network outruns SQLite.
const pagesInFlight = 16

// maxLockHold bounds how long the writer keeps a transaction open, and so
// the cache's write lock, waiting for the next page: other processes
// claiming calls and renewing leases need the lock too.
const maxLockHold = 50 * time.Millisecond

// newIngest starts a writer. close must be called to flush it.
func (s *Store) newIngest(ctx context.Context) *ingest {
	in := &ingest{store: s, ctx: ctx, pages: make(chan page, pagesInFlight), done: make(chan struct{}), counts: map[int64]int{}}
	go in.run()
	return in
}

// add queues a page of items of a fetch. params holds the call's parameter
// values by name; the table's param columns take them. The caller only
// joins the items into one JSON array: splitting them into columns is
// SQLite's, in one statement per page (see insertSQL), which costs a
// fraction of what decoding them in Go and inserting row by row did.
func (in *ingest) add(t *Table, generation int64, params map[string]string, items [][]byte) error {
	if err := in.firstErr(); err != nil {
		return err
	}
	select {
	case in.pages <- page{table: t, generation: generation, rows: joinItems(items), items: len(items), params: t.paramValues(params, items)}:
		return nil
	case <-in.ctx.Done():
		return in.ctx.Err()
	}
}

// joinItems writes items as one JSON array.
func joinItems(items [][]byte) string {
	size := len(items) + 2
	for _, item := range items {
		size += len(item)
	}
	var b strings.Builder
	b.Grow(size)
	b.WriteByte('[')
	for i, item := range items {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(item)
	}
	b.WriteByte(']')
	return b.String()
}

// firstErr is the first write error, if any.
func (in *ingest) firstErr() error {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.err
}

// rows returns how many rows were written for a fetch.
func (in *ingest) rows(generation int64) int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.counts[generation]
}

// close waits for queued pages to be written and returns the first error.
func (in *ingest) close() error {
	close(in.pages)
	<-in.done
	return in.firstErr()
}

func (in *ingest) fail(err error) {
	in.mu.Lock()
	if in.err == nil {
		in.err = err
	}
	in.mu.Unlock()
}

func (in *ingest) run() {
	defer close(in.done)
	var (
		tx    *sql.Tx
		stmts = map[*Table]*sql.Stmt{}
		rows  int
	)
	commit := func() {
		if tx == nil {
			return
		}
		if err := tx.Commit(); err != nil {
			in.fail(err)
		}
		tx, stmts, rows = nil, map[*Table]*sql.Stmt{}, 0
	}
	idle := time.NewTimer(maxLockHold)
	defer idle.Stop()
	for {
		p, ok := in.next(tx != nil, idle, commit)
		if !ok {
			break
		}
		if in.firstErr() != nil {
			continue // drain so that senders are not stuck
		}
		if tx == nil {
			var err error
			if tx, err = in.store.db.BeginTx(in.ctx, nil); err != nil {
				in.fail(err)
				continue
			}
		}
		stmt, ok := stmts[p.table]
		if !ok {
			var err error
			if stmt, err = tx.PrepareContext(in.ctx, insertSQL(p.table)); err != nil {
				in.fail(err)
				continue
			}
			stmts[p.table] = stmt
		}
		n, err := writePage(in.ctx, tx, stmt, p)
		if err != nil {
			in.fail(fmt.Errorf("storing rows of %s: %w", p.table.Resource, err))
			continue
		}
		in.mu.Lock()
		in.counts[p.generation] += n
		in.mu.Unlock()
		rows += n
		// Commit in chunks: large enough to amortise the commit, small
		// enough that the WAL does not grow with the whole result. When
		// the writer catches up with the network it commits what it has,
		// so other processes are not locked out of the cache while pages
		// trickle in, but not after every page: each commit rewrites the
		// table's last leaf and interior pages into the WAL.
		if rows >= 5000 || (len(in.pages) == 0 && rows >= 1000) {
			commit()
		}
	}
	commit()
	if tx != nil {
		tx.Rollback()
	}
}

// next waits for the next page, and reports false once there are no more.
// While a transaction is open (pending), it commits the transaction if no
// page comes within maxLockHold.
func (in *ingest) next(pending bool, idle *time.Timer, commit func()) (page, bool) {
	if !pending {
		p, ok := <-in.pages
		return p, ok
	}
	select {
	case p, ok := <-in.pages:
		return p, ok
	default:
	}
	idle.Reset(maxLockHold)
	select {
	case p, ok := <-in.pages:
		return p, ok
	case <-idle.C:
		commit()
		p, ok := <-in.pages
		return p, ok
	}
}

// insertSQL inserts a page: SQLite parses the page's JSON array once and
// takes each top-level property of each item into its column, objects and
// arrays of JSON columns as JSONB (jsonb_extract) and every other value as
// its SQL value (->>: text, integer, real, 1 or 0 for a boolean, JSON text
// for an object in a column of another kind). ?1 is the generation, ?2 the
// page, and the param columns take ?3 and on (see paramValues); a param
// column the call left empty takes its value from the row's id (see
// Column.IDSegment). Items that are not objects are left out, which
// writePage notices by the count.
func insertSQL(t *Table) string {
	cols := []string{"_generation"}
	exprs := []string{"?1"}
	param := 3
	for _, c := range t.Columns {
		cols = append(cols, quoteIdent(c.Name))
		switch {
		case c.Param && c.fillsFromID(t):
			exprs = append(exprs, fmt.Sprintf("coalesce(?%d, ?%d ->> key)", param, param+1))
			param += 2
		case c.Param:
			exprs = append(exprs, fmt.Sprintf("?%d", param))
			param++
		case c.Kind == KindJSON:
			exprs = append(exprs, fmt.Sprintf("jsonb_extract(value, %s)", quoteString(jsonPath(c.Name))))
		default:
			exprs = append(exprs, fmt.Sprintf("value ->> %s", quoteString(jsonPath(c.Name))))
		}
	}
	return fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM jsonb_each(?2) WHERE type = 'object'",
		quoteIdent(t.Name), strings.Join(cols, ", "), strings.Join(exprs, ", "))
}

// jsonPath is the SQLite JSON path of a top-level property, its name
// quoted so that any name (api-version, odata.type) is one label.
func jsonPath(name string) string {
	return `$."` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(name) + `"`
}

// quoteString quotes an SQL string literal.
func quoteString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// fillsFromID reports whether c, a param column, takes the row's id
// segment when the call leaves it empty: it has a segment, and t an id.
func (c Column) fillsFromID(t *Table) bool {
	_, hasID := t.byName["id"]
	return c.IDSegment > 0 && hasID
}

// paramValues are the values insertSQL binds for t's param columns, in
// column order: the call's value (NULL when it has none), and after it,
// for a column filled from ids, a JSON array of each item's value from
// its id (NULL when the call has a value). The ids are read here, by the
// fetch goroutines: splitting them in SQL, or calling Go from SQLite for
// every row, cost the single writer 3-5 us a row.
func (t *Table) paramValues(params map[string]string, items [][]byte) []any {
	var values []any
	var ids []string
	for _, c := range t.Columns {
		if !c.Param {
			continue
		}
		text, ok := params[c.Name]
		var v any
		if ok {
			v = paramValue(text, c.Kind)
		}
		values = append(values, v)
		if !c.fillsFromID(t) {
			continue
		}
		if ok {
			values = append(values, nil)
			continue
		}
		if ids == nil {
			ids = itemIDs(items)
		}
		fills := make([]any, len(ids))
		for i, id := range ids {
			if seg, ok := idSegment(id, c.IDSegment, c.IDLabel); ok {
				fills[i] = seg
			}
		}
		column, _ := json.Marshal(fills) // strings and nulls always marshal
		values = append(values, string(column))
	}
	return values
}

// itemIDs is each item's id, "" when it has none or it is not a string.
// ARM writes id first: the scan ends soon.
func itemIDs(items [][]byte) []string {
	ids := make([]string, len(items))
	for i, item := range items {
		ids[i], _ = jsonparser.GetString(item, "id")
	}
	return ids
}

// idSegment is the segment at index n of id split on "/" (the leading
// empty one counted), when the segment before it is label (in any case)
// and it is not empty.
func idSegment(id string, n int, label string) (string, bool) {
	for i := 0; i < n-1; i++ {
		_, rest, found := strings.Cut(id, "/")
		if !found {
			return "", false
		}
		id = rest
	}
	before, rest, found := strings.Cut(id, "/")
	if !found || !strings.EqualFold(before, label) {
		return "", false
	}
	seg, _, _ := strings.Cut(rest, "/")
	return seg, seg != ""
}

// paramValue is a parameter's text as its column stores it. The column's
// affinity turns numbers' text into numbers; a boolean, which the request
// wrote as true or false, is stored as SQLite's 1 or 0, so that WHERE owner
// = true also holds locally.
func paramValue(v string, kind Kind) any {
	if kind == KindBool {
		switch v {
		case "true":
			return int64(1)
		case "false":
			return int64(0)
		}
	}
	return v
}

// writePage inserts a page's rows in one statement. Cancellation is
// checked once per page: under a cancellable context the driver runs
// every statement in a goroutine of its own.
func writePage(ctx context.Context, tx *sql.Tx, stmt *sql.Stmt, p page) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	ctx = context.WithoutCancel(ctx)
	args := make([]any, 0, 2+len(p.params))
	args = append(args, p.generation, p.rows)
	args = append(args, p.params...)
	res, err := stmt.ExecContext(ctx, args...)
	if err != nil {
		if strings.Contains(err.Error(), "malformed JSON") {
			return 0, fmt.Errorf("a page's items are not valid JSON (%w); the API sent a damaged response: retry the query", err)
		}
		return 0, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, err
	}
	if int(n) != p.items {
		return 0, notObjectError(ctx, tx, p)
	}
	return int(n), nil
}

// notObjectError says which item of a page that lost rows is not an object.
func notObjectError(ctx context.Context, tx *sql.Tx, p page) error {
	var index int
	var typ string
	if err := tx.QueryRowContext(ctx, `SELECT key, type FROM json_each(?) WHERE type <> 'object' LIMIT 1`, p.rows).Scan(&index, &typ); err != nil {
		return fmt.Errorf("a page's items are not all JSON objects (%v)", err)
	}
	return fmt.Errorf("item %d of a page is a JSON %s, not an object: the API's response does not match its description", index+1, typ)
}
