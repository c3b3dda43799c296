package store

import (
	"fmt"
	"strconv"

	"github.com/buger/jsonparser"
)

// decodeRow reads one item, a JSON object, into args: each top-level
// property known to t goes to its column (args[i+1] for t.Columns[i]).
// It is one pass over the item: a JSON column's value is encoded as JSONB
// while its end is found, so nested values are scanned once. JSONB values
// are appended to *arena and sliced from it, so that a page's values share
// a few allocations.
func (t *Table) decodeRow(item []byte, args []any, arena *[]byte) error {
	r := jsonbEncoder{src: item, arena: arena}
	r.skipSpace()
	if !r.consume('{') {
		return r.errorf("a row must be a JSON object")
	}
	r.skipSpace()
	if r.consume('}') {
		return r.end()
	}
	for {
		r.skipSpace()
		if r.pos >= len(r.src) || r.src[r.pos] != '"' {
			return r.errorf("an object key must be a string")
		}
		start, end, escaped, _, err := r.scanString()
		if err != nil {
			return err
		}
		rawKey := item[start:end]
		i, known := t.byName[string(rawKey)]
		if escaped {
			key, err := jsonparser.ParseString(rawKey)
			if err != nil {
				return fmt.Errorf("key %q: %w", rawKey, err)
			}
			i, known = t.byName[key]
		}
		r.skipSpace()
		if !r.consume(':') {
			return r.errorf("missing : after key %q", rawKey)
		}
		r.skipSpace()
		kind := KindText
		if known {
			kind = t.Columns[i].Kind
		}
		v, err := r.sqlValue(kind)
		if err != nil {
			return fmt.Errorf("property %s: %w", rawKey, err)
		}
		if known {
			args[i+1] = v
		}
		r.skipSpace()
		switch {
		case r.consume(','):
		case r.consume('}'):
			return r.end()
		default:
			return r.errorf("expected , or } after property %s", rawKey)
		}
	}
}

func (e *jsonbEncoder) consume(c byte) bool {
	if e.pos < len(e.src) && e.src[e.pos] == c {
		e.pos++
		return true
	}
	return false
}

func (e *jsonbEncoder) end() error {
	e.skipSpace()
	if e.pos != len(e.src) {
		return e.errorf("unexpected %q after the row", e.src[e.pos])
	}
	return nil
}

// sqlValue reads the value at pos and returns what SQLite stores for it in
// a column of the given kind: objects and arrays as JSONB in a JSON column
// and as JSON text in any other, strings, numbers and booleans as such (a
// string where the document promised an object stays that string, as it
// was before JSON columns held JSONB).
func (e *jsonbEncoder) sqlValue(kind Kind) (any, error) {
	if e.pos >= len(e.src) {
		return nil, e.errorf("unexpected end")
	}
	start := e.pos
	c := e.src[start]
	if c == 'n' { // null, whatever the kind
		if err := e.value(0); err != nil {
			return nil, err
		}
		return nil, nil
	}
	if kind == KindJSON && (c == '{' || c == '[') {
		a := *e.arena
		e.out = a[len(a):]
		if err := e.value(0); err != nil {
			return nil, err
		}
		v := e.out[:len(e.out):len(e.out)]
		if len(v) <= cap(a)-len(a) { // append stayed within the arena
			*e.arena = a[:len(a)+len(v)]
		}
		return v, nil
	}
	if c == '"' {
		start, end, escaped, _, err := e.scanString()
		if err != nil {
			return nil, err
		}
		if escaped {
			return jsonparser.ParseString(e.src[start:end])
		}
		return string(e.src[start:end]), nil
	}
	e.out = e.scratch[:0] // the encoding is not wanted: the scan checks and finds the end
	if err := e.value(0); err != nil {
		return nil, err
	}
	e.scratch = e.out
	raw := e.src[start:e.pos]
	switch {
	case c == 't' || c == 'f':
		return c == 't', nil
	case c == '{' || c == '[':
		return string(raw), nil
	}
	if i, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
		return i, nil
	}
	return strconv.ParseFloat(string(raw), 64)
}
