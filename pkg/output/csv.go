package output

import (
	"encoding/csv"
	"io"
)

// csvWriter writes RFC 4180 CSV: a header, then one record per row. JSON
// columns appear as their text; NULL as an empty field.
type csvWriter struct {
	out    *csv.Writer
	cols   []Column
	record []string
	buf    []byte
}

func newCSVWriter(w io.Writer) *csvWriter {
	return &csvWriter{out: csv.NewWriter(w)} // csv.Writer buffers by itself
}

func (c *csvWriter) Begin(cols []Column) error {
	c.cols = cols
	c.record = make([]string, len(cols))
	for i, col := range cols {
		c.record[i] = col.Name
	}
	return c.out.Write(c.record)
}

func (c *csvWriter) Row(values []any) error {
	if err := checkRow(c.cols, values); err != nil {
		return err
	}
	for i, v := range values {
		c.buf = appendText(c.buf[:0], v)
		c.record[i] = string(c.buf)
	}
	return c.out.Write(c.record)
}

func (c *csvWriter) End() error {
	c.out.Flush()
	return c.out.Error()
}
