package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	sqlite3 "github.com/mattn/go-sqlite3"
)

// StatementReads is what SQLite reads and calls to answer a statement, as
// its authorizer is told while preparing it.
type StatementReads struct {
	// Tables are the tables, views and table-valued functions read: a
	// view both by its own name and by the tables behind it.
	Tables []string
	// Functions are the SQL functions called, lower-case; the clock
	// keywords too (current_timestamp is a function to SQLite).
	Functions []string
	// Other is set when the statement does anything else: a pragma, a
	// write, an ATTACH.
	Other bool
}

// sqliteRecursive is SQLITE_RECURSIVE, the authorizer's code for a
// recursive common table expression, which the driver does not name.
const sqliteRecursive = 33

// Reads prepares query without running it and says what it reads.
func (s *Store) Reads(ctx context.Context, query string) (StatementReads, error) {
	var r StatementReads
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return r, err
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		c, ok := dc.(*sqlite3.SQLiteConn)
		if !ok {
			return fmt.Errorf("store: connection is a %T, not SQLite's", dc)
		}
		c.RegisterAuthorizer(func(action int, arg1, arg2, _ string) int {
			switch action {
			case sqlite3.SQLITE_SELECT, sqliteRecursive:
			case sqlite3.SQLITE_READ:
				if !slices.Contains(r.Tables, arg1) {
					r.Tables = append(r.Tables, arg1)
				}
			case sqlite3.SQLITE_FUNCTION:
				if name := strings.ToLower(arg2); !slices.Contains(r.Functions, name) {
					r.Functions = append(r.Functions, name)
				}
			default:
				r.Other = true
			}
			return sqlite3.SQLITE_OK
		})
		defer c.RegisterAuthorizer(nil)
		stmt, err := c.Prepare(query)
		if err != nil {
			return err
		}
		return stmt.Close()
	})
	return r, err
}

// deterministicFunctions are the SQL functions whose result depends on
// their arguments alone: SQLite's core, aggregate, window, math and JSON
// functions, and skyql's split_part. The date and time functions are not
// among them (date('now'), and date() with no argument, read the clock),
// nor are random, randomblob, changes, total_changes, last_insert_rowid
// and the clock keywords.
var deterministicFunctions = func() map[string]bool {
	m := map[string]bool{}
	for _, name := range strings.Fields(`
		abs char coalesce concat concat_ws format glob hex if ifnull iif instr length like likelihood
		likely lower ltrim max min nullif octet_length printf quote replace round rtrim sign soundex
		sqlite_version substr substring trim typeof unhex unicode unlikely upper zeroblob
		avg count group_concat string_agg sum total
		row_number rank dense_rank percent_rank cume_dist ntile lag lead first_value last_value nth_value
		acos acosh asin asinh atan atan2 atanh ceil ceiling cos cosh degrees exp floor ln log log10 log2
		mod pi pow power radians sin sinh sqrt tan tanh trunc
		json jsonb json_array jsonb_array json_array_length json_error_position json_extract
		jsonb_extract json_insert jsonb_insert json_object jsonb_object json_patch jsonb_patch
		json_pretty json_remove jsonb_remove json_replace jsonb_replace json_set jsonb_set json_type
		json_valid json_quote json_group_array jsonb_group_array json_group_object
		jsonb_group_object
		split_part`) {
		m[name] = true
	}
	return m
}()

// tableFunctions are the table-valued functions whose rows depend on their
// arguments alone.
var tableFunctions = map[string]bool{"json_each": true, "json_tree": true}

// Deterministic reports whether a statement with these reads gives the same
// result for as long as the given tables and views hold the same rows:
// it reads nothing else (no other view or table, no sqlite_schema, no
// pragma) and calls only functions whose result depends on their
// arguments alone.
func (r StatementReads) Deterministic(tables []string) bool {
	if r.Other {
		return false
	}
	for _, f := range r.Functions {
		if !deterministicFunctions[f] {
			return false
		}
	}
	for _, t := range r.Tables {
		if !tableFunctions[t] && !slices.Contains(tables, t) {
			return false
		}
	}
	return true
}
