package engine

import (
	"reflect"
	"strings"
	"testing"
)

func TestValuesAreSentAsDeclared(t *testing.T) {
	for _, c := range []struct {
		v, typ, want string
	}{
		{"1", "boolean", "true"}, {"0", "boolean", "false"}, {"TRUE", "boolean", "true"},
		{"123", "integer", "123"}, {"123.0", "integer", "123"}, {"1.5", "number", "1.5"},
		{"1", "string", "1"}, {"a,b", "array", "a,b"},
	} {
		if got, err := paramText("p", c.v, c.typ); err != nil || got != c.want {
			t.Errorf("paramText(%q, %s) = %q, %v; want %q", c.v, c.typ, got, err, c.want)
		}
	}
	for _, c := range []struct{ v, typ string }{{"yes", "boolean"}, {"1.5", "integer"}, {"x", "number"}} {
		if _, err := paramText("owner", c.v, c.typ); err == nil || !strings.Contains(err.Error(), "parameter owner is") {
			t.Errorf("paramText(%q, %s): error %v, want one naming the parameter and its type", c.v, c.typ, err)
		}
	}

	for _, c := range []struct {
		v    any
		typ  string
		want any
	}{
		{int64(1), "boolean", true}, {int64(0), "boolean", false}, {"false", "boolean", false}, {true, "boolean", true},
		{"42", "integer", int64(42)}, {float64(42), "integer", int64(42)}, {"2.5", "number", 2.5},
		{int64(7), "string", "7"}, {2.5, "string", "2.5"}, {"2026-01-01", "string", "2026-01-01"},
		{map[string]any{"a": 1.0}, "object", map[string]any{"a": 1.0}}, {nil, "boolean", nil},
		{int64(3), "", int64(3)},
		// UPDATE's SET and INSERT's VALUES give JSON as text: sent as the schema's object or array.
		{`{"a":"b"}`, "object", map[string]any{"a": "b"}}, {`["x"]`, "array", []any{"x"}},
		{`{"a":"b"}`, "", map[string]any{"a": "b"}}, {`{"a":"b"}`, "string", `{"a":"b"}`},
	} {
		if got, err := bodyValue("data__f", c.v, c.typ); err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("bodyValue(%#v, %s) = %#v, %v; want %#v", c.v, c.typ, got, err, c.want)
		}
	}
	if _, err := bodyValue("data__tags", "a=b", "object"); err == nil || !strings.Contains(err.Error(), `give it as JSON, e.g. '{"key":"value"}'`) {
		t.Errorf("bodyValue(a=b, object): %v, want an error showing the JSON form", err)
	}
	if _, err := bodyValue("data__tags", `["x"]`, "object"); err == nil || err.Error() != `body field data__tags is an object: ["x"] does not fit` {
		t.Errorf("bodyValue(array, object): %v", err)
	}
	if _, err := bodyValue("data__booted", int64(7), "boolean"); err == nil || err.Error() != "body field data__booted is a boolean: 7 does not fit" {
		t.Errorf("bodyValue(7, boolean): %v", err)
	}
}
