package server

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// PostgreSQL type OIDs (pg_type.oid) of the values skyql reads and sends.
const (
	oidBool        = 16
	oidBytea       = 17
	oidChar        = 18
	oidName        = 19
	oidInt8        = 20
	oidInt2        = 21
	oidInt4        = 23
	oidRegproc     = 24
	oidText        = 25
	oidOID         = 26
	oidXID         = 28
	oidJSON        = 114
	oidFloat4      = 700
	oidFloat8      = 701
	oidUnknown     = 705
	oidInt2Array   = 1005
	oidTextArray   = 1009
	oidVarchar     = 1043
	oidDate        = 1082
	oidTimestamp   = 1114
	oidTimestamptz = 1184
	oidNumeric     = 1700
	oidUUID        = 2950
	oidJSONB       = 3802
)

// typeNames are the PostgreSQL names of the types result columns get.
var typeNames = map[uint32]string{oidBool: "boolean", oidInt8: "bigint", oidInt4: "integer", oidInt2: "smallint",
	oidText: "text", oidJSON: "json", oidJSONB: "jsonb", oidFloat8: "double precision", oidFloat4: "real",
	oidTimestamptz: "timestamp with time zone", oidTimestamp: "timestamp without time zone", oidBytea: "bytea",
	oidOID: "oid", oidName: "name", oidChar: `"char"`, oidVarchar: "character varying", oidDate: "date",
	oidNumeric: "numeric", oidUUID: "uuid", oidTextArray: "text[]", oidInt2Array: "smallint[]", oidXID: "xid",
	oidRegproc: "regproc"}

// pgEpoch is where PostgreSQL's binary timestamps count from.
var pgEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// decodeParam turns a Bind parameter into the Go value SQLite binds:
// text as it is unless the type says number or boolean, binary by type.
func decodeParam(oid uint32, format int16, b []byte) (any, error) {
	if b == nil {
		return nil, nil
	}
	if format == 0 {
		s := string(b)
		switch oid {
		case oidInt2, oidInt4, oidInt8, oidOID:
			return strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		case oidFloat4, oidFloat8:
			return strconv.ParseFloat(strings.TrimSpace(s), 64)
		case oidBool:
			if v, ok := truthyOrNil(s).(bool); ok {
				return v, nil
			}
			return nil, fmt.Errorf("invalid input syntax for type boolean: %q", s)
		case oidBytea:
			if h, ok := strings.CutPrefix(s, `\x`); ok {
				return hex.DecodeString(h)
			}
		}
		return s, nil
	}
	if format != 1 {
		return nil, fmt.Errorf("unknown format code %d (0 is text, 1 binary)", format)
	}
	fixed := func(n int) error {
		if len(b) != n {
			return fmt.Errorf("a binary %s parameter has %d bytes, not %d", typeNames[oid], len(b), n)
		}
		return nil
	}
	switch oid {
	case oidInt2:
		if err := fixed(2); err != nil {
			return nil, err
		}
		return int64(int16(binary.BigEndian.Uint16(b))), nil
	case oidInt4:
		if err := fixed(4); err != nil {
			return nil, err
		}
		return int64(int32(binary.BigEndian.Uint32(b))), nil
	case oidOID:
		if err := fixed(4); err != nil {
			return nil, err
		}
		return int64(binary.BigEndian.Uint32(b)), nil
	case oidInt8:
		if err := fixed(8); err != nil {
			return nil, err
		}
		return int64(binary.BigEndian.Uint64(b)), nil
	case oidFloat4:
		if err := fixed(4); err != nil {
			return nil, err
		}
		return float64(math.Float32frombits(binary.BigEndian.Uint32(b))), nil
	case oidFloat8:
		if err := fixed(8); err != nil {
			return nil, err
		}
		return math.Float64frombits(binary.BigEndian.Uint64(b)), nil
	case oidBool:
		if err := fixed(1); err != nil {
			return nil, err
		}
		return b[0] != 0, nil
	case oidText, oidVarchar, oidName, oidUnknown, oidJSON, oidChar, 0:
		return string(b), nil
	case oidJSONB:
		if len(b) == 0 || b[0] != 1 {
			return nil, fmt.Errorf("a binary jsonb parameter must start with version 1")
		}
		return string(b[1:]), nil
	case oidBytea:
		return append([]byte(nil), b...), nil
	case oidTimestamp, oidTimestamptz:
		if err := fixed(8); err != nil {
			return nil, err
		}
		return pgEpoch.Add(time.Duration(int64(binary.BigEndian.Uint64(b))) * time.Microsecond).Format(time.RFC3339Nano), nil
	case oidDate:
		if err := fixed(4); err != nil {
			return nil, err
		}
		return pgEpoch.AddDate(0, 0, int(int32(binary.BigEndian.Uint32(b)))).Format(time.DateOnly), nil
	case oidUUID:
		if err := fixed(16); err != nil {
			return nil, err
		}
		h := hex.EncodeToString(b)
		return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
	}
	return nil, fmt.Errorf("parameters of type %s cannot be sent in binary; send them as text", typeName(oid))
}

func typeName(oid uint32) string {
	if n, ok := typeNames[oid]; ok {
		return n
	}
	return "oid " + strconv.FormatUint(uint64(oid), 10)
}

// encodeValue appends a value of a column of type oid in the format
// asked for; nil is NULL.
func encodeValue(oid uint32, format int16, v any) []byte {
	if v == nil {
		return nil
	}
	if oid == oidBool {
		if b, ok := truthyOrNil(v).(bool); ok {
			v = b
		}
	}
	if format == 0 {
		return textValue(v)
	}
	switch oid {
	case oidBool:
		if b, ok := v.(bool); ok && b {
			return []byte{1}
		}
		return []byte{0}
	case oidInt8:
		return binary.BigEndian.AppendUint64(nil, uint64(asInt(v)))
	case oidInt4, oidOID, oidXID, oidRegproc:
		return binary.BigEndian.AppendUint32(nil, uint32(asInt(v)))
	case oidInt2:
		return binary.BigEndian.AppendUint16(nil, uint16(asInt(v)))
	case oidFloat8:
		return binary.BigEndian.AppendUint64(nil, math.Float64bits(asFloat(v)))
	case oidFloat4:
		return binary.BigEndian.AppendUint32(nil, math.Float32bits(float32(asFloat(v))))
	case oidTimestamptz, oidTimestamp:
		if t, ok := v.(time.Time); ok {
			return binary.BigEndian.AppendUint64(nil, uint64(t.Sub(pgEpoch).Microseconds()))
		}
	case oidBytea:
		if b, ok := v.([]byte); ok {
			return b
		}
	case oidJSONB:
		return append([]byte{1}, textValue(v)...)
	}
	return textValue(v) // text, json, name, char, varchar: binary is text
}

func asInt(v any) int64 {
	switch v := v.(type) {
	case int64:
		return v
	case float64:
		return int64(v)
	case bool:
		if v {
			return 1
		}
	case string:
		n, _ := strconv.ParseInt(v, 10, 64)
		return n
	}
	return 0
}

func asFloat(v any) float64 {
	switch v := v.(type) {
	case int64:
		return float64(v)
	case float64:
		return v
	case string:
		f, _ := strconv.ParseFloat(v, 64)
		return f
	}
	return 0
}

// textValue is a value in PostgreSQL's text format; nil is NULL.
func textValue(v any) []byte {
	switch v := v.(type) {
	case nil:
		return nil
	case int64:
		return strconv.AppendInt(nil, v, 10)
	case float64:
		switch {
		case math.IsInf(v, 1):
			return []byte("Infinity")
		case math.IsInf(v, -1):
			return []byte("-Infinity")
		case math.IsNaN(v):
			return []byte("NaN")
		}
		return strconv.AppendFloat(nil, v, 'g', -1, 64)
	case bool:
		if v {
			return []byte("t")
		}
		return []byte("f")
	case string:
		return []byte(v)
	case []byte:
		if utf8.Valid(v) {
			return v
		}
		// bytea's hex form: text must be valid UTF-8.
		return hex.AppendEncode([]byte(`\x`), v)
	case time.Time:
		return v.AppendFormat(nil, "2006-01-02 15:04:05.999999999-07:00")
	}
	return fmt.Append(nil, v)
}
