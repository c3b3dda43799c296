package server

import (
	"bytes"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// Binary values are checked against pgx's own codecs, an independent
// implementation of PostgreSQL's formats.

func TestBinaryParametersAsPgxEncodesThem(t *testing.T) {
	m := pgtype.NewMap()
	when := time.Date(2026, 12, 2, 15, 4, 5, 123456000, time.UTC)
	for _, tt := range []struct {
		oid  uint32
		in   any
		want any
	}{
		{oidInt2, int16(-7), int64(-7)}, {oidInt4, int32(1 << 30), int64(1 << 30)}, {oidInt8, int64(-1 << 40), int64(-1 << 40)},
		{oidFloat4, float32(0.5), 0.5}, {oidFloat8, 2.25, 2.25}, {oidBool, true, true},
		{oidText, "it's", "it's"}, {oidJSON, `{"a":1}`, `{"a":1}`}, {oidJSONB, `{"a":1}`, `{"a":1}`},
		{oidBytea, []byte{0, 0xff}, []byte{0, 0xff}},
		{oidTimestamptz, when, "2026-12-02T15:04:05.123456Z"}, {oidTimestamp, when, "2026-12-02T15:04:05.123456Z"},
		{oidUUID, [16]byte{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 1, 2, 3, 4, 5, 6, 7, 8}, "12345678-9abc-def0-0102-030405060708"},
	} {
		raw, err := m.Encode(tt.oid, pgtype.BinaryFormatCode, tt.in, nil)
		if err != nil {
			t.Fatalf("pgx encoding %T for %s: %v", tt.in, typeName(tt.oid), err)
		}
		got, err := decodeParam(tt.oid, 1, raw)
		if b, ok := got.([]byte); ok && bytes.Equal(b, tt.want.([]byte)) {
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: got %#v, %v; want %#v", typeName(tt.oid), got, err, tt.want)
		}
	}
	if _, err := decodeParam(oidInt8, 1, []byte{1, 2}); err == nil {
		t.Error("a 2-byte int8 was accepted")
	}
	if _, err := decodeParam(oidNumeric, 1, []byte{0}); err == nil {
		t.Error("a binary numeric was accepted; it must be refused with what to do")
	}
	if v, err := decodeParam(oidInt8, 0, []byte(" 42")); err != nil || v != int64(42) {
		t.Errorf("text int8: %v %v", v, err)
	}
	if v, err := decodeParam(0, 0, []byte("42")); err != nil || v != "42" {
		t.Errorf("a parameter of unknown type stays text: %#v %v", v, err)
	}
}

func TestBinaryResultsAsPgxDecodesThem(t *testing.T) {
	m := pgtype.NewMap()
	when := time.Date(2026, 12, 2, 15, 4, 5, 123456000, time.UTC)
	check := func(oid uint32, v any, target any, same func() bool) {
		t.Helper()
		if err := m.Scan(oid, pgtype.BinaryFormatCode, encodeValue(oid, 1, v), target); err != nil || !same() {
			t.Errorf("%s %#v: %v", typeName(oid), v, err)
		}
	}
	var i8 int64
	check(oidInt8, int64(-5), &i8, func() bool { return i8 == -5 })
	var i4 int32
	check(oidInt4, int64(7), &i4, func() bool { return i4 == 7 })
	var oid uint32
	check(oidOID, int64(16384), &oid, func() bool { return oid == 16384 })
	var f8 float64
	check(oidFloat8, 1.5, &f8, func() bool { return f8 == 1.5 })
	var b bool
	check(oidBool, int64(1), &b, func() bool { return b }) // SQLite's booleans are integers
	var ts time.Time
	check(oidTimestamptz, when, &ts, func() bool { return ts.Equal(when) })
	var s string
	check(oidText, "é", &s, func() bool { return s == "é" })
	var blob []byte
	check(oidBytea, []byte{0, 1}, &blob, func() bool { return bytes.Equal(blob, []byte{0, 1}) })
	var doc map[string]any
	check(oidJSONB, `{"a":1}`, &doc, func() bool { return doc["a"] == 1.0 })
}
