// Package example builds the bodies an emulator answers with when it keeps
// no state for an operation: the document's own example for the success
// response, else a value shaped by the response schema. Values that name
// the resource a request ran on are left as placeholders, filled per
// request by Fill.
package example

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/skyql/skyql/pkg/emulator/internal/jsonhttp"
	"github.com/skyql/skyql/pkg/emulator/samples"
)

// Result bodies built from a schema name the resource the request ran on
// and carry a fresh GUID (a job id, say). They are built once per
// operation with these placeholders, which each request fills.
const (
	placeholderPrefix       = "{{emulator."
	placeholderTargetID     = placeholderPrefix + "targetId}}"
	placeholderName         = placeholderPrefix + "targetName}}"
	placeholderType         = placeholderPrefix + "targetType}}"
	placeholderGUID         = placeholderPrefix + "guid}}"
	placeholderSubscription = placeholderPrefix + "subscriptionId}}"
)

// sampleTime is the instant sampled date-time values carry.
const sampleTime = "2024-01-15T09:00:00Z"

// Sampler builds plausible values for a document's schemas.
type Sampler struct {
	// subtypes maps a polymorphic base schema's $ref to the component
	// schemas that derive from it (allOf), in name order.
	subtypes map[string][]*openapi3.SchemaRef
}

// NewSampler indexes doc's polymorphic schemas.
func NewSampler(doc *openapi3.T) *Sampler {
	smp := &Sampler{subtypes: map[string][]*openapi3.SchemaRef{}}
	if doc.Components == nil {
		return smp
	}
	names := slices.Sorted(maps.Keys(doc.Components.Schemas))
	for _, name := range names {
		ref := doc.Components.Schemas[name]
		if ref == nil || ref.Value == nil {
			continue
		}
		for _, parent := range ref.Value.AllOf {
			if parent != nil && parent.Ref != "" {
				sub := &openapi3.SchemaRef{Ref: "#/components/schemas/" + name, Value: ref.Value}
				smp.subtypes[parent.Ref] = append(smp.subtypes[parent.Ref], sub)
			}
		}
	}
	return smp
}

// of builds a value for the schema at ref, found under property name.
// The real service answers with a concrete type, so a polymorphic base
// is sampled as its first subtype (when pickSubtype), and the
// discriminator property carries that type's value. Enums take their
// first value; strings are shaped by their format, else by the property's
// name. Depth is capped because Azure schemas are recursive (errors
// contain errors).
func (smp *Sampler) of(ref *openapi3.SchemaRef, name string, depth int, pickSubtype bool) any {
	if ref == nil || ref.Value == nil || depth > 6 {
		return nil
	}
	s := ref.Value
	if pickSubtype && s.Discriminator != nil {
		if subs := smp.subtypes[ref.Ref]; len(subs) > 0 {
			return smp.of(subs[0], name, depth+1, true)
		}
	}
	if len(s.Enum) > 0 {
		return s.Enum[0]
	}
	if s.Default != nil {
		return s.Default
	}
	obj := map[string]any{}
	for _, sub := range s.AllOf {
		if m, ok := smp.of(sub, name, depth+1, false).(map[string]any); ok {
			for k, v := range m {
				obj[k] = v
			}
		}
	}
	switch {
	case s.Type.Is("array"):
		if depth > 4 {
			return []any{}
		}
		if v := smp.of(s.Items, name, depth+1, true); v != nil {
			return []any{v}
		}
		return []any{}
	case s.Type.Is("string"):
		return sampleString(name, s.Format)
	case s.Type.Is("integer"), s.Type.Is("number"):
		return 0
	case s.Type.Is("boolean"):
		return false
	}
	for pname, p := range s.Properties {
		if depth > 4 {
			continue
		}
		if v := smp.of(p, pname, depth+1, true); v != nil {
			obj[pname] = v
		}
	}
	// The discriminator, or failing one a plain objectType property (Data
	// Protection sets it on every type), names the schema's type.
	prop := discriminatorProperty(s, 0)
	if prop == "" && obj["objectType"] == "objectType" {
		prop = "objectType"
	}
	if v := discriminatorValue(ref); prop != "" && v != "" {
		obj[prop] = v
	}
	if len(obj) == 0 && !s.Type.Is("object") && len(s.Properties) == 0 {
		return nil
	}
	return obj
}

// discriminatorProperty is the property that names the concrete type, on
// the schema or a schema it derives from.
func discriminatorProperty(s *openapi3.Schema, depth int) string {
	if s.Discriminator != nil && s.Discriminator.PropertyName != "" {
		return s.Discriminator.PropertyName
	}
	if depth > 4 {
		return ""
	}
	for _, parent := range s.AllOf {
		if parent != nil && parent.Value != nil {
			if p := discriminatorProperty(parent.Value, depth+1); p != "" {
				return p
			}
		}
	}
	return ""
}

// discriminatorValue is the value naming the schema's type: its
// x-ms-discriminator-value, else its definition's name (AutoRest's rule).
func discriminatorValue(ref *openapi3.SchemaRef) string {
	if v, ok := ref.Value.Extensions["x-ms-discriminator-value"].(string); ok && v != "" {
		return v
	}
	if i := strings.LastIndexByte(ref.Ref, '/'); i >= 0 {
		return ref.Ref[i+1:]
	}
	return ""
}

// sampleString shapes a string by its format, else by its property's
// name: ids are ARM ids or GUIDs, names and types those of the resource
// the request ran on, times a fixed instant.
func sampleString(name, format string) string {
	switch format {
	case "date-time":
		return sampleTime
	case "date":
		return sampleTime[:10]
	case "uuid":
		return placeholderGUID
	case "duration":
		return "PT1H"
	case "arm-id":
		return placeholderTargetID
	case "uri", "url":
		return "https://emulator.skyql.local/" + name
	}
	lower := strings.ToLower(name)
	switch {
	case lower == "id" || strings.HasSuffix(lower, "resourceid") || lower == "resourceuri":
		return placeholderTargetID
	case lower == "name" || strings.HasSuffix(lower, "resourcename"):
		return placeholderName
	case lower == "type" || strings.HasSuffix(lower, "resourcetype"):
		return placeholderType
	case lower == "tenantid":
		return samples.DefaultTenantID
	case lower == "subscriptionid":
		return placeholderSubscription
	case strings.HasSuffix(lower, "id"):
		return placeholderGUID
	case strings.HasSuffix(lower, "location"):
		return samples.DefaultLocation
	case strings.HasSuffix(lower, "time") || strings.HasSuffix(lower, "date") || strings.HasSuffix(lower, "datetime"):
		return sampleTime
	case strings.HasSuffix(lower, "uri") || strings.HasSuffix(lower, "url"):
		return "https://emulator.skyql.local/" + name
	case name != "":
		return name
	}
	return "string"
}

// Target is the resource a request ran on, which placeholders name.
type Target struct {
	ID, Name, Type string
	// GUID fills values that are fresh per request (a job id, say).
	GUID string
}

// Templated reports whether body holds placeholders Fill must replace.
func Templated(body []byte) bool { return bytes.Contains(body, []byte(placeholderPrefix)) }

// Fill replaces body's placeholders with the target's values.
func Fill(body []byte, t Target) []byte {
	r := strings.NewReplacer(
		placeholderTargetID, jsonhttp.StringContent(t.ID),
		placeholderName, jsonhttp.StringContent(t.Name),
		placeholderType, jsonhttp.StringContent(t.Type),
		placeholderGUID, t.GUID,
		placeholderSubscription, jsonhttp.StringContent(subscriptionOf(t.ID)),
	)
	return []byte(r.Replace(string(body)))
}

// subscriptionOf is the subscription an ARM id is in, else the sample
// data's default one.
func subscriptionOf(id string) string {
	parts := strings.SplitN(strings.TrimPrefix(id, "/"), "/", 3)
	if len(parts) >= 2 && strings.EqualFold(parts[0], "subscriptions") {
		return parts[1]
	}
	return samples.DefaultSubscriptionID
}

// successResponse is the operation's 200 or 201 response, nil when it has neither.
func successResponse(op *openapi3.Operation) *openapi3.Response {
	if op.Responses == nil {
		return nil
	}
	for _, code := range []string{"200", "201"} {
		if r := op.Responses.Value(code); r != nil && r.Value != nil {
			return r.Value
		}
	}
	return nil
}

// SuccessSchema is the JSON schema of the operation's success response.
func SuccessSchema(op *openapi3.Operation) *openapi3.Schema {
	r := successResponse(op)
	if r == nil {
		return nil
	}
	mt := r.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		return nil
	}
	return mt.Schema.Value
}

// SuccessBody is the body an action answers with: the document's example
// if it has one, else a value shaped by the response schema.
func SuccessBody(op *openapi3.Operation, samples *Sampler) []byte {
	r := successResponse(op)
	if r == nil {
		return nil
	}
	mt := r.Content.Get("application/json")
	if mt == nil {
		return nil
	}
	var example any
	switch {
	case mt.Example != nil:
		example = mt.Example
	case len(mt.Examples) > 0:
		names := slices.Sorted(maps.Keys(mt.Examples))
		if ex := mt.Examples[names[0]]; ex != nil && ex.Value != nil {
			example = ex.Value.Value
		}
	}
	if example == nil && mt.Schema != nil && mt.Schema.Value != nil {
		example = samples.of(mt.Schema, "", 0, true)
	}
	if example == nil {
		return nil
	}
	b, err := json.Marshal(example)
	if err != nil {
		return nil
	}
	return b
}
