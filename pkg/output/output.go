// Package output writes result rows as table, json, jsonl, csv, text, tsv or
// yaml, or as an expanded display (one "column | value" line per field).
//
// Values arrive as SQLite gives them: nil, int64, float64, string, []byte,
// bool (and time.Time for columns the driver parses as dates). Columns marked
// JSON hold JSON text (objects, arrays) that structured formats embed as JSON.
package output

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Column describes one result column.
type Column struct {
	Name string
	// JSON: the values are JSON text to embed as JSON (objects/arrays).
	JSON bool
}

// Writer receives one result: Begin once, Row per row, End once.
type Writer interface {
	Begin(cols []Column) error
	Row(values []any) error
	End() error
}

// Formats lists the names New accepts, the first being the default.
var Formats = []string{"table", "json", "jsonl", "csv", "text", "tsv", "yaml"}

// New returns a Writer for format, writing to w. Each result it prints is
// bytes of its own, from Begin to End, which a Recorder can keep.
func New(format string, w io.Writer) (Writer, error) {
	format = strings.ToLower(format)
	d := &destination{w: w, format: format}
	switch format {
	case "table":
		return &tableWriter{out: d, printer: printer{d}}, nil
	case "json":
		return newJSONWriter(d, false), nil
	case "jsonl":
		return newJSONWriter(d, true), nil
	case "csv":
		return newCSVWriter(d), nil
	case "text":
		return newTextWriter(d, true), nil
	case "tsv":
		return newTextWriter(d, false), nil
	case "yaml":
		return newYAMLWriter(d), nil
	}
	return nil, fmt.Errorf("output format %q is not supported; use one of: %s", format, strings.Join(Formats, ", "))
}

// checkRow guards against a caller passing rows that do not match Begin.
func checkRow(cols []Column, values []any) error {
	if cols == nil {
		return fmt.Errorf("output: Row called before Begin")
	}
	if len(values) != len(cols) {
		return fmt.Errorf("output: row has %d values but the result has %d columns", len(values), len(cols))
	}
	return nil
}

// appendText appends the plain-text form of a value, as csv, text and table
// show it: NULL as nothing, numbers in the shortest exact form, JSON as its
// text, bytes as text when they are UTF-8.
func appendText(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return b
	case int64:
		return strconv.AppendInt(b, v, 10)
	case float64:
		return appendFloat(b, v)
	case string:
		return append(b, v...)
	case []byte:
		if utf8.Valid(v) {
			return append(b, v...)
		}
		return appendHex(b, v)
	case bool:
		return strconv.AppendBool(b, v)
	case time.Time:
		return v.AppendFormat(b, time.RFC3339Nano)
	}
	return fmt.Append(b, v)
}

// appendFloat writes a float the way encoding/json does (plain decimal in
// the usual range, exponent outside it); infinities become "Infinity".
func appendFloat(b []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(b, "Infinity"...)
	case math.IsInf(f, -1):
		return append(b, "-Infinity"...)
	case math.IsNaN(f):
		return append(b, "NaN"...)
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	return strconv.AppendFloat(b, f, format, -1, 64)
}

// appendHex shows a binary blob as SQLite's X'..' literal.
func appendHex(b []byte, v []byte) []byte {
	const digits = "0123456789ABCDEF"
	b = append(b, "X'"...)
	for _, c := range v {
		b = append(b, digits[c>>4], digits[c&0x0f])
	}
	return append(b, '\'')
}

// jsonText is the JSON text a JSON column's value holds (the driver gives
// it as a string or bytes), or nil when the value is something else.
func jsonText(v any) []byte {
	switch v := v.(type) {
	case string:
		return []byte(v)
	case []byte:
		return v
	}
	return nil
}
