package store

import (
	"fmt"
	"strings"
	"testing"
)

func TestDecodeRow(t *testing.T) {
	tbl := &Table{Columns: testColumns, byName: map[string]int{}}
	for i, c := range testColumns {
		if !c.Param {
			tbl.byName[c.Name] = i
		}
	}
	jsonb := func(text string) string {
		b, err := appendJSONB(nil, []byte(text))
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%x", b)
	}
	show := func(args []any) string {
		var parts []string
		for _, c := range testColumns {
			if c.Param {
				continue
			}
			v := args[tbl.byName[c.Name]+1]
			typ := fmt.Sprintf("%T", v)
			if b, ok := v.([]byte); ok {
				v = fmt.Sprintf("%x", b)
			}
			parts = append(parts, fmt.Sprintf("%s=%v(%s)", c.Name, v, typ))
		}
		return strings.Join(parts, " ")
	}
	tests := []struct{ item, want string }{
		{` { "id" : "a\"b\u00e9" , "name":"n", "count": 3, "enabled": false, "properties": {"x": [1, 2.5]}, "other": {"deep": [1]} } `,
			`id=a"bé(string) name=n(string) count=3(int64) enabled=false(bool) properties=` + jsonb(`{"x":[1,2.5]}`) + `([]uint8)`},
		{`{"n\u0061me":"escaped key","count":1.5,"properties":"a string"}`,
			`id=<nil>(<nil>) name=escaped key(string) count=1.5(float64) enabled=<nil>(<nil>) properties=a string(string)`},
		{"{\"name\":\"tab\there\",\"properties\":{\"k\":\"raw\x01\"}}", // raw control characters: sent by APIs, read by SQLite
			"id=<nil>(<nil>) name=tab\there(string) count=<nil>(<nil>) enabled=<nil>(<nil>) properties=" + jsonb(`{"k":"raw\u0001"}`) + "([]uint8)"},
		{`{"id":{"an":"object"},"properties":null,"enabled":true}`,
			`id={"an":"object"}(string) name=<nil>(<nil>) count=<nil>(<nil>) enabled=true(bool) properties=<nil>(<nil>)`},
		{`{}`, `id=<nil>(<nil>) name=<nil>(<nil>) count=<nil>(<nil>) enabled=<nil>(<nil>) properties=<nil>(<nil>)`},
	}
	for _, tt := range tests {
		args := make([]any, len(testColumns)+1)
		arena := make([]byte, 0, 16) // small: values must also outgrow it safely
		if err := tbl.decodeRow([]byte(tt.item), args, &arena); err != nil {
			t.Fatalf("%s: %v", tt.item, err)
		}
		if got := show(args); got != tt.want {
			t.Errorf("%s\n got %s\nwant %s", tt.item, got, tt.want)
		}
	}
	for _, bad := range []string{`[]`, `{"id":}`, `{"id":"a" "name":"b"}`, `{"properties":{"x":}}`, `{"id":"a"} x`, `{id:1}`, `{"count":1e999}`} {
		args := make([]any, len(testColumns)+1)
		var arena []byte
		if err := tbl.decodeRow([]byte(bad), args, &arena); err == nil {
			t.Errorf("%s: want an error", bad)
		}
	}
}
