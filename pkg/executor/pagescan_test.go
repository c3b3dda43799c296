package executor

import (
	"slices"
	"strings"
	"testing"
)

// A page of ARM's shape is split in one pass, into exactly what jsonparser
// finds; pages of other shapes are left to jsonparser.
func TestSplitPageReadsARMPagesAndLeavesTheRestToJSONParser(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		fast       bool
		items      []string
		token      string
	}{
		{name: "rows then link", fast: true, body: `{"value":[{"a":1},{"b":"}]\"{"}],"nextLink":"https://h/x?a=1\u0026b=2"}`,
			items: []string{`{"a":1}`, `{"b":"}]\"{"}`}, token: "https://h/x?a=1&b=2"},
		{name: "link first, spaces, other members", fast: true, body: " {\n\t\"nextLink\" : \"n\", \"count\": 2, \"meta\": {\"value\": []}, \"value\" : [ {\"x\": [1, {\"y\": null}]} , {} ] } \n",
			items: []string{`{"x": [1, {"y": null}]}`, `{}`}, token: "n"},
		{name: "no link", fast: true, body: `{"value":[]}`},
		{name: "null link", fast: true, body: `{"value":[{"a":"\\"}],"nextLink":null}`, items: []string{`{"a":"\\"}`}},
		{name: "nested link only", fast: true, body: `{"value":[{"nextLink":"inner"}]}`, items: []string{`{"nextLink":"inner"}`}},
		{name: "rows of strings", body: `{"value":["a","b"]}`, items: []string{"a", "b"}},
		{name: "rows an object", body: `{"value":{"a":1}}`, items: []string{`{"a":1}`}},
		{name: "escaped key", body: `{"v\u0061lue":[{"a":1}]}`, items: []string{`{"a":1}`}},
		{name: "key twice", body: `{"value":[{"a":1}],"value":[{"b":2}]}`},
		{name: "trailing bytes", body: `{"value":[{"a":1}]} x`},
		{name: "not an object", body: `[{"a":1}]`},
		{name: "unterminated", body: `{"value":[{"a":"1}]}`},
		{name: "mismatched brackets", body: `{"value":[{"a":1]]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			items, token, ok := splitPage([]byte(tc.body), "value", "nextLink")
			if ok != tc.fast {
				t.Fatalf("splitPage ok = %v, want %v", ok, tc.fast)
			}
			if !ok {
				return
			}
			if got := strs(items); !slices.Equal(got, tc.items) || token != tc.token {
				t.Errorf("got %q and token %q, want %q and %q", got, token, tc.items, tc.token)
			}
			general, generalToken, err := jsonRows([]byte(tc.body), "$.value", []string{"nextLink"})
			if err != nil || !slices.Equal(strs(general), tc.items) || generalToken != tc.token {
				t.Errorf("jsonparser finds %q, %q, %v", strs(general), generalToken, err)
			}
		})
	}
}

func strs(items [][]byte) []string {
	var out []string
	for _, it := range items {
		out = append(out, string(it))
	}
	return out
}

// Whatever splitPage accepts, jsonparser reads the same way.
func FuzzSplitPage(f *testing.F) {
	f.Add(`{"value":[{"a":1},{"b":"}]\"{"}],"nextLink":"https://h/x"}`)
	f.Add(`{"nextLink":null,"value":[]}`)
	f.Add(` {"count":1.5e3,"value":[{"x":[true,false,null,{"y":"\u00e9"}]}],"nextLink":"n\\t"} `)
	f.Add(`{"value":[{"a":"\\\\"}, {"b":[[],{}]}],"other":{"value":[1]}}`)
	f.Fuzz(func(t *testing.T, body string) {
		items, token, ok := splitPage([]byte(body), "value", "nextLink")
		if !ok {
			return
		}
		general, generalToken, err := jsonRows([]byte(body), "$.value", []string{"nextLink"})
		if err != nil {
			t.Fatalf("splitPage read %q as %q, %q; jsonparser fails: %v", body, strs(items), token, err)
		}
		if !slices.Equal(strs(items), strs(general)) || token != generalToken {
			t.Fatalf("%q: splitPage finds %q and %q, jsonparser %q and %q", body, strs(items), token, strs(general), generalToken)
		}
		for _, it := range items {
			if !strings.HasPrefix(string(it), "{") || !strings.HasSuffix(string(it), "}") {
				t.Fatalf("%q: item %q is not an object", body, it)
			}
		}
	})
}
