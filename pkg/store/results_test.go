package store

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestResultSlotsKeepResults(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, Options{Path: filepath.Join(dir, "cache.db"), ResultDir: filepath.Join(dir, "results"), TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	slot := s.ResultSlot("q1")
	if _, found, err := slot.Open(); found || err != nil {
		t.Fatalf("found a result never kept (%v)", err)
	}
	if err := keepResult(slot, []byte("result one")); err != nil {
		t.Fatal(err)
	}
	f, found, err := s.ResultSlot("q1").Open()
	if !found || err != nil {
		t.Fatalf("the kept result was not found (%v)", err)
	}
	body, _ := io.ReadAll(f)
	f.Close()
	if string(body) != "result one" {
		t.Fatalf("kept %q", body)
	}
	if s.ResultSlot("q2").path == slot.path {
		t.Fatal("two keys share a slot")
	}
	if err := keepResult(s.ResultSlot("q3"), make([]byte, maxResultSize+1)); !errors.Is(err, errResultTooLarge) {
		t.Fatalf("keeping a result over maxResultSize: %v", err)
	}
	if st, _ := s.Stats(ctx); st.Results != 1 || st.ResultBytes != resultBlock {
		t.Fatalf("%d results of %d bytes kept; a result over maxResultSize must not be", st.Results, st.ResultBytes)
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, "results")); len(entries) != 1 {
		t.Fatalf("%d files in the result directory, want the one result: a discarded result must leave nothing", len(entries))
	}
	if err := s.Clear(ctx); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.Stats(ctx); st.Results != 0 || st.Calls != 0 {
		t.Fatalf("%+v kept after Clear", st)
	}
}

// keepResult keeps body in slot as a caller printing it does: written in
// pieces, committed only if every piece was taken.
func keepResult(slot *ResultSlot, body []byte) error {
	result, err := slot.Create()
	if err != nil {
		return err
	}
	for piece := range slices.Chunk(body, 4096) {
		if _, err := result.Write(piece); err != nil {
			result.Discard()
			return err
		}
	}
	return result.Commit()
}

func TestResultsAreSeenWholeOrNotAtAll(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(context.Background(), Options{Path: filepath.Join(dir, "cache.db"), ResultDir: filepath.Join(dir, "results"), TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := keepResult(s.ResultSlot("q"), []byte("first")); err != nil {
		t.Fatal(err)
	}
	result, err := s.ResultSlot("q").Create()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := result.Write([]byte("second, being printed")); err != nil {
		t.Fatal(err)
	}
	read := func() string {
		t.Helper()
		f, found, err := s.ResultSlot("q").Open()
		if !found || err != nil {
			t.Fatalf("found %v, %v", found, err)
		}
		defer f.Close()
		body, _ := io.ReadAll(f)
		return string(body)
	}
	if got := read(); got != "first" {
		t.Fatalf("while the next result is written, a reader got %q", got)
	}
	result.Discard()
	if got := read(); got != "first" {
		t.Fatalf("after a discarded result, a reader got %q", got)
	}
	if err := keepResult(s.ResultSlot("q"), []byte("third")); err != nil {
		t.Fatal(err)
	}
	if got := read(); got != "third" {
		t.Fatalf("after a new result, a reader got %q", got)
	}
}

func TestInstancesChangeWhenCallIdsMayBeTakenAgain(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, time.Hour)
	instance := func() string {
		t.Helper()
		v, err := s.Instance(ctx)
		if err != nil || len(v) != 32 {
			t.Fatalf("instance %q, %v", v, err)
		}
		return v
	}
	first := instance()
	if instance() != first {
		t.Fatal("the instance changed by itself")
	}
	if err := s.Clear(ctx); err != nil {
		t.Fatal(err)
	}
	second := instance()
	if second == first {
		t.Fatal("Clear kept the instance")
	}
	// A skyql build from before instances clears the cache by deleting
	// its calls; the trigger gives the database a new instance then too.
	tbl, _ := s.EnsureTable(ctx, "acme.storage.items", testColumns)
	fetchInto(t, s, tbl, "k", nil, `{"name":"a"}`)
	if _, err := s.db.Exec(`DELETE FROM skyql_calls`); err != nil {
		t.Fatal(err)
	}
	if instance() == second {
		t.Fatal("deleting calls kept the instance")
	}
}

func TestEveryFetchMakesANewGeneration(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, time.Hour)
	tbl, _ := s.EnsureTable(ctx, "acme.storage.items", testColumns)
	a := fetchInto(t, s, tbl, "k", nil, `{"name":"a"}`)
	other := fetchInto(t, s, tbl, "other", nil, `{"name":"o"}`)
	if err := s.Invalidate(ctx, "acme.storage.items"); err != nil {
		t.Fatal(err)
	}
	b := fetchInto(t, s, tbl, "k", nil, `{"name":"b"}`)
	if b.ID != a.ID || b.Generation <= other.Generation {
		t.Fatalf("refetch %+v after %+v and %+v: want the same call at a generation above both", b, a, other)
	}
	// Letting rows go (Invalidate) does not make a generation: one names
	// the rows of one fetch.
	if err := s.Invalidate(ctx, "acme.storage.items"); err != nil {
		t.Fatal(err)
	}
	var g int64
	if err := s.db.QueryRow(`SELECT generation FROM skyql_calls WHERE key = 'k'`).Scan(&g); err != nil || g != b.Generation {
		t.Fatalf("after Invalidate: generation %d (%v), want %d", g, err, b.Generation)
	}
}

func TestScratchStoresKeepNoResults(t *testing.T) {
	s, err := Open(context.Background(), Options{ResultDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	slot := s.ResultSlot("q")
	if slot != nil {
		t.Fatalf("slot %v; want none", slot)
	}
	if _, found, err := slot.Open(); found || err != nil {
		t.Fatalf("found %v, %v", found, err)
	}
}

func TestEvictionKeepsTheRecentlyUsed(t *testing.T) {
	dir := t.TempDir()
	old := time.Now().Add(-time.Hour)
	for i, name := range []string{"a", "b", "c", tempPrefix + "dead", tempPrefix + "live"} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(strings.Repeat("x", 100)), 0o600); err != nil {
			t.Fatal(err)
		}
		used := old.Add(time.Duration(i) * time.Minute)
		switch name {
		case "a":
			used = time.Now() // used last, though written first
		case tempPrefix + "dead":
			used = old.Add(-time.Hour)
		case tempPrefix + "live":
			used = time.Now()
		}
		if err := os.Chtimes(path, used, used); err != nil {
			t.Fatal(err)
		}
	}
	left := func() string {
		var names []string
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			names = append(names, e.Name())
		}
		return strings.Join(names, " ")
	}
	// Small results count as a disk block each.
	if err := evictResults(dir, 10, 2*resultBlock); err != nil {
		t.Fatal(err)
	}
	if got := left(); got != ".writing-live a c" {
		t.Fatalf("left %s; want the two most recently used and the result still being written", got)
	}
	if err := evictResults(dir, 1, resultBudget); err != nil {
		t.Fatal(err)
	}
	if got := left(); got != ".writing-live a" {
		t.Fatalf("left %s; want the most recently used", got)
	}
}

// openOlderCache makes a cache file with the tables an older build made
// (schema, SQL) and opens it.
func openOlderCache(t *testing.T, schema string) *Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cache.db")
	registerDriver()
	old, err := sql.Open(driverName, "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.Exec(schema); err != nil {
		t.Fatal(err)
	}
	old.Close()
	s, err := Open(t.Context(), Options{Path: path, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestOpeningAnOlderCacheAddsGenerationsAndLeases(t *testing.T) {
	ctx := context.Background()
	// skyql_calls as caches made before schema version 1 have it.
	s := openOlderCache(t, `CREATE TABLE skyql_calls (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, tbl TEXT NOT NULL,
		resource TEXT NOT NULL, description TEXT NOT NULL, fetched_at INTEGER NOT NULL DEFAULT 0,
		complete INTEGER NOT NULL DEFAULT 0, row_count INTEGER NOT NULL DEFAULT 0);
		INSERT INTO skyql_calls (key, tbl, resource, description, fetched_at, complete) VALUES ('k', 't', 'r', 'd', 1, 1)`)
	tbl, err := s.EnsureTable(ctx, "acme.storage.items", testColumns)
	if err != nil {
		t.Fatal(err)
	}
	fetched := false
	res, err := s.Materialize(ctx, tbl, []Call{{Key: "k", Description: "d"}, {Key: "new", Description: "d"}}, onePage(&fetched, `{"name":"a"}`))
	if err != nil {
		t.Fatal(err)
	}
	if res[0].ID != 1 || res[0].Generation != 1 || res[1].Generation != 2 {
		t.Fatalf("calls %+v; want the old call (id 1) at generation 1, the new one at 2", res)
	}
	var version int
	if err := s.db.QueryRow("PRAGMA user_version").Scan(&version); err != nil || version != schemaVersion {
		t.Fatalf("user_version %d (%v)", version, err)
	}
}

// A cache of schema version 1 numbered generations per call, and raised
// them with a trigger when rows were let go; opened now, its generations
// continue above the highest, and letting rows go leaves them be.
func TestOpeningAVersion1CacheContinuesItsGenerations(t *testing.T) {
	ctx := context.Background()
	s := openOlderCache(t, `CREATE TABLE skyql_calls (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, tbl TEXT NOT NULL,
		resource TEXT NOT NULL, description TEXT NOT NULL, fetched_at INTEGER NOT NULL DEFAULT 0,
		complete INTEGER NOT NULL DEFAULT 0, row_count INTEGER NOT NULL DEFAULT 0, generation INTEGER NOT NULL DEFAULT 0);
		CREATE TABLE skyql_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
		INSERT INTO skyql_meta VALUES ('instance', 'i');
		CREATE TRIGGER skyql_calls_generation AFTER UPDATE OF complete ON skyql_calls
			WHEN old.complete = 1 AND new.complete = 0 AND new.generation = old.generation
			BEGIN UPDATE skyql_calls SET generation = generation + 1 WHERE id = new.id; END;
		INSERT INTO skyql_calls (key, tbl, resource, description, fetched_at, complete, generation) VALUES ('k', 't', 'acme.storage.items', 'd', 1, 1, 7);
		PRAGMA user_version = 1`)
	tbl, _ := s.EnsureTable(ctx, "acme.storage.items", testColumns)
	if got := fetchInto(t, s, tbl, "new", nil, `{"name":"a"}`); got.Generation != 8 {
		t.Fatalf("a new call's generation %d; want 8, above the old cache's 7", got.Generation)
	}
	if err := s.Invalidate(ctx, "acme.storage.items"); err != nil {
		t.Fatal(err)
	}
	var g int64
	if err := s.db.QueryRow(`SELECT generation FROM skyql_calls WHERE key = 'new'`).Scan(&g); err != nil || g != 8 {
		t.Fatalf("after Invalidate: generation %d (%v); want 8 still", g, err)
	}
}
