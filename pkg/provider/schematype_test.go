package provider

import (
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

func TestSchemaTypeFollowsComposition(t *testing.T) {
	str := &openapi3.SchemaRef{Ref: "#/components/schemas/Label", Value: openapi3.NewStringSchema()}
	integer := &openapi3.SchemaRef{Value: openapi3.NewIntegerSchema()}
	null := &openapi3.SchemaRef{Value: &openapi3.Schema{Type: &openapi3.Types{"null"}}}
	described := &openapi3.SchemaRef{Value: &openapi3.Schema{Description: "read-only"}}
	object := &openapi3.SchemaRef{Value: openapi3.NewObjectSchema().WithProperty("a", openapi3.NewStringSchema())}
	for name, c := range map[string]struct {
		schema *openapi3.Schema
		want   string
	}{
		"allOf of a string ref":                     {&openapi3.Schema{AllOf: openapi3.SchemaRefs{str}}, "string"},
		"allOf of a string and a description":       {&openapi3.Schema{AllOf: openapi3.SchemaRefs{str, described}}, "string"},
		"oneOf of an integer or null":               {&openapi3.Schema{OneOf: openapi3.SchemaRefs{integer, null}}, "integer"},
		"anyOf that disagree":                       {&openapi3.Schema{AnyOf: openapi3.SchemaRefs{str, integer}}, "object"},
		"allOf of objects":                          {&openapi3.Schema{AllOf: openapi3.SchemaRefs{object, object}}, "object"},
		"nullable boolean":                          {&openapi3.Schema{Type: &openapi3.Types{"boolean", "null"}}, "boolean"},
		"own properties beside a string allOf":      {&openapi3.Schema{AllOf: openapi3.SchemaRefs{str}, Properties: openapi3.Schemas{"a": str}}, "object"},
		"an array of items without a type":          {&openapi3.Schema{Items: str}, "array"},
		"nothing said is a string as it always was": {&openapi3.Schema{}, "string"},
	} {
		if got := SchemaType(c.schema); got != c.want {
			t.Errorf("%s: %q, want %q", name, got, c.want)
		}
	}
}
