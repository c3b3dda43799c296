package store

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestCheckpointerCopiesEachCommit checks that rows the writer commits
// reach the database file itself, not only its write-ahead log, without
// the writer checkpointing: the log never reaches wal_autocheckpoint here.
func TestCheckpointerCopiesEachCommit(t *testing.T) {
	s := openTemp(t, time.Minute)
	path := s.Path()
	tbl, err := s.EnsureTable(t.Context(), "azure.data_protection.backup_instances", benchInstanceColumns)
	if err != nil {
		t.Fatal(err)
	}
	page := make([][]byte, 100)
	for i := range page {
		page[i] = fmt.Appendf(nil, benchInstance, i, i)
	}
	const rows = 6000 // one commit of 5,000 rows and one of the rest
	in := s.newIngest(t.Context())
	for range rows / len(page) {
		if err := in.add(tbl, 1, nil, page); err != nil {
			t.Fatal(err)
		}
	}
	if err := in.close(); err != nil {
		t.Fatal(err)
	}
	// An immutable connection reads the database file and ignores the
	// log. A checkpoint may be copying while it reads: read again then.
	file, err := sql.Open(driverName, "file:"+path+"?mode=ro&immutable=1")
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	var inFile int
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		file.SetMaxIdleConns(0) // a new connection each time: an immutable one caches pages
		if err := file.QueryRow("SELECT count(*) FROM " + quoteIdent(tbl.Name)).Scan(&inFile); err == nil && inFile == rows {
			break
		}
	}
	if inFile != rows {
		wal, _ := os.Stat(path + "-wal")
		t.Fatalf("the database file holds %d of the %d committed rows (log: %d bytes)", inFile, rows, wal.Size())
	}
}

// TestCheckpointerKickAfterClose checks that a commit that lands while its
// store closes asks for no checkpoint, rather than sending on a closed
// channel.
func TestCheckpointerKickAfterClose(t *testing.T) {
	c := newCheckpointer(filepath.Join(t.TempDir(), "cache.db"), "", nil)
	c.soon()
	c.close()
	c.soon()
}
