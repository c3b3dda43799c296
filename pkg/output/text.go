package output

import (
	"bufio"
	"unicode/utf8"
)

// textWriter writes tab-separated lines, header first (except for tsv, which
// has none, as `az ... -o tsv` prints), with no decoration, for cut, awk and
// the like. Tabs, newlines, carriage returns and
// backslashes inside values are escaped as \t \n \r \\ (PostgreSQL COPY text
// style) so that every row stays one line of fields; other control
// characters as \xNN, so that data cannot drive the terminal.
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

// appendEscaped appends cell with \ \t \n \r escaped, and every other
// control character (C0, DEL, C1) and byte that is not UTF-8 as \xNN, so
// that data cannot move the cursor, clear the screen or set the title of
// the terminal it is printed on (ESC sequences, OSC, 8-bit CSI).
func appendEscaped(b, cell []byte) []byte {
	const hex = "0123456789abcdef"
	for i := 0; i < len(cell); {
		c := cell[i]
		if c >= 0x20 && c < 0x7f && c != '\\' {
			b = append(b, c)
			i++
			continue
		}
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
			r, size := utf8.DecodeRune(cell[i:])
			switch {
			case r == utf8.RuneError && size == 1, r < 0x20, r == 0x7f:
				b = append(b, '\\', 'x', hex[c>>4], hex[c&0x0f])
			case r >= 0x80 && r <= 0x9f:
				b = append(b, '\\', 'x', hex[r>>4], hex[r&0x0f])
			default:
				b = append(b, cell[i:i+size]...)
			}
			i += size
			continue
		}
		i++
	}
	return b
}
