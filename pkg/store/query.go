package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"

	sqlite3 "github.com/mattn/go-sqlite3"
)

// Rows is the result of Query. Close releases the store's connection.
type Rows struct {
	*sql.Rows
	release func()
	explain func(error) error
}

// Err is the error that ended the rows early, if any.
func (r *Rows) Err() error {
	if err := r.Rows.Err(); err != nil {
		return r.explain(err)
	}
	return nil
}

// Close closes the rows and releases the connection.
func (r *Rows) Close() error {
	err := r.Rows.Close()
	r.release()
	return err
}

// Query runs a statement of the user's (a SELECT over the views BindView
// made, or an expression a statement needs evaluated) and returns its
// rows, which the caller must close before the store runs anything else.
// args are bound to the statement's parameters (?N) as values.
// With Options.StatementTimeout the statement is interrupted when it runs
// longer; cancelling ctx interrupts it too. An Isolated store refuses a
// statement that names one of the tables behind the views, and lets SQLite
// read nothing but this store's views, their tables and table-valued JSON
// functions (see guard).
func (s *Store) Query(ctx context.Context, query string, args ...any) (*Rows, error) {
	if i := strings.IndexByte(query, 0); i >= 0 {
		return nil, fmt.Errorf("the statement holds a NUL byte at offset %d, where SQLite would stop reading it; remove it", i)
	}
	cancel := func() {}
	if s.timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, s.timeout)
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		cancel()
		return nil, err
	}
	release := func() {
		conn.Close()
		cancel()
	}
	var denied func() string
	if s.isolated {
		unguard, refused, err := s.guard(ctx, conn, query)
		if err != nil {
			release()
			return nil, err
		}
		release = func() {
			unguard()
			conn.Close()
			cancel()
		}
		denied = refused
	}
	explain := func(err error) error {
		if denied != nil && denied() != "" {
			return fmt.Errorf("%s is not readable here: statements read provider tables (provider.service.resource) and JSON functions only", denied())
		}
		if s.timeout > 0 && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("the statement ran longer than the %v allowed per statement: %w", s.timeout, err)
		}
		return err
	}
	rows, err := conn.QueryContext(ctx, query, args...)
	if err != nil {
		release()
		return nil, explain(err)
	}
	return &Rows{Rows: rows, release: release, explain: explain}, nil
}

// ScanRow runs a query with its bound args as Query does and scans its
// first row into dest.
func (s *Store) ScanRow(ctx context.Context, query string, args []any, dest ...any) error {
	rows, err := s.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		return cmp.Or(rows.Err(), sql.ErrNoRows)
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	return rows.Close()
}

// guard confines the statement about to run on conn to this store's
// views. SQLite's authorizer tells which tables a statement reads, but
// not whether it reads them itself or through a view (the driver does not
// pass that argument on), so the tables behind the views are guarded by
// name instead: no token of the statement (identifier or string, which
// SQLite also takes as a table name) may be one of them, and the
// authorizer refuses every other table, pragma and write. It returns the
// function that lifts the guard once the statement is done, and one that
// names what the authorizer refused, if anything.
func (s *Store) guard(ctx context.Context, conn *sql.Conn, query string) (unguard func(), refused func() string, err error) {
	rows, err := conn.QueryContext(ctx, `SELECT name FROM sqlite_schema WHERE type = 'table' AND name LIKE 'r\_%' ESCAPE '\'`)
	if err != nil {
		return nil, nil, err
	}
	internal := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return nil, nil, err
		}
		internal[strings.ToLower(name)] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	for _, tok := range sqlTokens(query) {
		if internal[strings.ToLower(tok)] {
			return nil, nil, fmt.Errorf("the statement names %s, a table of the cache's own: read the provider table (provider.service.resource) instead", tok)
		}
	}
	s.mu.Lock()
	readable := map[string]bool{"json_each": true, "json_tree": true}
	for view, table := range s.bound {
		readable[view], readable[table] = true, true
	}
	s.mu.Unlock()
	var mu sync.Mutex
	var denied string
	deny := func(what string) int {
		mu.Lock()
		defer mu.Unlock()
		if denied == "" {
			denied = what
		}
		return sqlite3.SQLITE_DENY
	}
	authorize := func(action int, arg1, _, _ string) int {
		switch action {
		case sqlite3.SQLITE_SELECT, sqliteRecursive, sqlite3.SQLITE_FUNCTION:
			return sqlite3.SQLITE_OK
		case sqlite3.SQLITE_READ:
			if readable[arg1] {
				return sqlite3.SQLITE_OK
			}
			return deny("the table " + arg1)
		case sqlite3.SQLITE_PRAGMA:
			return deny("PRAGMA " + arg1)
		}
		return deny("anything but a SELECT")
	}
	err = conn.Raw(func(dc any) error {
		c, ok := dc.(*sqlite3.SQLiteConn)
		if !ok {
			return fmt.Errorf("store: connection is a %T, not SQLite's", dc)
		}
		c.RegisterAuthorizer(authorize)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	unguard = func() {
		conn.Raw(func(dc any) error {
			dc.(*sqlite3.SQLiteConn).RegisterAuthorizer(nil)
			return nil
		})
	}
	refused = func() string {
		mu.Lock()
		defer mu.Unlock()
		return denied
	}
	return unguard, refused, nil
}

// sqlTokens splits SQL text into the tokens SQLite could take as a name:
// identifiers, quoted identifiers ("x", `x`, [x]) and string literals,
// unquoted. Comments are skipped.
func sqlTokens(text string) []string {
	var toks []string
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c == '-' && strings.HasPrefix(text[i:], "--"):
			end := strings.IndexByte(text[i:], '\n')
			if end < 0 {
				return toks
			}
			i += end + 1
		case c == '/' && strings.HasPrefix(text[i:], "/*"):
			end := strings.Index(text[i+2:], "*/")
			if end < 0 {
				return toks
			}
			i += end + 4
		case c == '\'' || c == '"' || c == '`':
			tok, n := quoted(text[i:], c)
			toks = append(toks, tok)
			i += n
		case c == '[':
			end := strings.IndexByte(text[i:], ']')
			if end < 0 {
				return append(toks, text[i+1:])
			}
			toks = append(toks, text[i+1:i+end])
			i += end + 1
		case identChar(c):
			start := i
			for i < len(text) && identChar(text[i]) {
				i++
			}
			toks = append(toks, text[start:i])
		default:
			i++
		}
	}
	return toks
}

// quoted reads a token quoted with q (doubled inside) from the start of
// text, and returns it unquoted with the bytes it took.
func quoted(text string, q byte) (string, int) {
	var b strings.Builder
	for i := 1; i < len(text); i++ {
		if text[i] != q {
			b.WriteByte(text[i])
			continue
		}
		if i+1 < len(text) && text[i+1] == q {
			b.WriteByte(q)
			i++
			continue
		}
		return b.String(), i + 1
	}
	return b.String(), len(text)
}

// identChar reports whether c may be part of an SQLite identifier.
func identChar(c byte) bool {
	return c == '_' || c == '$' || c >= 0x80 || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
