package provider

import (
	"slices"
	"strings"
	"unicode"
)

// BodyField says which body field a write's column names, if any:
// data__<field> always does; so does a plain column that is no parameter
// of the method but one of its body's fields, written as the document
// does or in snake_case (private_endpoint_connections for
// privateEndpointConnections), as the registry's newer documents
// (requestBodyTranslate naive, nativeCasing) expect queries to write them.
func (m *Method) BodyField(column string) (string, bool) {
	if field, ok := strings.CutPrefix(column, BodyFieldPrefix); ok {
		return field, true
	}
	if m.Body == nil {
		return "", false
	}
	want := foldName(column)
	// A parameter in either spelling (subscriptionId, subscription_id)
	// stays a parameter.
	if slices.ContainsFunc(m.Params, func(p *Param) bool { return foldName(p.Name) == want }) {
		return "", false
	}
	fields := m.Body.Fields()
	if slices.Contains(fields, column) {
		return column, true
	}
	for _, f := range fields {
		if foldName(f) == want {
			return f, true
		}
	}
	// A body whose schema lists no fields (free-form): the document's
	// casing still says how the API spells them. Where the schema lists
	// them, another name is a mistake to report, not a field to send.
	if len(fields) == 0 {
		switch m.Body.NativeCasing {
		case "camel":
			return recase(column, false), true
		case "pascal":
			return recase(column, true), true
		}
	}
	return "", false
}

// Fields lists the body's top-level fields, sorted.
func (b *RequestBody) Fields() []string {
	fields := make([]string, 0, len(b.FieldTypes))
	for f := range b.FieldTypes {
		fields = append(fields, f)
	}
	for _, f := range slices.Concat(b.RequiredFields, b.OptionalFields) {
		if !slices.Contains(fields, f) {
			fields = append(fields, f)
		}
	}
	slices.Sort(fields)
	return fields
}

// foldName compares names across casings: lower case, no underscores.
func foldName(s string) string { return strings.ToLower(strings.ReplaceAll(s, "_", "")) }

// recase turns snake_case into camelCase or PascalCase; a name without
// underscores keeps its letters and only its first one's case changes
// for pascal.
func recase(s string, pascal bool) string {
	var b strings.Builder
	for i, part := range strings.Split(s, "_") {
		if part == "" {
			continue
		}
		r := []rune(part)
		if i > 0 || pascal {
			r[0] = unicode.ToUpper(r[0])
		}
		b.WriteString(string(r))
	}
	return b.String()
}
