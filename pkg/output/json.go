package output

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math"
	"strconv"
	"unicode/utf8"
)

// jsonWriter streams rows as JSON objects: one array with one object per
// line (json), or one object per line (jsonl). Memory use is one row, plus
// the buffered writer, whatever the result size.
type jsonWriter struct {
	printer
	out   *bufio.Writer
	lines bool

	cols  []Column
	keys  [][]byte // each column's key, JSON-encoded with its colon
	rows  int
	buf   []byte
	embed bytes.Buffer
}

func newJSONWriter(d *destination, lines bool) *jsonWriter {
	return &jsonWriter{printer: printer{d}, out: bufio.NewWriterSize(d, 64<<10), lines: lines}
}

// Begin starts a result; one writer may print several in turn.
func (j *jsonWriter) Begin(cols []Column) error {
	j.cols = cols
	j.rows = 0
	j.keys = make([][]byte, len(cols))
	for i, name := range uniqueNames(cols) {
		j.keys[i] = append(appendJSONString(nil, name), ':')
	}
	if !j.lines {
		_, err := j.out.WriteString("[")
		return err
	}
	return nil
}

func (j *jsonWriter) Row(values []any) error {
	if err := checkRow(j.cols, values); err != nil {
		return err
	}
	b := j.buf[:0]
	if !j.lines {
		if j.rows > 0 {
			b = append(b, ',')
		}
		b = append(b, '\n')
	}
	b = append(b, '{')
	for i, v := range values {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, j.keys[i]...)
		b = j.appendValue(b, j.cols[i], v)
	}
	b = append(b, '}')
	if j.lines {
		b = append(b, '\n')
	}
	j.buf = b
	j.rows++
	_, err := j.out.Write(b)
	return err
}

func (j *jsonWriter) End() error {
	if !j.lines {
		closing := "\n]\n"
		if j.rows == 0 {
			closing = "]\n"
		}
		if _, err := j.out.WriteString(closing); err != nil {
			return err
		}
	}
	return j.out.Flush()
}

func (j *jsonWriter) appendValue(b []byte, col Column, v any) []byte {
	if col.JSON {
		text := jsonText(v)
		if text != nil {
			// Compact also validates; invalid JSON text falls back to a string.
			// Compacting keeps jsonl one object per line.
			j.embed.Reset()
			if json.Compact(&j.embed, text) == nil {
				return append(b, j.embed.Bytes()...)
			}
		}
	}
	switch v := v.(type) {
	case nil:
		return append(b, "null"...)
	case int64:
		return strconv.AppendInt(b, v, 10)
	case float64:
		if math.IsInf(v, 0) || math.IsNaN(v) {
			// JSON has no infinities; keep the value readable as a string.
			return appendJSONString(b, string(appendFloat(nil, v)))
		}
		return appendFloat(b, v)
	case bool:
		return strconv.AppendBool(b, v)
	case string:
		return appendJSONString(b, v)
	case []byte:
		if utf8.Valid(v) {
			return appendJSONString(b, string(v))
		}
		// Binary blobs travel as base64, as encoding/json encodes []byte.
		return appendJSONString(b, base64.StdEncoding.EncodeToString(v))
	}
	return appendJSONString(b, string(appendText(nil, v)))
}

// appendJSONString appends s as a JSON string. Unlike encoding/json it does
// not escape <, > and &, which only matter inside HTML.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// uniqueNames returns the column names with repeats made distinct by a
// suffix: id, id -> id, id_2. A suffix never takes a name another column
// already has.
func uniqueNames(cols []Column) []string {
	taken := make(map[string]bool, len(cols))
	for _, c := range cols {
		taken[c.Name] = true
	}
	emitted := make(map[string]bool, len(cols))
	names := make([]string, len(cols))
	for i, c := range cols {
		name := c.Name
		if emitted[name] {
			for n := 2; ; n++ {
				candidate := name + "_" + strconv.Itoa(n)
				if !taken[candidate] {
					name = candidate
					break
				}
			}
			taken[name] = true
		}
		emitted[name] = true
		names[i] = name
	}
	return names
}
