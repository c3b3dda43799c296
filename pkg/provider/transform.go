package provider

import (
	"fmt"
	"github.com/getkin/kin-openapi/openapi3"
	"slices"
	"strings"
)

// Transform reshapes a response body (or a request body) with a Go
// template, as the registry's documents write it: the template's input is
// the body decoded as its media type says (JSON, or XML read into maps as
// the mxj library does), or the body's text for the text types; its output
// is the body skyql reads rows from.
type Transform struct {
	Type string `yaml:"type" json:"type"`
	Body string `yaml:"body" json:"body"`
}

// The template types of the registry's documents: json and mxj decode the
// body first, text hands the template the body as a string.
var TransformTypes = []string{
	"golang_template_json_v0.1.0", "golang_template_json_v0.3.0",
	"golang_template_mxj_v0.1.0", "golang_template_mxj_v0.3.0",
	"golang_template_text_v0.1.0", "golang_template_text_v0.3.0",
}

// TakesText reports whether the template reads the body as text rather
// than as decoded data.
func (t *Transform) TakesText() bool { return strings.HasPrefix(t.Type, "golang_template_text_") }

// componentSchema resolves "#/components/schemas/<name>".
func (s *Service) componentSchema(ref string) (*openapi3.SchemaRef, error) {
	name, ok := strings.CutPrefix(ref, "#/components/schemas/")
	if !ok {
		return nil, fmt.Errorf("%q does not point into #/components/schemas/", ref)
	}
	if s.Doc.Components != nil {
		if schema := s.Doc.Components.Schemas[unescapePointer(name)]; schema != nil {
			return schema, nil
		}
	}
	return nil, fmt.Errorf("no schema %q in components.schemas", name)
}

// flattenIdiom is how the registry's Azure documents lift each row's
// "properties" object into the row: {{ $p := index $row "properties" }}
// then every key of $p, then the row's own keys.
const flattenIdiom = `index $row "properties"`

// flattenedColumns are the columns of rows a transform flattened: the
// properties object's fields join the row's own columns (which win a
// clash, as the row's keys come last in the template's object).
func flattenedColumns(cols []Column, t *Transform) []Column {
	if !strings.Contains(t.Body, flattenIdiom) {
		return cols
	}
	i := slices.IndexFunc(cols, func(c Column) bool { return c.Name == "properties" })
	if i < 0 || cols[i].Schema == nil {
		return cols
	}
	out := slices.Clone(cols)
	for _, c := range columnsOf(cols[i].Schema) {
		if !slices.ContainsFunc(out, func(o Column) bool { return strings.EqualFold(o.Name, c.Name) }) {
			out = append(out, c)
		}
	}
	names := make([]string, len(out))
	byName := map[string]Column{}
	for i, c := range out {
		names[i], byName[c.Name] = c.Name, c
	}
	SortColumnNames(names)
	for i, n := range names {
		out[i] = byName[n]
	}
	return out
}
