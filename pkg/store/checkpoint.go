package store

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"sync"
)

// The writer appends each page's rows to the write-ahead log, and every
// page of the log is later copied into the database file: a checkpoint.
// SQLite checkpoints from the connection that committed, once the log has
// grown past wal_autocheckpoint (1,000 pages, 16 MiB, about 10,000 backup
// instances: 300,000 of them fill 470 MB), and that connection is the
// store's one writer, which stopped inserting to copy them. A checkpointer
// copies the log from a connection of its own after each of the writer's
// commits, while the writer goes on inserting (SQLite runs one checkpoint
// beside one writer). The writer's
// own checkpoints stay on: the log is only started over by a transaction
// that begins with all of it copied, which the writer, beginning its next
// transaction at once, rarely sees; its checkpoint copies the little the
// checkpointer has not, so the log stays at about 1,000 pages.

// checkpointer runs passive checkpoints when kicked, one at a time.
type checkpointer struct {
	path     string
	params   string
	warnings io.Writer
	warned   bool // only run touches it
	kick     chan struct{}
	done     chan struct{}

	mu     sync.Mutex
	closed bool // kick is closed
}

func newCheckpointer(path, params string, warnings io.Writer) *checkpointer {
	c := &checkpointer{path: path, params: params, warnings: warnings, kick: make(chan struct{}, 1), done: make(chan struct{})}
	go c.run()
	return c
}

// soon asks for a checkpoint, without waiting for it: a kick while one runs
// makes one more run after it, which copies what was committed meanwhile.
// After close it does nothing: a writer may commit while its store closes.
func (c *checkpointer) soon() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// close waits for a running checkpoint and closes the connection; what
// is left in the log, the store's own connection copies when it closes.
func (c *checkpointer) close() {
	c.mu.Lock()
	c.closed = true
	close(c.kick)
	c.mu.Unlock()
	<-c.done
}

func (c *checkpointer) run() {
	defer close(c.done)
	var db *sql.DB // opened at the first kick: most runs of skyql commit nothing
	defer func() {
		if db != nil {
			db.Close()
		}
	}()
	for range c.kick {
		if db == nil {
			var err error
			if db, err = sql.Open(driverName, "file:"+c.path+"?"+c.params); err != nil {
				c.warn(err)
				continue
			}
			db.SetMaxOpenConns(1)
			db.SetConnMaxIdleTime(0)
			db.SetConnMaxLifetime(0)
		}
		// PASSIVE copies what no reader still needs and never waits for
		// a lock: a busy log is left for the next kick.
		var busy, logPages, copied int
		if err := db.QueryRowContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logPages, &copied); err != nil {
			c.warn(err)
		}
	}
}

// warn tells of the first error only: each later one would say the same,
// and the writer's own checkpoints keep the cache whole meanwhile.
func (c *checkpointer) warn(err error) {
	if c.warnings != nil && !c.warned {
		c.warned = true
		fmt.Fprintf(c.warnings, "skyql: checkpointing the cache at %s: %v (its writer will do it)\n", c.path, err)
	}
}
