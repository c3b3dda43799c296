package store

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"

	"github.com/buger/jsonparser"
)

// The writer hands SQLite a whole page in one statement: the fetch
// goroutine encodes the page's items as one JSONB array (encodeRows), and
// insertSQL's INSERT ... SELECT walks it with jsonb_each, taking each
// column from its row with ->> or jsonb_extract. One statement per page
// instead of one per row saves the writer database/sql's per-row work and
// a cgo call per argument: writing 20,000 rows took 4.9-6.5 µs of CPU a row
// one statement per row, and takes 3.6-4.4 µs per page (BenchmarkWritePages).
// Inside SQLite a JSON column's value is
// a copy of its bytes in the page's JSONB, which is what jsonb() makes of
// its text (appendJSONB), so the stored rows are as before.
//
// An element is the item itself, or, for a table some of whose parameter
// columns are filled from each row's id (Column.IDSegment), an array of
// the item followed by those values, which Go takes from the id: SQLite has
// no cheap way to pick a path segment.

// encodeRows appends the JSONB array of a page's rows to dst. derived
// lists the table's IDSegment columns in order, -1 for each the call gives
// a value: a tuple carries one element per IDSegment column after its
// item, the value from the id or null.
func (t *Table) encodeRows(dst []byte, items [][]byte, derived []int) ([]byte, error) {
	e := jsonbEncoder{out: dst}
	page := e.openContainer()
	for n, item := range items {
		e.src, e.pos = item, 0
		e.skipSpace()
		if e.pos >= len(item) || item[e.pos] != '{' {
			return dst, fmt.Errorf("row %d: a row must be a JSON object", n+1)
		}
		tuple := -1
		if t.idTuples {
			tuple = e.openContainer()
		}
		start := len(e.out)
		if err := e.value(0); err != nil {
			return dst, fmt.Errorf("row %d: %w", n+1, err)
		}
		e.skipSpace()
		if e.pos != len(item) {
			return dst, fmt.Errorf("row %d: %w", n+1, e.errorf("unexpected %q after the row", item[e.pos]))
		}
		if tuple < 0 {
			continue
		}
		// The id's bytes are read where the row was just encoded: e.out may
		// move as the values are appended, but the old array keeps them.
		id, hasID := jsonbObjectText(e.out[start:], "id")
		for _, i := range derived {
			if i < 0 || !hasID {
				e.out = append(e.out, jsonbNull)
				continue
			}
			c := t.Columns[i]
			label, ok := idSegment(id, c.IDSegment-1)
			v, _ := idSegment(id, c.IDSegment)
			if !ok || !strings.EqualFold(string(label), c.IDLabel) || len(v) == 0 {
				e.out = append(e.out, jsonbNull)
				continue
			}
			e.appendElement(jsonbTextRaw, v) // raw: SQLite escapes what JSON would need to
		}
		if err := e.closeContainer(tuple, jsonbArray); err != nil {
			return dst, err
		}
	}
	if err := e.closeContainer(page, jsonbArray); err != nil {
		return dst, err
	}
	return e.out, nil
}

// openContainer starts an array or object whose size is not known yet,
// with a header of the 4-byte size class, and returns where it starts.
// The header is not the minimal one, which SQLite reads as well: these
// containers only carry a page to the writer and are never stored, and
// a fixed header spares moving the payload once its size is known.
func (e *jsonbEncoder) openContainer() int {
	head := len(e.out)
	e.out = append(e.out, 0, 0, 0, 0, 0)
	return head
}

// closeContainer writes the header of a container openContainer started.
func (e *jsonbEncoder) closeContainer(head int, typ byte) error {
	size := len(e.out) - head - 5
	if size > math.MaxUint32 {
		return fmt.Errorf("a page of %d bytes of rows is more than the 4 GiB one statement takes", size)
	}
	e.out[head] = typ | 14<<4
	binary.BigEndian.PutUint32(e.out[head+1:], uint32(size))
	return nil
}

// jsonbObjectText returns the text of key's value in a JSONB object, if the
// object has that key and its value is a string. The text is a slice of obj
// unless the string has escapes: a page's ids are read once per row, and
// copying each into a string was 7-17% of the rows' encoding in two
// profiles of BenchmarkIngestPages.
func jsonbObjectText(obj []byte, key string) ([]byte, bool) {
	typ, payload, _, ok := jsonbElement(obj)
	if !ok || typ != jsonbObject {
		return nil, false
	}
	for len(payload) > 0 {
		ktyp, k, rest, ok := jsonbElement(payload)
		if !ok {
			return nil, false
		}
		vtyp, v, rest, ok := jsonbElement(rest)
		if !ok {
			return nil, false
		}
		payload = rest
		if !jsonbTextEquals(ktyp, k, key) {
			continue
		}
		switch vtyp {
		case jsonbText:
			return v, true
		case jsonbTextJ:
			s, err := jsonparser.Unescape(v, nil)
			return s, err == nil
		}
		return nil, false
	}
	return nil, false
}

// jsonbTextEquals reports whether a JSONB key element of type typ and
// payload p is the text s.
func jsonbTextEquals(typ byte, p []byte, s string) bool {
	switch typ {
	case jsonbText:
		return string(p) == s
	case jsonbTextJ:
		k, err := jsonparser.ParseString(p)
		return err == nil && k == s
	}
	return false
}

// jsonbElement splits the JSONB element at the start of b into its type
// and payload, and returns what follows it.
func jsonbElement(b []byte) (typ byte, payload, rest []byte, ok bool) {
	if len(b) == 0 {
		return 0, nil, nil, false
	}
	typ = b[0] & 0x0f
	size, hdr := uint64(b[0]>>4), 1
	switch size {
	case 12:
		hdr = 2
	case 13:
		hdr = 3
	case 14:
		hdr = 5
	case 15:
		hdr = 9
	}
	if len(b) < hdr {
		return 0, nil, nil, false
	}
	switch hdr {
	case 2:
		size = uint64(b[1])
	case 3:
		size = uint64(binary.BigEndian.Uint16(b[1:]))
	case 5:
		size = uint64(binary.BigEndian.Uint32(b[1:]))
	case 9:
		size = binary.BigEndian.Uint64(b[1:])
	}
	if size > uint64(len(b)-hdr) {
		return 0, nil, nil, false
	}
	end := hdr + int(size)
	return typ, b[hdr:end], b[end:], true
}
