package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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

// resultColumn is a column of a statement's result.
type resultColumn struct {
	name string
	oid  uint32 // 0: decided by the first rows' values
}

// cursor runs a statement in a goroutine of its own and hands its result
// over row by row: a result is described (typed) from its first rows
// before any is sent, and a portal may take its rows a few at a time
// (Execute's row limit).
type cursor struct {
	cancel context.CancelFunc
	events chan cursorEvent
	done   chan struct{}
	err    error // the statement's, once done is closed

	described bool
	cols      []resultColumn // nil: the statement has no result
	types     []uint32
	pending   [][]any // rows read to describe the result, not yet sent
	sent      int
	finished  bool // every row was taken
}

// cursorEvent is a result's start (cols) or a batch of its rows.
type cursorEvent struct {
	cols []resultColumn
	rows [][]any
}

// Rows cross from a statement's goroutine in batches of so many rows or
// bytes: one channel operation per row would cost more than encoding it.
const (
	rowBatch      = 256
	rowBatchBytes = 256 << 10
)

// startCursor runs run in a goroutine, for at most timeout if it is not
// 0; what it writes to the sink it is given is read through the cursor.
func startCursor(ctx context.Context, timeout time.Duration, run func(ctx context.Context, sink *rowSink) error) *cursor {
	var cancel context.CancelFunc
	if timeout > 0 {
		ctx, cancel = context.WithTimeoutCause(ctx, timeout, errStatementTimeout)
	} else {
		ctx, cancel = context.WithCancel(ctx)
	}
	c := &cursor{cancel: cancel, events: make(chan cursorEvent, 64), done: make(chan struct{})}
	go func() {
		defer close(c.done)
		defer close(c.events)
		defer func() {
			if p := recover(); p != nil {
				c.err = fmt.Errorf("internal error: %v", p)
			}
		}()
		sink := &rowSink{ctx: ctx, events: c.events}
		err := run(ctx, sink)
		if ferr := sink.flush(); err == nil {
			err = ferr
		}
		c.err = err
	}()
	return c
}

// rowSink is what a running statement writes its result to.
type rowSink struct {
	ctx        context.Context
	events     chan<- cursorEvent
	begun      bool
	batch      [][]any
	batchBytes int
}

func (s *rowSink) begin(cols []resultColumn) error {
	if s.begun {
		return errors.New("the statement gave more than one result")
	}
	s.begun = true
	return s.send(cursorEvent{cols: cols})
}

func (s *rowSink) row(values []any) error {
	s.batch = append(s.batch, values)
	if s.batchBytes += rowBytes(values); len(s.batch) >= rowBatch || s.batchBytes >= rowBatchBytes {
		return s.flush()
	}
	return nil
}

// flush hands over the rows of the batch.
func (s *rowSink) flush() error {
	if len(s.batch) == 0 {
		return nil
	}
	batch := s.batch
	s.batch, s.batchBytes = nil, 0
	return s.send(cursorEvent{rows: batch})
}

func (s *rowSink) send(e cursorEvent) error {
	select {
	case s.events <- e:
		return nil
	case <-s.ctx.Done():
		return s.ctx.Err()
	}
}

// outputSink adapts a sink to the engine's output.Writer: JSON columns
// are typed json, the others by their values.
type outputSink struct{ *rowSink }

func (o outputSink) Begin(cols []output.Column) error {
	rc := make([]resultColumn, len(cols))
	for i, c := range cols {
		rc[i].name = c.Name
		if c.JSON {
			rc[i].oid = oidJSON
		}
	}
	return o.begin(rc)
}

func (o outputSink) Row(values []any) error { return o.row(slices.Clone(values)) }

func (o outputSink) End() error { return nil }

// close stops the statement if it still runs and waits for it.
func (c *cursor) close() {
	c.cancel()
	for range c.events {
	}
	<-c.done
}

// describe reads the result's start and the rows that type its columns.
// It returns the statement's error if it failed before its result began.
func (c *cursor) describe() error {
	if c.described {
		return nil
	}
	c.described = true
	e, ok := <-c.events
	if !ok {
		<-c.done
		c.finished = true
		return c.err
	}
	c.cols = e.cols
	for sampleBytes := 0; len(c.pending) < typeSample && sampleBytes < typeSampleBytes; {
		n := len(c.pending)
		if !c.receive() {
			break
		}
		for _, row := range c.pending[n:] {
			sampleBytes += rowBytes(row)
		}
	}
	c.types = make([]uint32, len(c.cols))
	for i, col := range c.cols {
		c.types[i] = col.oid
		if col.oid == 0 {
			c.types[i] = columnType(c.pending, i)
		}
	}
	return nil
}

// fields is the RowDescription of the result, with each column's format.
func (c *cursor) fields(formats []int16) []pgproto3.FieldDescription {
	fields := make([]pgproto3.FieldDescription, len(c.cols))
	for i, col := range c.cols {
		fields[i] = pgproto3.FieldDescription{Name: []byte(col.name), DataTypeOID: c.types[i],
			DataTypeSize: int16(typeLength(c.types[i])), TypeModifier: -1, Format: formatOf(formats, i)}
	}
	return fields
}

// formatOf is column i's format code: one code for all, or one each.
func formatOf(formats []int16, i int) int16 {
	switch {
	case len(formats) == 1:
		return formats[0]
	case i < len(formats):
		return formats[i]
	}
	return 0
}

// receive adds the next batch of rows to pending; false at the end.
func (c *cursor) receive() bool {
	if c.finished {
		return false
	}
	e, ok := <-c.events
	if !ok {
		<-c.done
		c.finished = true
		return false
	}
	c.pending = append(c.pending, e.rows...)
	return true
}

// next returns the next row, or nil at the end of the result.
func (c *cursor) next() ([]any, error) {
	for len(c.pending) == 0 {
		if !c.receive() {
			return nil, c.err
		}
	}
	row := c.pending[0]
	c.pending = c.pending[1:]
	return row, nil
}

// buffer reads the rest of the result into memory, so that the statement
// ends and the session is free for another (a suspended portal's rows
// stay readable).
func (c *cursor) buffer() {
	if err := c.describe(); err != nil || c.finished {
		return
	}
	held := 0
	for _, row := range c.pending {
		held += rowBytes(row)
	}
	for n := len(c.pending); c.receive(); n = len(c.pending) {
		for _, row := range c.pending[n:] {
			held += rowBytes(row)
		}
		if held > maxBuffered {
			c.cancel()
			for range c.events {
			}
			<-c.done
			c.pending, c.finished = nil, true
			c.err = fmt.Errorf("this portal's rows were set aside while another statement ran, and passed %d MiB: fetch a portal to its end, or close it, before running another statement", maxBuffered>>20)
			return
		}
	}
}

// maxBuffered bounds the rows a suspended portal sets aside.
const maxBuffered = 64 << 20

// rowBytes is about what a row's values hold.
func rowBytes(row []any) int {
	n := 0
	for _, v := range row {
		switch v := v.(type) {
		case string:
			n += len(v)
		case []byte:
			n += len(v)
		default:
			n += 8
		}
	}
	return n
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
		e.column, e.row, valueKind(e.value), typeName(e.declared), e.column)
}

// columnType is the type of column i over rows: int8, float8 (integers
// and reals mixed), bool or timestamptz when every value that is not NULL
// is one; text otherwise.
func columnType(rows [][]any, i int) uint32 {
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
		return oid != oidTimestamptz && oid != oidTimestamp && oid != oidBytea
	case float64:
		return oid == oidFloat8 || oid == oidFloat4 || oid == oidText || oid == oidJSON || oid == oidNumeric
	case bool:
		return oid == oidBool || oid == oidText || oid == oidJSON
	case time.Time:
		return oid == oidTimestamptz || oid == oidTimestamp || oid == oidText
	}
	switch oid {
	case oidInt8, oidInt4, oidInt2, oidOID, oidFloat8, oidFloat4, oidTimestamptz, oidTimestamp:
		return false
	}
	return true
}

// encodeRow encodes a row of the cursor's result in the formats asked for.
func (c *cursor) encodeRow(values []any, formats []int16, into [][]byte) ([][]byte, int, error) {
	into = into[:0]
	size := 0
	for i, v := range values {
		if !fits(c.types[i], v) {
			return nil, 0, &typeChangeError{column: c.cols[i].name, row: c.sent + 1, declared: c.types[i], value: v}
		}
		b := encodeValue(c.types[i], formatOf(formats, i), v)
		if c.types[i] == oidJSON && b != nil && !json.Valid(b) {
			b, _ = json.Marshal(string(b)) // text where JSON was promised: a JSON string
		}
		into = append(into, b)
		size += 4 + len(b)
	}
	c.sent++
	return into, size, nil
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
	case errors.Is(err, errStatementTimeout):
		e.Code = "57014"
	case errors.As(err, new(*invalidValueError)):
		e.Code = "22023"
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
