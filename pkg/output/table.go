package output

import (
	"bufio"
	"io"
	"strings"
	"unicode/utf8"
)

// tableWriter draws a box for people reading a terminal:
//
//	|------|-------|
//	| name | count |
//	|------|-------|
//	| a    |     1 |
//	|------|-------|
//
// Column widths need every row, so the result is buffered until End. Values
// are never cut; numbers are right-aligned; newlines and tabs inside values
// are shown escaped so each row stays one line. No "(N rows)" footer is
// printed: it would be one more line for scripts to strip, and scripts
// should use json, csv or text anyway; a caller that wants a count can print
// it to stderr.
type tableWriter struct {
	printer
	out   io.Writer
	cols  []Column
	rows  [][]cell
	width []int
	buf   []byte
}

type cell struct {
	text       string
	rightAlign bool
}

// Begin starts a result; one writer may print several in turn.
func (t *tableWriter) Begin(cols []Column) error {
	t.cols = cols
	t.rows = nil
	t.width = make([]int, len(cols))
	for i, c := range cols {
		t.width[i] = utf8.RuneCountInString(c.Name)
	}
	return nil
}

func (t *tableWriter) Row(values []any) error {
	if err := checkRow(t.cols, values); err != nil {
		return err
	}
	row := make([]cell, len(values))
	for i, v := range values {
		t.buf = appendText(t.buf[:0], v)
		text := string(appendEscaped(nil, t.buf))
		_, isInt := v.(int64)
		_, isFloat := v.(float64)
		row[i] = cell{text: text, rightAlign: isInt || isFloat}
		t.width[i] = max(t.width[i], utf8.RuneCountInString(text))
	}
	t.rows = append(t.rows, row)
	return nil
}

func (t *tableWriter) End() error {
	if len(t.cols) == 0 {
		return nil
	}
	w := bufio.NewWriter(t.out)
	border := t.border()
	w.WriteString(border)
	header := make([]cell, len(t.cols))
	for i, c := range t.cols {
		header[i] = cell{text: string(appendEscaped(nil, []byte(c.Name)))}
	}
	t.writeLine(w, header)
	w.WriteString(border)
	for _, row := range t.rows {
		t.writeLine(w, row)
	}
	if len(t.rows) > 0 {
		w.WriteString(border)
	}
	return w.Flush()
}

func (t *tableWriter) border() string {
	var b strings.Builder
	for _, w := range t.width {
		b.WriteByte('|')
		b.WriteString(strings.Repeat("-", w+2))
	}
	b.WriteString("|\n")
	return b.String()
}

// writeLine writes one row; bufio.Writer keeps the first error for Flush.
func (t *tableWriter) writeLine(w *bufio.Writer, cells []cell) {
	for i, c := range cells {
		pad := strings.Repeat(" ", t.width[i]-utf8.RuneCountInString(c.text))
		w.WriteString("| ")
		if c.rightAlign {
			w.WriteString(pad)
			w.WriteString(c.text)
		} else {
			w.WriteString(c.text)
			w.WriteString(pad)
		}
		w.WriteString(" ")
	}
	w.WriteString("|\n")
}
