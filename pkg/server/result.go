package server

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/skyql/skyql/pkg/engine"
	"github.com/skyql/skyql/pkg/executor"
	"github.com/skyql/skyql/pkg/output"
	"github.com/skyql/skyql/pkg/parser"
	"github.com/skyql/skyql/pkg/planner"
	"github.com/skyql/skyql/pkg/provider"
)

// PostgreSQL type OIDs of the columns skyql sends, all in text form.
const (
	oidBool        = 16
	oidInt8        = 20
	oidText        = 25
	oidJSON        = 114
	oidFloat8      = 701
	oidTimestamptz = 1184
)

// typeSample is how many rows, or bytes of values, decide a result's
// column types: SQLite's columns have no fixed type, so the types clients
// are told are those of the values in the first rows (see columnType).
const (
	typeSample      = 256
	typeSampleBytes = 1 << 20
)

// flushBytes bounds what waits in the backend's buffer: a large result
// streams instead of being held whole.
const flushBytes = 256 << 10

// resultWriter sends a statement's results as RowDescription, DataRow and
// CommandComplete messages.
type resultWriter struct {
	b     *pgproto3.Backend
	verb  string
	ended bool // a CommandComplete was sent

	cols        []output.Column
	types       []uint32 // set once the RowDescription is sent
	sample      [][]any  // rows held until then
	sampleBytes int
	rows        int
	unflushed   int // bytes sent since the last flush
	encoded     [][]byte
}

// typeChangeError is a value whose type is not its column's, once clients
// were told the column's type.
type typeChangeError struct {
	column   string
	row      int
	declared uint32
	value    any
}

func (e *typeChangeError) Error() string {
	return fmt.Sprintf("column %s changes type at row %d: a %s value where the first rows made the column %s; cast it in the query, e.g. CAST(%s AS TEXT)",
		e.column, e.row, valueKind(e.value), typeNames[e.declared], e.column)
}

func (w *resultWriter) Begin(cols []output.Column) error {
	w.cols, w.types, w.sample, w.sampleBytes, w.rows = cols, nil, nil, 0, 0
	return nil
}

func (w *resultWriter) Row(values []any) error {
	if w.types == nil {
		w.sample = append(w.sample, slices.Clone(values))
		for _, v := range values {
			switch v := v.(type) {
			case string:
				w.sampleBytes += len(v)
			case []byte:
				w.sampleBytes += len(v)
			}
		}
		if len(w.sample) < typeSample && w.sampleBytes < typeSampleBytes {
			return nil
		}
		return w.describe()
	}
	return w.send(values)
}

func (w *resultWriter) End() error {
	if w.types == nil {
		if err := w.describe(); err != nil {
			return err
		}
	}
	tag := w.verb
	if tag == "SELECT" {
		tag += " " + strconv.Itoa(w.rows) // PostgreSQL counts rows for SELECT only
	}
	w.b.Send(&pgproto3.CommandComplete{CommandTag: []byte(tag)})
	w.ended = true
	return nil
}

// describe sends the RowDescription, with types from the sampled rows,
// then those rows.
func (w *resultWriter) describe() error {
	w.types = make([]uint32, len(w.cols))
	fields := make([]pgproto3.FieldDescription, len(w.cols))
	for i, c := range w.cols {
		w.types[i] = columnType(c, w.sample, i)
		fields[i] = pgproto3.FieldDescription{Name: []byte(c.Name), DataTypeOID: w.types[i], DataTypeSize: -1, TypeModifier: -1}
	}
	w.b.Send(&pgproto3.RowDescription{Fields: fields})
	sample := w.sample
	w.sample = nil
	for _, values := range sample {
		if err := w.send(values); err != nil {
			return err
		}
	}
	return nil
}

// columnType is the type of column i over rows: JSON for a JSON column;
// int8, float8 (integers and reals mixed), bool or timestamptz when every
// value that is not NULL is one; text otherwise.
func columnType(c output.Column, rows [][]any, i int) uint32 {
	if c.JSON {
		return oidJSON
	}
	var t uint32
	for _, row := range rows {
		var vt uint32
		switch row[i].(type) {
		case nil:
			continue
		case int64:
			vt = oidInt8
		case float64:
			vt = oidFloat8
		case bool:
			vt = oidBool
		case time.Time:
			vt = oidTimestamptz
		default:
			return oidText
		}
		switch {
		case t == 0 || t == vt:
			t = vt
		case t == oidInt8 && vt == oidFloat8, t == oidFloat8 && vt == oidInt8:
			t = oidFloat8
		default:
			return oidText
		}
	}
	if t == 0 {
		return oidText
	}
	return t
}

// typeNames are the PostgreSQL names of the types skyql sends.
var typeNames = map[uint32]string{oidBool: "boolean", oidInt8: "bigint", oidText: "text", oidJSON: "json", oidFloat8: "double precision", oidTimestamptz: "timestamptz"}

// valueKind names a value's type for people.
func valueKind(v any) string {
	switch v.(type) {
	case int64:
		return "integer"
	case float64:
		return "real"
	case bool:
		return "boolean"
	case time.Time:
		return "timestamp"
	case []byte:
		return "blob"
	}
	return "text"
}

// fits reports whether a value can go out in a column of type oid.
func fits(oid uint32, v any) bool {
	switch v.(type) {
	case nil:
		return true
	case int64:
		return oid == oidInt8 || oid == oidFloat8 || oid == oidText || oid == oidJSON
	case float64:
		return oid == oidFloat8 || oid == oidText || oid == oidJSON
	case bool:
		return oid == oidBool || oid == oidText || oid == oidJSON
	case time.Time:
		return oid == oidTimestamptz || oid == oidText
	}
	return oid == oidText || oid == oidJSON
}

func (w *resultWriter) send(values []any) error {
	w.encoded = w.encoded[:0]
	for i, v := range values {
		if !fits(w.types[i], v) {
			return &typeChangeError{column: w.cols[i].Name, row: w.rows + 1, declared: w.types[i], value: v}
		}
		b := textValue(v)
		if w.types[i] == oidJSON && b != nil && !json.Valid(b) {
			b, _ = json.Marshal(string(b)) // text where JSON was promised: a JSON string
		}
		w.encoded = append(w.encoded, b)
		w.unflushed += 4 + len(b)
	}
	w.b.Send(&pgproto3.DataRow{Values: w.encoded})
	w.rows++
	if w.unflushed >= flushBytes {
		w.unflushed = 0
		// A client gone away ends the statement.
		if err := w.b.Flush(); err != nil {
			return err
		}
	}
	return nil
}

// textValue is a value in PostgreSQL's text format; nil is NULL.
func textValue(v any) []byte {
	switch v := v.(type) {
	case nil:
		return nil
	case int64:
		return strconv.AppendInt(nil, v, 10)
	case float64:
		switch {
		case math.IsInf(v, 1):
			return []byte("Infinity")
		case math.IsInf(v, -1):
			return []byte("-Infinity")
		case math.IsNaN(v):
			return []byte("NaN")
		}
		return strconv.AppendFloat(nil, v, 'g', -1, 64)
	case bool:
		if v {
			return []byte("t")
		}
		return []byte("f")
	case string:
		return []byte(v)
	case []byte:
		if utf8.Valid(v) {
			return v
		}
		// bytea's hex form: text must be valid UTF-8.
		return hex.AppendEncode([]byte(`\x`), v)
	case time.Time:
		return v.AppendFormat(nil, "2006-01-02 15:04:05.999999999-07:00")
	}
	return fmt.Append(nil, v)
}

// errorResponse turns an error into PostgreSQL's, with the SQLSTATE code
// that fits it best. text is the query the error's position refers to.
func errorResponse(err error, text string) *pgproto3.ErrorResponse {
	e := &pgproto3.ErrorResponse{Severity: "ERROR", Code: "XX000", Message: err.Error()}
	var syntax *parser.SyntaxError
	var notFound *provider.NotFoundError
	var missing *planner.MissingParamsError
	var doc *provider.DocumentError
	var api *executor.APIError
	var partial *engine.PartialError
	var write *engine.WriteError
	var typeChange *typeChangeError
	switch {
	case errors.Is(err, context.Canceled):
		e.Code, e.Message = "57014", "canceling statement due to user request"
	case errors.As(err, &syntax):
		e.Code = "42601"
		e.Message = syntax.Msg
		if syntax.Near != "" {
			e.Message += " near " + strconv.Quote(syntax.Near)
		}
		e.Position = position(text, syntax.Line, syntax.Column)
	case errors.As(err, &notFound):
		e.Code = "42P01"
	case errors.As(err, &missing):
		e.Code = "42P02"
	case errors.As(err, &doc):
		e.Code = "F0000"
	case errors.As(err, &typeChange):
		e.Code = "42804"
	case strings.Contains(e.Message, "no such table: "):
		e.Code = "42P01" // SQLite's own words
	case strings.Contains(e.Message, "no such column: "):
		e.Code = "42703"
	case errors.As(err, &partial), errors.As(err, &write), errors.As(err, &api):
		e.Code = "38000" // the API, an external routine to PostgreSQL, failed
	}
	if first, rest, ok := strings.Cut(e.Message, "\n"); ok {
		e.Message, e.Detail = first, rest
	}
	return e
}

// position is the 1-based character position of a line and byte column
// in text, as ErrorResponse counts; 0 when unknown.
func position(text string, line, column int) int32 {
	if text == "" || line < 1 || column < 1 {
		return 0
	}
	offset := 0
	for l := 1; l < line; l++ {
		i := strings.IndexByte(text[offset:], '\n')
		if i < 0 {
			return 0
		}
		offset += i + 1
	}
	offset = min(offset+column-1, len(text))
	return int32(utf8.RuneCountInString(text[:offset]) + 1)
}
