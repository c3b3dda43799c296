package executor

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/skyql/skyql/pkg/provider"
)

func TestXMLIsReadAsTheRegistrysTemplatesExpect(t *testing.T) {
	got, err := xmlToMap([]byte(`<?xml version="1.0"?>
<R xmlns="urn:x"><Items><item id="1">a</item><item id="2"><name>b</name></item></Items><Only>x</Only><Empty/></R>`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(got)
	want := `{"R":{"Empty":"","Items":{"item":[{"#text":"a","-id":"1"},{"-id":"2","name":"b"}]},"Only":"x"}}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}

func TestTextTemplatesCanReadJSONTheyWrap(t *testing.T) {
	// Confluent's documents wrap a bare JSON array in an object, then read it.
	tr := provider.Transform{Type: "golang_template_text_v0.3.0", Body: `{{- $wrapped := printf "{\"items\":%s}" . -}}
{{- $parsed := jsonMapFromString $wrapped -}}
{{- $items := index $parsed "items" -}}
{"names":[{{- range $i, $v := $items -}}{{- if $i -}},{{- end -}}{"name":"{{- $v -}}"}{{- end -}}]}`}
	c := &Call{Method: &provider.Method{Name: "m", Response: provider.Response{MediaType: "application/json", Transform: &tr}}}
	got, err := c.pageBody([]byte(`["a","b"]`))
	if err != nil || string(got) != `{"names":[{"name":"a"},{"name":"b"}]}` {
		t.Errorf("got %s, %v", got, err)
	}
}

func TestTransformFailuresSayWhatWentWrong(t *testing.T) {
	for _, tc := range []struct {
		mediaType string
		transform provider.Transform
		body      string
		want      string
	}{
		{"application/json", provider.Transform{Type: "jq_v1", Body: "."}, `{}`, `transform type "jq_v1" is not one skyql knows`},
		{"application/json", provider.Transform{Type: "golang_template_json_v0.3.0", Body: "{{ range }"}, `{}`, "transform does not parse"},
		{"application/json", provider.Transform{Type: "golang_template_json_v0.3.0", Body: `{"a": {{ .x }`}, `{}`, "transform does not parse"},
		{"application/json", provider.Transform{Type: "golang_template_json_v0.3.0", Body: `{"a": {{ .x }}}`}, `{}`, "made invalid JSON"},
		{"application/json", provider.Transform{Type: "golang_template_json_v0.3.0", Body: `{}`}, `{oops`, "the response is not valid JSON"},
		{"application/xml", provider.Transform{Type: "golang_template_mxj_v0.3.0", Body: `{}`}, `<a><b></a>`, "the response is not valid XML"},
	} {
		tr := tc.transform
		c := &Call{Method: &provider.Method{Name: "m", Response: provider.Response{MediaType: tc.mediaType, Transform: &tr}}}
		_, err := c.pageBody([]byte(tc.body))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s on %s: error %v, want %q", tc.transform.Body, tc.body, err, tc.want)
		}
	}
}
