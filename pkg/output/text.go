package output

import (
	"bufio"
)

// textWriter writes tab-separated lines, header first (except for tsv, which
// has none, as `az ... -o tsv` prints), with no decoration, for cut, awk and
// the like. Tabs, newlines, carriage returns and
// backslashes inside values are escaped as \t \n \r \\ (PostgreSQL COPY text
// style) so that every row stays one line of fields.
type textWriter struct {
	printer
	out  *bufio.Writer
	cols []Column
	buf  []byte
	cell []byte
	// header says whether Begin prints the column names.
	header bool
}

func newTextWriter(d *destination, header bool) *textWriter {
	return &textWriter{printer: printer{d}, out: bufio.NewWriterSize(d, 64<<10), header: header}
}

func (t *textWriter) Begin(cols []Column) error {
	t.cols = cols
	if !t.header {
		return nil
	}
	b := t.buf[:0]
	for i, col := range cols {
		if i > 0 {
			b = append(b, '\t')
		}
		b = appendEscaped(b, []byte(col.Name))
	}
	b = append(b, '\n')
	t.buf = b
	_, err := t.out.Write(b)
	return err
}

func (t *textWriter) Row(values []any) error {
	if err := checkRow(t.cols, values); err != nil {
		return err
	}
	b := t.buf[:0]
	for i, v := range values {
		if i > 0 {
			b = append(b, '\t')
		}
		t.cell = appendText(t.cell[:0], v)
		b = appendEscaped(b, t.cell)
	}
	b = append(b, '\n')
	t.buf = b
	_, err := t.out.Write(b)
	return err
}

func (t *textWriter) End() error {
	return t.out.Flush()
}

// appendEscaped appends cell with \ \t \n \r escaped.
func appendEscaped(b, cell []byte) []byte {
	for _, c := range cell {
		switch c {
		case '\\':
			b = append(b, '\\', '\\')
		case '\t':
			b = append(b, '\\', 't')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		default:
			b = append(b, c)
		}
	}
	return b
}
