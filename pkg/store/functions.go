package store

import (
	"errors"
	"strings"

	sqlite3 "github.com/mattn/go-sqlite3"
)

// registerFunctions adds the SQL functions skyql promises beyond SQLite's own.
func registerFunctions(conn *sqlite3.SQLiteConn) error {
	return conn.RegisterFunc("split_part", SplitPart, true)
}

// SplitPart has PostgreSQL's meaning: the n-th field (1-based) of s split
// on delimiter; a negative n counts from the end; a field past the end is
// the empty string, and n = 0 is an error, as in PostgreSQL. It is handy for ARM ids:
// split_part('/subscriptions/x/resourceGroups/rg/...', '/', 5) = 'rg'.
func SplitPart(s, delimiter string, n int64) (string, error) {
	if n == 0 {
		return "", errors.New("split_part: field position must not be zero (fields count from 1; negative counts from the end)")
	}
	var fields []string
	if delimiter == "" {
		fields = []string{s}
	} else {
		fields = strings.Split(s, delimiter)
	}
	switch {
	case n > 0 && n <= int64(len(fields)):
		return fields[n-1], nil
	case n < 0 && -n <= int64(len(fields)):
		return fields[int64(len(fields))+n], nil
	}
	return "", nil
}
