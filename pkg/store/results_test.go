package store

import (
	"context"
	"database/sql"
	"io"
	"os"
	"path/filepath"
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
	slot, err := s.ResultSlot(ctx, "q1")
	if err != nil {
		t.Fatal(err)
	}
	if _, found, err := slot.Open(); found || err != nil {
		t.Fatalf("found a result never kept (%v)", err)
	}
	if err := slot.Save([]byte("result one")); err != nil {
		t.Fatal(err)
	}
	again, _ := s.ResultSlot(ctx, "q1")
	f, found, err := again.Open()
	if !found || err != nil {
		t.Fatalf("the kept result was not found (%v)", err)
	}
	body, _ := io.ReadAll(f)
	f.Close()
	if string(body) != "result one" {
		t.Fatalf("kept %q", body)
	}
	if other, _ := s.ResultSlot(ctx, "q2"); other.path == slot.path {
		t.Fatal("two keys share a slot")
	}
	if err := slot.Save(make([]byte, MaxResultSize+1)); err != nil {
		t.Fatal(err)
	}
	if n, size, _ := s.ResultStats(); n != 1 || size != int64(len("result one")) {
		t.Fatalf("%d results of %d bytes kept; a result over MaxResultSize must not be", n, size)
	}

	// A slot looked up before a clear is not where later lookups look.
	if err := s.Clear(ctx); err != nil {
		t.Fatal(err)
	}
	if err := slot.Save([]byte("computed before the clear")); err != nil {
		t.Fatal(err)
	}
	after, _ := s.ResultSlot(ctx, "q1")
	if _, found, _ := after.Open(); found {
		t.Fatal("a result computed before the clear was found after it")
	}
}

func TestScratchStoresKeepNoResults(t *testing.T) {
	s, err := Open(context.Background(), Options{ResultDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	slot, err := s.ResultSlot(context.Background(), "q")
	if err != nil || slot != nil {
		t.Fatalf("slot %v, %v; want none", slot, err)
	}
	if err := slot.Save([]byte("x")); err != nil {
		t.Fatal(err)
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
	if err := evictResults(dir, 200); err != nil {
		t.Fatal(err)
	}
	var left []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		left = append(left, e.Name())
	}
	if strings.Join(left, " ") != ".writing-live a c" {
		t.Fatalf("left %v; want the two most recently used and the result still being written", left)
	}
}

func TestOpeningAnOlderCacheAddsGenerations(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cache.db")
	registerDriver()
	old, err := sql.Open(driverName, "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	// skyql_calls as caches made before schema version 1 have it.
	if _, err := old.Exec(`CREATE TABLE skyql_calls (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, tbl TEXT NOT NULL,
		resource TEXT NOT NULL, description TEXT NOT NULL, fetched_at INTEGER NOT NULL DEFAULT 0,
		complete INTEGER NOT NULL DEFAULT 0, row_count INTEGER NOT NULL DEFAULT 0);
		INSERT INTO skyql_calls (key, tbl, resource, description, fetched_at, complete) VALUES ('k', 't', 'r', 'd', 1, 1)`); err != nil {
		t.Fatal(err)
	}
	old.Close()

	s, err := Open(ctx, Options{Path: path, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tbl, err := s.EnsureTable(ctx, "acme.storage.items", testColumns)
	if err != nil {
		t.Fatal(err)
	}
	refs, err := s.BeginCalls(ctx, tbl, []NewCall{{Key: "k", Description: "d"}, {Key: "new", Description: "d"}})
	if err != nil {
		t.Fatal(err)
	}
	if refs[0].ID != 1 || refs[0].Generation != 1 || refs[1].Generation != 0 {
		t.Fatalf("calls %+v; want the old call at generation 1, the new one at 0", refs)
	}
	var version int
	if err := s.DB().QueryRow("PRAGMA user_version").Scan(&version); err != nil || version != schemaVersion {
		t.Fatalf("user_version %d (%v)", version, err)
	}
}
