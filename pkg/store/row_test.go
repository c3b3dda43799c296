package store

import (
	"strings"
	"testing"
	"time"
)

// A page's rows reach SQLite as the JSONB array jsonb() makes of the
// items' text, and items that are not JSON objects are refused with the
// row's number.
func TestEncodeRowsIsJSONBOfThePage(t *testing.T) {
	s := openTemp(t, time.Minute)
	tbl := newTable("acme.storage.items", "items", testColumns)
	items := []string{
		` { "id" : "a\"b\u00e9" , "count": 3, "enabled": false, "properties": {"x": [1, 2.5e3, -0.5]}, "other": null } `,
		"{\"name\":\"tab\there\",\"properties\":{\"k\":\"raw\x01\"}}",
		`{}`,
	}
	page := make([][]byte, len(items))
	for i, item := range items {
		page[i] = []byte(item)
	}
	rows, err := tbl.encodeRows(nil, page, nil)
	if err != nil {
		t.Fatal(err)
	}
	var same bool
	var got string
	text := "[" + strings.Join(items, ",") + "]"
	if err := s.db.QueryRow(`SELECT json(?1) = json(?2), json(?1)`, rows, text).Scan(&same, &got); err != nil || !same {
		t.Errorf("the page's JSONB reads as %s (%v), want the JSON of %s", got, err, text)
	}

	for _, bad := range []string{`[]`, `"a"`, `{"id":}`, `{"id":"a" "name":"b"}`, `{"properties":{"x":}}`, `{"id":"a"} x`, `{id:1}`, ``} {
		_, err := tbl.encodeRows(nil, [][]byte{[]byte(`{}`), []byte(bad)}, nil)
		if err == nil || !strings.HasPrefix(err.Error(), "row 2: ") {
			t.Errorf("%s: got %v, want an error about row 2", bad, err)
		}
	}
}

func TestJSONBObjectText(t *testing.T) {
	for _, tt := range []struct {
		object, key, want string
		ok                bool
	}{
		{`{"name":"n","id":"/a/b"}`, "id", "/a/b", true},
		{`{"i\u0064":"/a\/b"}`, "id", "/a/b", true},
		{`{"id":7}`, "id", "", false},
		{`{"ids":"x","properties":{"id":"nested"}}`, "id", "", false},
		{`["id"]`, "id", "", false},
	} {
		b, err := appendJSONB(nil, []byte(tt.object))
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := jsonbObjectText(b, tt.key); string(got) != tt.want || ok != tt.ok {
			t.Errorf("%s: got %q, %t; want %q, %t", tt.object, got, ok, tt.want, tt.ok)
		}
	}
	if _, ok := jsonbObjectText([]byte{jsonbObject | 12<<4, 200}, "id"); ok {
		t.Error("a truncated object has no keys")
	}
}
