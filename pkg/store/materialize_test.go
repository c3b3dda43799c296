package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// checkLeft checks that tbl holds want rows, of any generation, and that
// no lease is left.
func checkLeft(t *testing.T, s *Store, tbl *Table, want int) {
	t.Helper()
	var rows, leases int
	if err := s.db.QueryRow(fmt.Sprintf("SELECT count(*) FROM %s", quoteIdent(tbl.Name))).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if err := s.db.QueryRow(`SELECT count(*) FROM skyql_fetches`).Scan(&leases); err != nil {
		t.Fatal(err)
	}
	if rows != want || leases != 0 {
		t.Fatalf("%d rows and %d leases left; want %d rows and none", rows, leases, want)
	}
}

// pageThen is a FetchFunc for one call that hands over one page and then
// ends the call with end's error.
func pageThen(end func(context.Context) error) FetchFunc {
	return func(ctx context.Context, indexes []int, add func(int, [][]byte) error) []error {
		if err := add(indexes[0], [][]byte{[]byte(`{"name":"page 1"}`)}); err != nil {
			return []error{err}
		}
		return []error{end(ctx)}
	}
}

// A fetch that fails after some pages leaves those rows as the call's,
// for --allow-partial, but never as complete: the next statement fetches
// the call again, and its rows replace them.
func TestAFailedFetchIsNeverServedAsComplete(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, time.Hour)
	tbl, _ := s.EnsureTable(ctx, "acme.storage.items", testColumns)
	broken := errors.New("HTTP 500 on page 2")
	res, err := s.Materialize(ctx, tbl, []Call{{Key: "k", Description: "k"}}, pageThen(func(context.Context) error { return broken }))
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(res[0].Err, broken) || res[0].Rows != 1 {
		t.Fatalf("the failed fetch: %+v", res[0])
	}
	var complete bool
	if err := s.db.QueryRow(`SELECT complete FROM skyql_calls WHERE key = 'k'`).Scan(&complete); err != nil || complete {
		t.Fatalf("the failed call is recorded complete=%v (%v)", complete, err)
	}
	again := materialize(t, s, tbl, "k", nil, `{"name":"a"}`, `{"name":"b"}`)
	if again.Rows != 2 || again.Err != nil {
		t.Fatalf("the next statement: %+v; want the call fetched again", again)
	}
	checkLeft(t, s, tbl, 2) // the new fetch's
}

// A statement cancelled mid-fetch leaves none of the rows it wrote and no
// lease: the call is as it was.
func TestACancelledFetchLeavesNothing(t *testing.T) {
	s := openTemp(t, time.Hour)
	tbl, _ := s.EnsureTable(t.Context(), "acme.storage.items", testColumns)
	ctx, cancel := context.WithCancel(t.Context())
	_, err := s.Materialize(ctx, tbl, []Call{{Key: "k", Description: "k"}}, pageThen(func(ctx context.Context) error {
		cancel()
		return ctx.Err()
	}))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Materialize returned %v; want the cancellation", err)
	}
	checkLeft(t, s, tbl, 0)
}

// Calls with the same key are fetched once and share the result.
func TestTheSameCallTwiceIsFetchedOnce(t *testing.T) {
	s := openTemp(t, time.Hour)
	tbl, _ := s.EnsureTable(t.Context(), "acme.storage.items", testColumns)
	var fetched []int
	res, err := s.Materialize(t.Context(), tbl, []Call{{Key: "k"}, {Key: "other"}, {Key: "k"}}, func(ctx context.Context, indexes []int, add func(int, [][]byte) error) []error {
		fetched = indexes
		errs := make([]error, len(indexes))
		for k, i := range indexes {
			errs[k] = add(i, [][]byte{[]byte(`{"name":"x"}`)})
		}
		return errs
	})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(fetched) != "[0 1]" || res[0] != res[2] || res[0].CallRef == res[1].CallRef {
		t.Fatalf("fetched %v, results %+v", fetched, res)
	}
}

// Processes that find no cache start one at the same moment: every one
// must open it (SQLite answers a journal mode change it cannot make at
// once with "locked", without waiting).
func TestConcurrentOpensOfANewCache(t *testing.T) {
	for range 20 {
		path := filepath.Join(t.TempDir(), "cache.db")
		errs := make(chan error, 8)
		for range cap(errs) {
			go func() {
				s, err := Open(t.Context(), Options{Path: path})
				if err == nil {
					err = s.Close()
				}
				errs <- err
			}()
		}
		for range cap(errs) {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
	}
}
