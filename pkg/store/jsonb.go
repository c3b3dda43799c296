package store

import (
	"encoding/binary"
	"fmt"
)

// appendJSONB appends the SQLite JSONB encoding (https://sqlite.org/jsonb.html)
// of one JSON text value to dst. skyql encodes rows here, in the fetch
// goroutines (encodeRows), rather than with SQLite's jsonb() in the single
// writer: with jsonb() in the INSERT, BenchmarkIngestPages fell from about
// 79,000 to 55,000 rows/s, and the writer is what a large fetch waits on.
//
// The encoding is the one jsonb() produces: minimal headers, strings with
// escapes as TEXTJ and without as TEXT, integers as INT and other numbers
// as FLOAT, each keeping its source text. Input that is not exactly one
// JSON value (RFC 8259; raw control characters in strings are let through,
// escaped) is an error.
func appendJSONB(dst, src []byte) ([]byte, error) {
	e := jsonbEncoder{src: src, out: dst}
	e.skipSpace()
	if err := e.value(0); err != nil {
		return dst, err
	}
	e.skipSpace()
	if e.pos != len(src) {
		return dst, e.errorf("unexpected %q after the value", src[e.pos])
	}
	return e.out, nil
}

// JSONB element types.
const (
	jsonbNull    = 0
	jsonbTrue    = 1
	jsonbFalse   = 2
	jsonbInt     = 3
	jsonbFloat   = 5
	jsonbText    = 7
	jsonbTextJ   = 8
	jsonbTextRaw = 10
	jsonbArray   = 11
	jsonbObject  = 12
)

// maxJSONBDepth bounds nesting as SQLite does (JSON_MAX_DEPTH).
const maxJSONBDepth = 1000

type jsonbEncoder struct {
	src []byte
	pos int
	out []byte
}

func (e *jsonbEncoder) errorf(format string, args ...any) error {
	return fmt.Errorf("malformed JSON at byte %d: %s", e.pos, fmt.Sprintf(format, args...))
}

func (e *jsonbEncoder) skipSpace() {
	for e.pos < len(e.src) {
		switch e.src[e.pos] {
		case ' ', '\t', '\n', '\r':
			e.pos++
		default:
			return
		}
	}
}

func (e *jsonbEncoder) value(depth int) error {
	if e.pos >= len(e.src) {
		return e.errorf("unexpected end")
	}
	switch c := e.src[e.pos]; {
	case c == '{':
		return e.container(depth, jsonbObject, '}')
	case c == '[':
		return e.container(depth, jsonbArray, ']')
	case c == '"':
		return e.str()
	case c == '-' || c >= '0' && c <= '9':
		return e.number()
	}
	for _, lit := range []struct {
		text string
		typ  byte
	}{{"true", jsonbTrue}, {"false", jsonbFalse}, {"null", jsonbNull}} {
		if len(e.src)-e.pos >= len(lit.text) && string(e.src[e.pos:e.pos+len(lit.text)]) == lit.text {
			e.pos += len(lit.text)
			e.out = append(e.out, lit.typ)
			return nil
		}
	}
	return e.errorf("unexpected %q", e.src[e.pos])
}

// containerHeader is the room a container's header is given before its
// payload, whose size is known only at its end: three bytes, the minimal
// header of a payload of 256 bytes to 64 KiB. The payload is moved when its
// minimal header is another size (jsonb() writes minimal headers), which
// happens only for small containers, or above 64 KiB: with one byte of
// room, each object of a row was moved once per level it is nested in.
const containerHeader = 3

// container encodes an object or array.
func (e *jsonbEncoder) container(depth int, typ byte, closing byte) error {
	if depth >= maxJSONBDepth {
		return e.errorf("nested more than %d deep", maxJSONBDepth)
	}
	e.pos++ // { or [
	head := len(e.out)
	e.skipSpace()
	if e.pos < len(e.src) && e.src[e.pos] == closing {
		e.pos++
		e.out = append(e.out, typ)
		return nil
	}
	e.out = append(e.out, 0, 0, 0) // containerHeader
	for n := 0; ; n++ {
		e.skipSpace()
		if typ == jsonbObject {
			if e.pos >= len(e.src) || e.src[e.pos] != '"' {
				return e.errorf("an object key must be a string")
			}
			if err := e.str(); err != nil {
				return err
			}
			e.skipSpace()
			if e.pos >= len(e.src) || e.src[e.pos] != ':' {
				return e.errorf("missing : after an object key")
			}
			e.pos++
			e.skipSpace()
		}
		if err := e.value(depth + 1); err != nil {
			return err
		}
		e.skipSpace()
		if e.pos >= len(e.src) {
			return e.errorf("unexpected end inside a %s", containerName(typ))
		}
		c := e.src[e.pos]
		e.pos++
		if c == closing {
			break
		}
		if c != ',' {
			e.pos--
			return e.errorf("unexpected %q inside a %s", c, containerName(typ))
		}
	}
	e.setHeader(head, typ, len(e.out)-head-containerHeader)
	return nil
}

func containerName(typ byte) string {
	if typ == jsonbObject {
		return "object"
	}
	return "array"
}

// setHeader writes the minimal header of the container at out[head],
// whose size bytes of payload follow containerHeader bytes of room.
func (e *jsonbEncoder) setHeader(head int, typ byte, size int) {
	var hdr [9]byte
	n := jsonbHeader(hdr[:], typ, size)
	payload := head + containerHeader
	switch {
	case n < containerHeader:
		copy(e.out[head+n:], e.out[payload:])
		e.out = e.out[:head+n+size]
	case n > containerHeader:
		e.out = append(e.out, hdr[containerHeader:n]...) // grow by n-containerHeader bytes
		copy(e.out[head+n:], e.out[payload:payload+size])
	}
	copy(e.out[head:], hdr[:n])
}

// jsonbHeader writes the smallest header for an element of type typ with a
// payload of size bytes and returns its length.
func jsonbHeader(hdr []byte, typ byte, size int) int {
	switch {
	case size <= 11:
		hdr[0] = typ | byte(size)<<4
		return 1
	case size <= 0xff:
		hdr[0], hdr[1] = typ|12<<4, byte(size)
		return 2
	case size <= 0xffff:
		hdr[0] = typ | 13<<4
		binary.BigEndian.PutUint16(hdr[1:], uint16(size))
		return 3
	case size <= 0xffffffff:
		hdr[0] = typ | 14<<4
		binary.BigEndian.PutUint32(hdr[1:], uint32(size))
		return 5
	}
	hdr[0] = typ | 15<<4
	binary.BigEndian.PutUint64(hdr[1:], uint64(size))
	return 9
}

func (e *jsonbEncoder) appendElement(typ byte, payload []byte) {
	var hdr [9]byte
	n := jsonbHeader(hdr[:], typ, len(payload))
	e.out = append(e.out, hdr[:n]...)
	e.out = append(e.out, payload...)
}

// stringStops are the bytes a string scan stops at: its end, an escape,
// and the control characters JSON forbids raw.
var stringStops = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// str encodes a string, escapes kept as written (TEXTJ) when it has any.
// Raw control characters, which RFC 8259 forbids but APIs do send (and
// SQLite and most parsers read), are written as escapes.
func (e *jsonbEncoder) str() error {
	start, end, escaped, control, err := e.scanString()
	if err != nil {
		return err
	}
	payload := e.src[start:end]
	if control {
		payload, escaped = escapeControls(payload), true
	}
	typ := byte(jsonbText)
	if escaped {
		typ = jsonbTextJ
	}
	e.appendElement(typ, payload)
	return nil
}

// escapeControls writes s's raw control characters as JSON escapes.
func escapeControls(s []byte) []byte {
	const hex = "0123456789abcdef"
	out := make([]byte, 0, len(s)+16)
	for _, c := range s {
		switch {
		case c >= 0x20:
			out = append(out, c)
		case c == '\b':
			out = append(out, `\b`...)
		case c == '\f':
			out = append(out, `\f`...)
		case c == '\n':
			out = append(out, `\n`...)
		case c == '\r':
			out = append(out, `\r`...)
		case c == '\t':
			out = append(out, `\t`...)
		default:
			out = append(out, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
	}
	return out
}

// scanString moves past the string at pos and returns the span between its
// quotes, whether it holds escapes, and whether it holds raw control
// characters.
func (e *jsonbEncoder) scanString() (start, end int, escaped, control bool, err error) {
	start = e.pos + 1
	i := start
	src := e.src // a local: the loop below is the encoder's hottest
	for {
		// Eight bytes at a time while none of them is a stop byte.
		for i+8 <= len(src) {
			w := binary.LittleEndian.Uint64(src[i:])
			if hasByteBelow(w, 0x20)|hasZeroByte(w^(ones*'"'))|hasZeroByte(w^(ones*'\\')) != 0 {
				break
			}
			i += 8
		}
		for i < len(src) && !stringStops[src[i]] {
			i++
		}
		if i >= len(e.src) {
			e.pos = i
			return 0, 0, false, false, e.errorf("unterminated string")
		}
		switch c := e.src[i]; {
		case c == '"':
			e.pos = i + 1
			return start, i, escaped, control, nil
		case c == '\\':
			escaped = true
			if i+1 >= len(e.src) {
				e.pos = i
				return 0, 0, false, false, e.errorf("unterminated string")
			}
			switch e.src[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(e.src) || !isHex4(e.src[i+2:i+6]) {
					e.pos = i
					return 0, 0, false, false, e.errorf(`\u needs four hex digits`)
				}
				i += 6
			default:
				e.pos = i
				return 0, 0, false, false, e.errorf("unknown escape \\%c", e.src[i+1])
			}
		default: // a raw control character
			control = true
			i++
		}
	}
}

const ones = 0x0101010101010101

// hasZeroByte is nonzero when a byte of w is zero.
func hasZeroByte(w uint64) uint64 { return (w - ones) &^ w & (ones * 0x80) }

// hasByteBelow is nonzero when a byte of w is below n (n <= 0x80).
func hasByteBelow(w uint64, n byte) uint64 { return (w - ones*uint64(n)) &^ w & (ones * 0x80) }

func isHex4(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// number encodes an RFC 8259 number as INT or FLOAT, keeping its text.
func (e *jsonbEncoder) number() error {
	start, i := e.pos, e.pos
	digits := func() int {
		n := 0
		for i < len(e.src) && e.src[i] >= '0' && e.src[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if e.src[i] == '-' {
		i++
	}
	if i < len(e.src) && e.src[i] == '0' {
		i++
	} else if digits() == 0 {
		e.pos = i
		return e.errorf("a number needs digits")
	}
	typ := byte(jsonbInt)
	if i < len(e.src) && e.src[i] == '.' {
		typ = jsonbFloat
		i++
		if digits() == 0 {
			e.pos = i
			return e.errorf("a number needs digits after its decimal point")
		}
	}
	if i < len(e.src) && (e.src[i] == 'e' || e.src[i] == 'E') {
		typ = jsonbFloat
		i++
		if i < len(e.src) && (e.src[i] == '+' || e.src[i] == '-') {
			i++
		}
		if digits() == 0 {
			e.pos = i
			return e.errorf("a number needs digits in its exponent")
		}
	}
	e.appendElement(typ, e.src[start:i])
	e.pos = i
	return nil
}
