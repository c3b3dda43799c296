package store

import (
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
	pages chan page
	done  chan struct{}

	mu     sync.Mutex
	err    error
	counts map[int64]int // rows written per generation
}

type page struct {
	table      *Table
	generation int64
	buf        *rowBuffers // the rows' insert arguments
}

// rowBuffers is the memory a page's insert arguments live in, recycled
// once the writer has inserted them: pages come by the hundred, and
// allocating each page's anew was 40% of a fetch's allocations.
type rowBuffers struct {
	flat  []any   // every row's arguments, one after the other
	rows  [][]any // each row's slice of flat: _generation, then every column
	arena []byte  // the JSONB of the page's JSON columns
}

var rowBufferPool = sync.Pool{New: func() any { return new(rowBuffers) }}

// release clears the buffers' references, so that recycled buffers keep
// no strings alive, and hands them back.
func (b *rowBuffers) release() {
	clear(b.flat)
	clear(b.rows)
	b.arena = b.arena[:0]
	rowBufferPool.Put(b)
}

// pagesInFlight bounds the pages waiting for the writer; fetchers block
// beyond it, which keeps memory bounded when the network outruns SQLite.
const pagesInFlight = 8

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
// values by name; the table's param columns take them. The items are
// turned into column values here, in the caller's goroutine, so that
// concurrent fetchers share that work and the single writer only inserts.
func (in *ingest) add(t *Table, generation int64, params map[string]string, items [][]byte) error {
	if err := in.firstErr(); err != nil {
		return err
	}
	buf := rowBufferPool.Get().(*rowBuffers)
	if err := buf.rowValues(t, generation, params, items); err != nil {
		buf.release()
		err = fmt.Errorf("storing rows of %s: %w", t.Resource, err)
		in.fail(err)
		return err
	}
	select {
	case in.pages <- page{table: t, generation: generation, buf: buf}:
		return nil
	case <-in.ctx.Done():
		buf.release()
		return in.ctx.Err()
	}
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
			p.buf.release()
			continue // drain so that senders are not stuck
		}
		if tx == nil {
			var err error
			if tx, err = in.store.db.BeginTx(in.ctx, nil); err != nil {
				in.fail(err)
				p.buf.release()
				continue
			}
		}
		stmt, ok := stmts[p.table]
		if !ok {
			var err error
			if stmt, err = tx.PrepareContext(in.ctx, insertSQL(p.table)); err != nil {
				in.fail(err)
				p.buf.release()
				continue
			}
			stmts[p.table] = stmt
		}
		n, err := writePage(in.ctx, stmt, p)
		p.buf.release()
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
	marks := []string{"?"}
	for _, c := range t.Columns {
		cols = append(cols, quoteIdent(c.Name)) // JSON columns take the JSONB rowValues encodes
		marks = append(marks, "?")
	}
	return fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", quoteIdent(t.Name), strings.Join(cols, ", "), strings.Join(marks, ", "))
}

// rowValues turns items into insert arguments (see decodeRow), in b's
// memory; param columns take the call's values. The arguments copy what
// they take of items.
func (b *rowBuffers) rowValues(t *Table, generation int64, params map[string]string, items [][]byte) error {
	width := len(t.Columns) + 1
	b.flat = resized(b.flat, width*len(items))
	b.rows = resized(b.rows, len(items))
	flat, rows := b.flat, b.rows
	// JSONB is about as long as the JSON text it encodes.
	size := 0
	for _, item := range items {
		size += len(item)
	}
	if cap(b.arena) < size+size/8 {
		b.arena = make([]byte, 0, size+size/8)
	}
	arena := b.arena[:0]
	for n, item := range items {
		args := flat[n*width : (n+1)*width : (n+1)*width]
		args[0] = generation
		for i, c := range t.Columns {
			if !c.Param {
				continue
			}
			if v, ok := params[c.Name]; ok {
				args[i+1] = paramValue(v, c.Kind)
			}
		}
		if err := t.decodeRow(item, args, &arena); err != nil {
			return err
		}
		t.fillFromID(args)
		rows[n] = args
	}
	b.arena = arena
	return nil
}

// resized returns s with length n, reusing its memory when large enough.
func resized[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// fillFromID gives the param columns the call left empty their values
// from the row's id (see Column.IDSegment), where the id has the segment
// and its label.
func (t *Table) fillFromID(args []any) {
	idColumn, ok := t.byName["id"]
	if !ok || !t.fillsFromID {
		return
	}
	id, ok := args[idColumn+1].(string)
	if !ok {
		return
	}
	for i, c := range t.Columns {
		if c.IDSegment == 0 || args[i+1] != nil {
			continue
		}
		label, ok := idSegment(id, c.IDSegment-1)
		if !ok || !strings.EqualFold(label, c.IDLabel) {
			continue
		}
		if v, ok := idSegment(id, c.IDSegment); ok && v != "" {
			args[i+1] = v
		}
	}
}

// idSegment is the nth "/"-separated segment of id, counting from 0, as
// strings.Split(id, "/")[n] without splitting the whole id.
func idSegment(id string, n int) (string, bool) {
	for ; n > 0; n-- {
		slash := strings.IndexByte(id, '/')
		if slash < 0 {
			return "", false
		}
		id = id[slash+1:]
	}
	if slash := strings.IndexByte(id, '/'); slash >= 0 {
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

// writePage inserts a page's rows. Cancellation is checked once per page:
// under a cancellable context the driver runs every statement in a
// goroutine of its own, which cost a goroutine per row.
func writePage(ctx context.Context, stmt *sql.Stmt, p page) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	ctx = context.WithoutCancel(ctx)
	for _, args := range p.buf.rows {
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return 0, err
		}
	}
	return len(p.buf.rows), nil
}
