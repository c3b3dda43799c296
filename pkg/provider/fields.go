package provider

import (
	"fmt"
	"maps"
	"slices"

	"github.com/getkin/kin-openapi/openapi3"
)

// Field is a property nested in an object column, as a JSON path reaches
// it: json_extract(properties, '$.currentProtectionState').
type Field struct {
	Path        string // from the column: "$.policyInfo.policyId"
	Type        string // the schema's JSON type: "string", "object", ...
	Description string
}

// Limits of Fields: response schemas recurse (an error's details are
// errors) and some are large, and a listing is for reading.
const (
	maxFieldDepth = 6
	maxFields     = 500
)

// Fields lists the nested properties of an object column of the resource's
// rows, parents before their children, each level sorted by name. Arrays
// are listed but not entered (json_each reaches their items). It parses the
// service document when the service was loaded from its index, since the
// index keeps only top-level columns.
func (r *Resource) Fields(column string) ([]Field, error) {
	full, err := r.Service.Full()
	if err != nil {
		return nil, err
	}
	fr, err := full.Resource(r.Name)
	if err != nil {
		return nil, err
	}
	for _, c := range fr.Columns() {
		if c.Name != column {
			continue
		}
		var fields []Field
		if c.Schema != nil {
			appendFields(&fields, "$", c.Schema.Value, map[*openapi3.Schema]bool{}, 0)
		}
		return fields, nil
	}
	return nil, fmt.Errorf("%s has no column %s", r.ID, column)
}

func appendFields(fields *[]Field, path string, s *openapi3.Schema, onPath map[*openapi3.Schema]bool, depth int) {
	if s == nil || onPath[s] || depth >= maxFieldDepth {
		return
	}
	onPath[s] = true
	defer delete(onPath, s)
	props := flattenProperties(s)
	for _, name := range slices.Sorted(maps.Keys(props)) {
		if len(*fields) >= maxFields {
			return
		}
		f := Field{Path: path + "." + name, Type: "string"}
		var child *openapi3.Schema
		if ref := props[name]; ref != nil && ref.Value != nil {
			child = ref.Value
			f.Type = SchemaType(child)
			f.Description = child.Description
		}
		*fields = append(*fields, f)
		if f.Type == "object" {
			appendFields(fields, f.Path, child, onPath, depth+1)
		}
	}
}
