package output

import (
	"bufio"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// expandedWriter prints each row as a record of "column | value" lines,
// psql's expanded display (\x), for rows too wide for a table:
//
//	-[ RECORD 1 ]--------
//	name  | vault-prod-01
//	state | ok
//
// Values are shown as the table shows them (escaped, never cut).
type expandedWriter struct {
	out   *bufio.Writer
	cols  []Column
	names []string // escaped and padded to the widest
	rows  int
	buf   []byte
	cells []string
}

// NewExpanded returns a Writer printing psql's expanded display to w.
func NewExpanded(w io.Writer) Writer {
	return &expandedWriter{out: bufio.NewWriterSize(w, 64<<10)}
}

func (e *expandedWriter) Begin(cols []Column) error {
	e.cols, e.rows = cols, 0
	e.names = make([]string, len(cols))
	width := 0
	for i, c := range cols {
		e.names[i] = string(appendEscaped(nil, []byte(c.Name)))
		width = max(width, utf8.RuneCountInString(e.names[i]))
	}
	for i, n := range e.names {
		e.names[i] = n + strings.Repeat(" ", width-utf8.RuneCountInString(n))
	}
	e.cells = make([]string, len(cols))
	return nil
}

func (e *expandedWriter) Row(values []any) error {
	if err := checkRow(e.cols, values); err != nil {
		return err
	}
	e.rows++
	width := 0
	for i, v := range values {
		e.buf = appendText(e.buf[:0], v)
		e.cells[i] = string(appendEscaped(nil, e.buf))
		width = max(width, utf8.RuneCountInString(e.names[i])+3+utf8.RuneCountInString(e.cells[i]))
	}
	header := "-[ RECORD " + strconv.Itoa(e.rows) + " ]"
	e.out.WriteString(header)
	e.out.WriteString(strings.Repeat("-", max(0, width-utf8.RuneCountInString(header))))
	e.out.WriteByte('\n')
	for i, cell := range e.cells {
		e.out.WriteString(e.names[i])
		e.out.WriteString(" | ")
		e.out.WriteString(cell)
		e.out.WriteByte('\n')
	}
	return nil
}

func (e *expandedWriter) End() error {
	return e.out.Flush()
}
