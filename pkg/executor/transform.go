package executor

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"reflect"
	"slices"
	"strings"
	"sync"
	"text/template"

	"github.com/skyql/skyql/pkg/provider"
)

// A response whose document says it is XML, or that a transform reshapes,
// becomes JSON here before its rows are looked for; every other response
// is read as the JSON it is, without decoding it.

// compiledTemplates keeps each document transform parsed once.
var compiledTemplates sync.Map // *provider.Transform -> *template.Template or error

// templateFuncs are the functions the registry's templates call besides
// text/template's own (index, printf, len, eq, gt, ...).
var templateFuncs = template.FuncMap{
	"toJson": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
	// kindOf names a value's kind as Go's reflect does: map, slice,
	// string, float64, bool; "invalid" for a missing value.
	"kindOf": func(v any) string { return reflect.ValueOf(v).Kind().String() },
	// jsonMapFromString decodes a JSON object held in a string, for text
	// templates that wrap a body before reading it.
	"jsonMapFromString": func(s string) (map[string]any, error) {
		var m map[string]any
		dec := json.NewDecoder(strings.NewReader(s))
		dec.UseNumber()
		if err := dec.Decode(&m); err != nil {
			return nil, fmt.Errorf("jsonMapFromString: not a JSON object: %v", err)
		}
		return m, nil
	},
	// separator gives a function that returns "" the first time and sep
	// after, for writing lists: {{ $s := separator ", " }}...{{ call $s }}.
	"separator": func(sep string) func() string {
		first := true
		return func() string {
			if first {
				first = false
				return ""
			}
			return sep
		}
	},
}

func compile(t *provider.Transform) (*template.Template, error) {
	if v, ok := compiledTemplates.Load(t); ok {
		if err, bad := v.(error); bad {
			return nil, err
		}
		return v.(*template.Template), nil
	}
	var v any
	if !slices.Contains(provider.TransformTypes, t.Type) {
		v = fmt.Errorf("transform type %q is not one skyql knows (%s)", t.Type, strings.Join(provider.TransformTypes, ", "))
	} else if tmpl, err := template.New(t.Type).Funcs(templateFuncs).Option("missingkey=zero").Parse(t.Body); err != nil {
		v = fmt.Errorf("the document's %s transform does not parse: %v", t.Type, err)
	} else {
		v = tmpl
	}
	compiledTemplates.Store(t, v)
	return compile(t)
}

// requestBody is the body to send: the call's JSON, rewritten by the
// document's request transform if it has one.
func (c *Call) requestBody() ([]byte, error) {
	b := c.Method.Body
	if c.Body == nil || b == nil || b.Transform == nil {
		return c.Body, nil
	}
	tmpl, err := compile(b.Transform)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.Method.Name, err)
	}
	var input any
	if !b.Transform.TakesText() {
		dec := json.NewDecoder(bytes.NewReader(c.Body))
		dec.UseNumber()
		if err := dec.Decode(&input); err != nil {
			return nil, fmt.Errorf("%s: the body to transform is not JSON: %v", c.Method.Name, err)
		}
	} else {
		input = string(c.Body)
	}
	var out bytes.Buffer
	if err := tmpl.Execute(&out, input); err != nil {
		return nil, fmt.Errorf("%s: the document's %s request transform failed: %v", c.Method.Name, b.Transform.Type, err)
	}
	return out.Bytes(), nil
}

// pageBody turns a response body into the JSON its rows are read from:
// XML is read into maps, and the document's transform, if any, reshapes it.
func (c *Call) pageBody(body []byte) ([]byte, error) {
	r := c.Method.Response
	if r.Transform == nil {
		if !isXML(r.MediaType) {
			return body, nil
		}
		data, err := xmlToMap(body)
		if err != nil {
			return nil, err
		}
		return json.Marshal(data)
	}
	tmpl, err := compile(r.Transform)
	if err != nil {
		return nil, err
	}
	var input any
	switch {
	case r.Transform.TakesText():
		input = string(body)
	case isXML(r.MediaType):
		if input, err = xmlToMap(body); err != nil {
			return nil, err
		}
	case len(bytes.TrimSpace(body)) == 0:
	default:
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber() // large integers keep their digits through toJson
		if err := dec.Decode(&input); err != nil {
			return nil, fmt.Errorf("the response is not valid JSON (%s): %v", r.MediaType, err)
		}
	}
	var out bytes.Buffer
	if err := tmpl.Execute(&out, input); err != nil {
		return nil, fmt.Errorf("the document's %s transform failed on this response: %v", r.Transform.Type, err)
	}
	if !json.Valid(out.Bytes()) {
		return nil, fmt.Errorf("the document's %s transform made invalid JSON: %s", r.Transform.Type, abbreviateBody(out.Bytes()))
	}
	return out.Bytes(), nil
}

func abbreviateBody(b []byte) string {
	const max = 200
	if len(b) > max {
		return string(b[:max]) + "..."
	}
	return string(b)
}

// isXML reports an XML media type: application/xml, text/xml, or a
// +xml suffix (application/atom+xml).
func isXML(mediaType string) bool {
	mt, _, err := mime.ParseMediaType(mediaType)
	if err != nil {
		return false
	}
	return mt == "application/xml" || mt == "text/xml" || strings.HasSuffix(mt, "+xml")
}

// xmlToMap reads an XML document the way the mxj library (whose maps the
// registry's templates were written against) does: an element is a map of
// its children by local name, a name that repeats holds a list, attributes
// are "-name" keys, and an element with only text is that text (with
// attributes or children too, the text is "#text").
func xmlToMap(body []byte) (map[string]any, error) {
	dec := xml.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil, errors.New("the XML response has no element")
		}
		if err != nil {
			return nil, fmt.Errorf("the response is not valid XML: %v", err)
		}
		if start, ok := tok.(xml.StartElement); ok {
			v, err := xmlElement(dec, start)
			if err != nil {
				return nil, fmt.Errorf("the response is not valid XML: %v", err)
			}
			return map[string]any{start.Name.Local: v}, nil
		}
	}
}

func xmlElement(dec *xml.Decoder, start xml.StartElement) (any, error) {
	m := map[string]any{}
	for _, a := range start.Attr {
		if a.Name.Space == "xmlns" || a.Name.Local == "xmlns" {
			continue
		}
		m["-"+a.Name.Local] = a.Value
	}
	var text strings.Builder
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			child, err := xmlElement(dec, t)
			if err != nil {
				return nil, err
			}
			switch prev := m[t.Name.Local].(type) {
			case nil:
				m[t.Name.Local] = child
			case []any:
				m[t.Name.Local] = append(prev, child)
			default:
				m[t.Name.Local] = []any{prev, child}
			}
		case xml.CharData:
			text.Write(t)
		case xml.EndElement:
			s := strings.TrimSpace(text.String())
			if len(m) == 0 {
				return s, nil
			}
			if s != "" {
				m["#text"] = s
			}
			return m, nil
		}
	}
}
