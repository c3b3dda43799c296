package store

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// The cache protocol. Processes and connections sharing one cache file
// fetch each call once at a time, and a call's rows change all at once:
//
//   - A fetch first takes a lease on its call: a row in skyql_fetches with
//     the fetching store's owner id and an expiry, in an IMMEDIATE
//     transaction that also checks the call is not fresh meanwhile. The
//     lease's key is the fetch's generation, from a sequence that never
//     hands out a number twice.
//   - Its rows are written tagged with that generation, which no view
//     shows, and the lease is renewed every third of its duration.
//   - When the fetch ends, one transaction checks the lease is still its
//     own, deletes the call's previous rows, points the call at the new
//     generation with its row count and whether it completed, and drops
//     the lease. A fetch that failed is swapped in too (the rows that did
//     arrive, for --allow-partial), but never as complete, so the cache
//     never serves it.
//   - A store that finds a live lease on a call waits, polling, and then
//     reads the rows of the fetch it waited for, whatever its TTL; if that
//     fetch failed, it takes a lease itself. A lease past its expiry
//     belongs to a process that died or hung: the next store takes it over
//     and deletes the rows written under it. The dead holder, should it
//     wake, finds its lease gone and drops what it wrote.

// Call is one API call whose rows a statement reads.
type Call struct {
	// Key names the call's rows: calls with the same key get the same rows.
	Key string
	// Description says what the call is, in the cache and in messages.
	Description string
	// Params are the call's parameter values by name, which the table's
	// parameter columns take.
	Params map[string]string
}

// FetchFunc fetches the calls at the given indexes of the calls passed to
// Materialize, handing every page of items to add, with the call's index,
// as it arrives. It may call add from several goroutines at once. It
// returns one error per index, in the same order: nil for a call whose
// every page arrived.
type FetchFunc func(ctx context.Context, indexes []int, add func(index int, items [][]byte) error) []error

// CallRef names one fetch of a call: the call's id, which stays the same
// across fetches, and the fetch's generation, which names its rows and is
// never given twice. A result computed from a call's rows holds for as long
// as the call keeps its generation.
type CallRef struct {
	ID, Generation int64
}

// Materialized is what became of one call.
type Materialized struct {
	CallRef
	// Rows is how many rows the call has.
	Rows int
	// Err is why the call's fetch failed; its rows are then those that
	// did arrive, which the cache does not serve again.
	Err error
}

// Poll intervals of a store waiting for another's fetch: short at first,
// since most fetches take well under a second, then longer.
const (
	firstPoll = 20 * time.Millisecond
	lastPoll  = 250 * time.Millisecond
)

// Materialize makes the rows of calls available in t, one result per call
// in order: served from the cache when fresh, fetched with fetch
// otherwise, or, when another store (another process, or another
// connection of this one) is fetching the same call, the rows of that
// fetch once it ends. Calls with the same key are fetched once. The error
// is the cache's, or the context's: a cancelled Materialize leaves no rows
// of its fetches behind.
func (s *Store) Materialize(ctx context.Context, t *Table, calls []Call, fetch FetchFunc) ([]Materialized, error) {
	out := make([]Materialized, len(calls))
	first := map[string]int{} // key -> index of its first call
	var todo []int
	for i, c := range calls {
		if _, dup := first[c.Key]; !dup {
			first[c.Key] = i
			todo = append(todo, i)
		}
	}
	todo, err := s.serveFresh(ctx, t, calls, todo, out)
	if err != nil {
		return nil, err
	}
	waitedFor := map[int]int64{} // index -> generation of the fetch it waits for
	for poll := firstPoll; len(todo) > 0; {
		leases, waiting, err := s.claim(ctx, t, calls, todo, waitedFor, out)
		if err != nil {
			return nil, err
		}
		if len(leases) > 0 {
			lost, err := s.fetchLeased(ctx, t, calls, leases, fetch, out)
			if err != nil {
				return nil, err
			}
			todo, poll = append(waiting, lost...), firstPoll
			continue
		}
		if todo = waiting; len(todo) == 0 {
			break
		}
		if err := s.awaitLeases(ctx, todo, waitedFor, poll); err != nil {
			return nil, err
		}
		poll = min(2*poll, lastPoll)
	}
	for i, c := range calls {
		out[i] = out[first[c.Key]]
	}
	return out, nil
}

// callRow is a call's row in skyql_calls.
type callRow struct {
	id, generation int64
	tbl            string
	fetchedAt      int64
	complete       bool
	rows           int
}

const selectCall = `SELECT id, generation, tbl, fetched_at, complete, row_count FROM skyql_calls WHERE key = ?`

func scanCall(row *sql.Row) (callRow, bool, error) {
	var c callRow
	err := row.Scan(&c.id, &c.generation, &c.tbl, &c.fetchedAt, &c.complete, &c.rows)
	if errors.Is(err, sql.ErrNoRows) {
		return c, false, nil
	}
	return c, err == nil, err
}

// fresh reports whether the call's rows may be served from t: complete,
// in t (a call fetched into another table, of another column layout, has
// to be fetched again) and within the TTL, or the very fetch the caller
// waited for.
func (s *Store) fresh(c callRow, t *Table, waitedFor int64) bool {
	if !c.complete || c.tbl != t.Name {
		return false
	}
	if waitedFor != 0 && c.generation == waitedFor {
		return true
	}
	return !s.ephemeral && time.Since(time.Unix(c.fetchedAt, 0)) < s.ttl
}

func (c callRow) materialized() Materialized {
	return Materialized{CallRef: CallRef{ID: c.id, Generation: c.generation}, Rows: c.rows}
}

// serveFresh fills out for the calls of todo the cache serves, without a
// write transaction, and returns the others.
func (s *Store) serveFresh(ctx context.Context, t *Table, calls []Call, todo []int, out []Materialized) ([]int, error) {
	stmts := prepared{ctx: ctx, db: s.db}
	defer stmts.close()
	var rest []int
	for _, i := range todo {
		c, found, err := scanCall(stmts.queryRow(selectCall, calls[i].Key))
		if err != nil {
			return nil, err
		}
		if found && s.fresh(c, t, 0) {
			out[i] = c.materialized()
			continue
		}
		rest = append(rest, i)
	}
	return rest, nil
}

// lease is a fetch this store holds.
type lease struct {
	index            int // among Materialize's calls
	call, generation int64
}

// claim takes leases on the calls of todo, in one transaction, serving
// those that turned fresh meanwhile. It returns the leases and the calls
// another store holds a live lease on (recording in waitedFor the
// generation each waits for); a lease past its expiry is taken over, and
// the rows written under it deleted.
func (s *Store) claim(ctx context.Context, t *Table, calls []Call, todo []int, waitedFor map[int]int64, out []Materialized) (leases []lease, waiting []int, err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, nil, err
	}
	defer tx.Rollback()
	stmts := prepared{ctx: ctx, db: tx}
	defer stmts.close()
	now := time.Now()
	for _, i := range todo {
		c, found, err := scanCall(stmts.queryRow(selectCall, calls[i].Key))
		if err != nil {
			return nil, nil, err
		}
		if found && s.fresh(c, t, waitedFor[i]) {
			out[i] = c.materialized()
			continue
		}
		var held struct {
			generation, expires int64
			tbl                 string
		}
		if found {
			err = stmts.queryRow(`SELECT generation, expires, tbl FROM skyql_fetches WHERE call = ?`, c.id).
				Scan(&held.generation, &held.expires, &held.tbl)
		} else {
			// A new call has no lease yet.
			err = stmts.queryRow(`INSERT INTO skyql_calls (key, tbl, resource, description) VALUES (?, ?, ?, ?) RETURNING id`,
				calls[i].Key, t.Name, t.Resource, calls[i].Description).Scan(&c.id)
			if err != nil {
				return nil, nil, err
			}
			err = sql.ErrNoRows
		}
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return nil, nil, err
		case held.expires > now.UnixMilli():
			waitedFor[i] = held.generation
			waiting = append(waiting, i)
			continue
		default: // abandoned
			if _, err := stmts.exec(fmt.Sprintf("DELETE FROM %s WHERE _generation = ?", quoteIdent(held.tbl)), held.generation); err != nil {
				return nil, nil, err
			}
			if _, err := stmts.exec(`DELETE FROM skyql_fetches WHERE generation = ?`, held.generation); err != nil {
				return nil, nil, err
			}
		}
		l := lease{index: i, call: c.id}
		err = stmts.queryRow(`INSERT INTO skyql_fetches (call, tbl, owner, expires) VALUES (?, ?, ?, ?) RETURNING generation`,
			c.id, t.Name, s.owner, now.Add(s.lease).UnixMilli()).Scan(&l.generation)
		if err != nil {
			return nil, nil, err
		}
		leases = append(leases, l)
	}
	return leases, waiting, tx.Commit()
}

// fetchLeased fetches the leased calls into t and swaps their rows in. It
// returns the calls whose lease another store took over meanwhile (this
// store then hung past the lease's expiry), which are to be waited for.
func (s *Store) fetchLeased(ctx context.Context, t *Table, calls []Call, leases []lease, fetch FetchFunc, out []Materialized) ([]int, error) {
	renewCtx, stopRenewing := context.WithCancel(ctx)
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		s.renewLeases(renewCtx)
	}()
	indexes := make([]int, len(leases))
	generation := make(map[int]int64, len(leases))
	for k, l := range leases {
		indexes[k] = l.index
		generation[l.index] = l.generation
	}
	in := s.newIngest(ctx)
	errs := fetch(ctx, indexes, func(i int, items [][]byte) error {
		return in.add(t, generation[i], calls[i].Params, items)
	})
	ingestErr := in.close()
	stopRenewing()
	<-renewed
	// A cancelled statement's writes fail too; the cancellation is the
	// cause.
	err := cmp.Or(ctx.Err(), ingestErr)
	if err == nil && len(errs) != len(leases) {
		err = fmt.Errorf("store: fetch returned %d results for %d calls", len(errs), len(leases))
	}
	if err != nil {
		if aerr := s.abandon(context.WithoutCancel(ctx), t, leases); aerr != nil {
			return nil, errors.Join(err, aerr)
		}
		return nil, err
	}
	return s.publish(ctx, t, leases, errs, in, out)
}

// renewLeases keeps this store's leases alive until ctx ends. A renewal
// that fails costs at most a takeover, which publish notices.
func (s *Store) renewLeases(ctx context.Context) {
	tick := time.NewTicker(s.lease / 3)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			s.db.ExecContext(ctx, `UPDATE skyql_fetches SET expires = ? WHERE owner = ?`, time.Now().Add(s.lease).UnixMilli(), s.owner)
		}
	}
}

// publish swaps the fetched rows in, in one transaction: each call whose
// lease is still this store's gets the new generation, and its previous
// rows go. It returns the calls whose lease was lost, whose rows it
// deletes instead.
func (s *Store) publish(ctx context.Context, t *Table, leases []lease, errs []error, in *ingest, out []Materialized) (lost []int, err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	stmts := prepared{ctx: ctx, db: tx}
	defer stmts.close()
	deleteRows := fmt.Sprintf("DELETE FROM %s WHERE _generation = ?", quoteIdent(t.Name))
	now := time.Now().Unix()
	for k, l := range leases {
		res, err := stmts.exec(`DELETE FROM skyql_fetches WHERE generation = ? AND owner = ?`, l.generation, s.owner)
		if err != nil {
			return nil, err
		}
		held, err := res.RowsAffected()
		if err != nil {
			return nil, err
		}
		if held == 0 {
			if _, err := stmts.exec(deleteRows, l.generation); err != nil {
				return nil, err
			}
			lost = append(lost, l.index)
			continue
		}
		var previous int64
		var previousTable string
		if err := stmts.queryRow(`SELECT generation, tbl FROM skyql_calls WHERE id = ?`, l.call).Scan(&previous, &previousTable); err != nil {
			return nil, err
		}
		// Rows in a table of another layout are not tagged by generation
		// (an older build's); they stay, unread. Generation 0 is a call
		// never fetched before, which has no rows.
		if previousTable == t.Name && previous != 0 {
			if _, err := stmts.exec(deleteRows, previous); err != nil {
				return nil, err
			}
		}
		rows := in.rows(l.generation)
		_, err = stmts.exec(`UPDATE skyql_calls SET generation = ?, tbl = ?, complete = ?, row_count = ?, fetched_at = ? WHERE id = ?`,
			l.generation, t.Name, errs[k] == nil, rows, now, l.call)
		if err != nil {
			return nil, err
		}
		out[l.index] = Materialized{CallRef: CallRef{ID: l.call, Generation: l.generation}, Rows: rows, Err: errs[k]}
	}
	return lost, tx.Commit()
}

// abandon drops leases and the rows written under them.
func (s *Store) abandon(ctx context.Context, t *Table, leases []lease) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	stmts := prepared{ctx: ctx, db: tx}
	defer stmts.close()
	deleteRows := fmt.Sprintf("DELETE FROM %s WHERE _generation = ?", quoteIdent(t.Name))
	for _, l := range leases {
		if _, err := stmts.exec(deleteRows, l.generation); err != nil {
			return err
		}
		if _, err := stmts.exec(`DELETE FROM skyql_fetches WHERE generation = ? AND owner = ?`, l.generation, s.owner); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// awaitLeases waits poll, and then until at least one of the leases the
// calls of todo wait for has ended or expired, reading (never writing)
// skyql_fetches.
func (s *Store) awaitLeases(ctx context.Context, todo []int, waitedFor map[int]int64, poll time.Duration) error {
	generations := make([]string, len(todo))
	for k, i := range todo {
		generations[k] = fmt.Sprint(waitedFor[i])
	}
	q := fmt.Sprintf(`SELECT count(*) FROM skyql_fetches WHERE generation IN (%s) AND expires > ?`, strings.Join(generations, ","))
	timer := time.NewTimer(poll)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
		}
		var live int
		if err := s.db.QueryRowContext(ctx, q, time.Now().UnixMilli()).Scan(&live); err != nil {
			return err
		}
		if live < len(todo) {
			return nil
		}
		timer.Reset(poll)
	}
}

// prepared prepares each statement of a transaction (or of a run of
// lookups outside one) once, on its first use: looking up, claiming and
// publishing a fan-out's calls runs the same few
// statements for each of hundreds of calls, and SQLite takes longer to
// prepare such a statement than to run it. The statements run without
// ctx's cancellation, which the driver would watch from a goroutine of its
// own for each statement; ctx is checked before each one instead.
type prepared struct {
	ctx   context.Context
	db    preparer // the transaction, or the database outside one
	stmts map[string]*sql.Stmt
}

// preparer is what *sql.DB and *sql.Tx share.
type preparer interface {
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (p *prepared) stmt(query string) (*sql.Stmt, error) {
	if err := p.ctx.Err(); err != nil {
		return nil, err
	}
	if st, ok := p.stmts[query]; ok {
		return st, nil
	}
	st, err := p.db.PrepareContext(p.ctx, query)
	if err != nil {
		return nil, err
	}
	if p.stmts == nil {
		p.stmts = map[string]*sql.Stmt{}
	}
	p.stmts[query] = st
	return st, nil
}

func (p *prepared) exec(query string, args ...any) (sql.Result, error) {
	st, err := p.stmt(query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(context.WithoutCancel(p.ctx), args...)
}

// queryRow is QueryRowContext through the statement prepared once. A
// statement that cannot run (ctx ended, or it fails to prepare) goes
// through QueryRowContext, whose Row then carries the error.
func (p *prepared) queryRow(query string, args ...any) *sql.Row {
	st, err := p.stmt(query)
	if err != nil {
		return p.db.QueryRowContext(p.ctx, query, args...)
	}
	return st.QueryRowContext(context.WithoutCancel(p.ctx), args...)
}

func (p *prepared) close() {
	for _, st := range p.stmts {
		st.Close()
	}
}

// newOwner names a store's leases: the process, for whoever reads
// skyql_fetches, and a random part, for the stores of one process.
func newOwner() string {
	b := make([]byte, 8)
	rand.Read(b)
	return fmt.Sprintf("%d-%s", os.Getpid(), hex.EncodeToString(b))
}
