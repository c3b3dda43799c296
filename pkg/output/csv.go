package output

import (
	"bufio"
	"encoding/csv"
)

// csvWriter writes RFC 4180 CSV: a header, then one record per row. JSON
// columns appear as their text; NULL as an empty field.
type csvWriter struct {
	printer
	out    *csv.Writer
	cols   []Column
	record []string
	buf    []byte
}

func newCSVWriter(d *destination) *csvWriter {
	return &csvWriter{printer: printer{d}, out: csv.NewWriter(bufio.NewWriterSize(d, 64<<10))} // csv.Writer flushes this buffer, not a 4 KiB one of its own
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
		if s, ok := v.(string); ok {
			c.record[i] = s // text is its own plain form: no copy
			continue
		}
		c.buf = appendText(c.buf[:0], v)
		c.record[i] = string(c.buf)
	}
	return c.out.Write(c.record)
}

func (c *csvWriter) End() error {
	c.out.Flush()
	return c.out.Error()
}
