package store

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"time"
)

// ingest writes pages of rows into their tables from a single goroutine,
// so that fetch workers never wait on each other for SQLite, and no page
// is kept once written: memory stays flat however many rows a query has.
// Rows are tagged with the generation of the fetch that wrote them.
type ingest struct {
	store *Store
	ctx   context.Context
	// slots holds a token for each page encoded and not yet written: a
	// fetcher takes one before it encodes a page, the writer gives it
	// back once the page is in SQLite.
	slots chan struct{}
	pages chan page
	done  chan struct{}

	mu     sync.Mutex
	err    error
	counts map[int64]int // rows written per generation
}

type page struct {
	table      *Table
	generation int64
	buf        *pageBuffer // the page's insert arguments
}

// pageBuffer is the memory a page's insert arguments live in, recycled
// once the writer has inserted them: pages come by the hundred, and
// allocating each page's anew was 40% of a fetch's allocations.
type pageBuffer struct {
	args  []any  // the statement's arguments (insertSQL)
	rows  []byte // the JSONB array of the page's rows (encodeRows)
	count int    // rows in the page
}

var pageBufferPool = sync.Pool{New: func() any { return new(pageBuffer) }}

// release clears the buffer's references, so that recycled buffers keep
// no strings alive, and hands it back.
func (b *pageBuffer) release() {
	clear(b.args)
	b.rows = b.rows[:0]
	pageBufferPool.Put(b)
}

// pagesInFlight bounds the pages encoded and waiting for the writer.
// Fetchers wait for a slot before they encode, not after, so that when the
// network outruns SQLite a waiting fetcher holds only its response body,
// not its encoded rows as well: with 100 chains in flight that was about
// 13 MB of buffers and the page faults of touching them.
const pagesInFlight = 8

// maxLockHold bounds how long the writer keeps a transaction open, and so
// the cache's write lock, waiting for the next page: other processes
// claiming calls and renewing leases need the lock too.
const maxLockHold = 50 * time.Millisecond

// newIngest starts a writer. close must be called to flush it.
func (s *Store) newIngest(ctx context.Context) *ingest {
	in := &ingest{store: s, ctx: ctx, slots: make(chan struct{}, pagesInFlight), pages: make(chan page, pagesInFlight),
		done: make(chan struct{}), counts: map[int64]int{}}
	go in.run()
	return in
}

// add queues a page of items of a fetch. params holds the call's parameter
// values by name; the table's param columns take them. The items are
// turned into column values here, in the caller's goroutine, so that
// concurrent fetchers share that work and the single writer only inserts.
func (in *ingest) add(t *Table, generation int64, params map[string]string, items [][]byte) error {
	if err := in.firstErr(); err != nil {
		return err
	}
	select {
	case in.slots <- struct{}{}:
	case <-in.ctx.Done():
		return in.ctx.Err()
	}
	buf := pageBufferPool.Get().(*pageBuffer)
	if err := buf.encode(t, generation, params, items); err != nil {
		in.free(buf)
		err = fmt.Errorf("storing rows of %s: %w", t.Resource, err)
		in.fail(err)
		return err
	}
	in.pages <- page{table: t, generation: generation, buf: buf} // never waits: the slot is a place in pages
	return nil
}

// free recycles a page's buffer and gives back its slot.
func (in *ingest) free(b *pageBuffer) {
	b.release()
	<-in.slots
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
		} else if in.store.checkpoints != nil {
			in.store.checkpoints.soon()
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
			in.free(p.buf)
			continue // drain so that senders are not stuck
		}
		if tx == nil {
			var err error
			if tx, err = in.store.db.BeginTx(in.ctx, nil); err != nil {
				in.fail(err)
				in.free(p.buf)
				continue
			}
		}
		stmt, ok := stmts[p.table]
		if !ok {
			var err error
			if stmt, err = tx.PrepareContext(in.ctx, insertSQL(p.table)); err != nil {
				in.fail(err)
				in.free(p.buf)
				continue
			}
			stmts[p.table] = stmt
		}
		n, err := writePage(in.ctx, stmt, p)
		in.free(p.buf)
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

func insertSQL(t *Table) string {
	cols := []string{"_generation"}
	exprs := []string{"?1"}
	item, arg, derived := "$", 2, 0
	if t.idTuples {
		item = "$[0]"
	}
	for _, c := range t.Columns {
		cols = append(cols, quoteIdent(c.Name))
		var expr string
		if c.Param {
			arg++
		}
		switch {
		case c.Param && c.IDSegment > 0 && t.idTuples:
			derived++
			expr = fmt.Sprintf("coalesce(?%d, value ->> '$[%d]')", arg, derived)
		case c.Param:
			expr = fmt.Sprintf("?%d", arg)
		case c.storedJSON():
			// Objects and arrays as JSONB, other values as SQL values.
			expr = fmt.Sprintf("jsonb_extract(value, %s)", quoteString(item+"."+jsonPathKey(c.Name)))
		default:
			// Strings, numbers and booleans as SQL values, objects and
			// arrays as their JSON text.
			expr = fmt.Sprintf("value ->> %s", quoteString(item+"."+jsonPathKey(c.Name)))
		}
		exprs = append(exprs, expr)
	}
	return fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM jsonb_each(?2)", quoteIdent(t.Name), strings.Join(cols, ", "), strings.Join(exprs, ", "))
}

// jsonPathKey is name as a quoted label of a JSON path. SQLite ends a
// quoted label at the next double quote whatever precedes it, and reads
// JSON escapes in it: a quote is written as \u0022, a backslash doubled.
func jsonPathKey(name string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\u0022`).Replace(name) + `"`
}

// quoteString is s as an SQL string literal.
func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// encode turns a page of items into the insert statement's arguments:
// the generation, the rows' JSONB (see encodeRows), then each param
// column's value from the call, or NULL where the call has none.
func (b *pageBuffer) encode(t *Table, generation int64, params map[string]string, items [][]byte) error {
	b.args = append(b.args[:0], generation, nil)
	var derived []int // per IDSegment column: its index, or -1 where the call's value stands
	for i, c := range t.Columns {
		if !c.Param {
			continue
		}
		v, given := params[c.Name]
		var arg any
		if given {
			arg = paramValue(v, c.Kind)
		}
		b.args = append(b.args, arg)
		if c.IDSegment > 0 {
			fromID := i
			if given {
				fromID = -1
			}
			derived = append(derived, fromID)
		}
	}
	// JSONB is about as long as the JSON text it encodes; sized up front,
	// the buffer is not regrown and copied while the page is encoded, which
	// with 100 chains in flight, each page in a new buffer, was most of
	// the encoding's time.
	size := 16
	for _, item := range items {
		size += len(item) + 16
	}
	if cap(b.rows) < size {
		b.rows = make([]byte, 0, size+size/8)
	}
	rows, err := t.encodeRows(b.rows[:0], items, derived)
	if err != nil {
		return err
	}
	b.rows, b.args[1], b.count = rows, rows, len(items)
	return nil
}

// idSegment is the nth "/"-separated segment of id, counting from 0, as
// bytes.Split(id, "/")[n] without splitting the whole id.
func idSegment(id []byte, n int) ([]byte, bool) {
	for ; n > 0; n-- {
		slash := bytes.IndexByte(id, '/')
		if slash < 0 {
			return nil, false
		}
		id = id[slash+1:]
	}
	if slash := bytes.IndexByte(id, '/'); slash >= 0 {
		id = id[:slash]
	}
	return id, true
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

// writePage inserts a page's rows, with one statement. Cancellation is
// checked before it: under a cancellable context the driver runs each
// statement in a goroutine of its own.
func writePage(ctx context.Context, stmt *sql.Stmt, p page) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	res, err := stmt.ExecContext(context.WithoutCancel(ctx), p.buf.args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	if err == nil && int(n) != p.buf.count {
		err = fmt.Errorf("stored %d of the page's %d rows", n, p.buf.count)
	}
	return int(n), err
}
