package provider

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Method is one API operation bound to a resource.
type Method struct {
	Name     string
	Resource *Resource
	// Verb is the first sqlVerbs list the method is in; VerbExec otherwise.
	Verb       Verb
	HTTPMethod string
	// Path is the path template without any literal query string.
	Path string
	// PathQuery is the literal query string some published documents put
	// in the path key ("/…/backupInstances/?api-version=2022-05-01").
	PathQuery url.Values
	// Server is the URL template calls go to (the operation's, path item's
	// or document's first server); its variables are among Params, in
	// ParamInServer.
	Server      string
	Operation   *openapi3.Operation
	Params      []*Param
	Body        *RequestBody
	Response    Response
	Pagination  *Pagination
	LRO         *LRO
	Description string

	columns []Column
}

// Param is a path, query or header parameter.
type Param struct {
	Name     string
	In       string
	Required bool
	Default  any
	// Type is the schema's JSON type ("string", "integer", ...).
	Type string
	// Style and Explode say how an array is serialized (OpenAPI's style and
	// explode): for a query parameter, form style (the default) exploded
	// repeats the name per element, unexploded joins them with commas;
	// spaceDelimited and pipeDelimited join with a space or a pipe.
	Style   string `json:"style,omitempty"`
	Explode bool   `json:"explode,omitempty"`
	// Enum and Pattern constrain a server variable's values.
	Enum    []string `json:"enum,omitempty"`
	Pattern string   `json:"pattern,omitempty"`
	// Schema is nil when the service was loaded from its index.
	Schema      *openapi3.Schema `json:"-"`
	Description string
}

// Supplied reports whether skyql fills the parameter in itself: a required
// parameter with a document default, such as Azure's api-version. Users
// never have to give it, and it is noise in messages and columns.
func (p *Param) Supplied() bool { return p.Required && p.Default != nil }

// DefaultText is the default as a request carries it: numbers in plain
// decimal (1000000, not the 1e+06 a float64 prints), whatever the document
// decoder made of them.
func (p *Param) DefaultText() string {
	switch v := p.Default.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(v), 'f', -1, 32)
	}
	return fmt.Sprint(p.Default)
}

// RequestBody is a method's request body.
type RequestBody struct {
	MediaType      string
	Required       bool
	RequiredFields []string
	// OptionalFields are the writable (not readOnly) fields that are not
	// required, sorted.
	OptionalFields []string
	// FieldTypes are the top-level fields' JSON types ("boolean", "integer",
	// ...), so values are sent as the schema says.
	FieldTypes map[string]string `json:"fieldTypes,omitempty"`
	// Schema is nil when the service was loaded from its index.
	Schema *openapi3.SchemaRef `json:"-"`
	// NativeCasing is the casing of the API's field names ("camel",
	// "pascal"): a column written in snake_case names the field so cased.
	NativeCasing string `json:"nativeCasing,omitempty"`
	// Base is a JSON object every body starts from (request.base); the
	// statement's fields are set over it.
	Base string `json:"base,omitempty"`
	// Translate is the requestBodyTranslate algorithm: "naive" (each
	// column a field, which is what skyql does) or one skyql refuses.
	Translate string `json:"translate,omitempty"`
	// Transform, when set, rewrites the JSON body before it is sent.
	Transform *Transform `json:"transform,omitempty"`
}

// Response says where a method's rows are.
type Response struct {
	// MediaType is what the API answers (application/json,
	// application/xml, text/plain).
	MediaType     string
	OpenAPIDocKey string
	// ObjectKey is where the rows are in the body: in the transformed body
	// when there is a Transform.
	ObjectKey string
	// Transform reshapes each response into JSON (the documents'
	// overrideMediaType says application/json, or a JSON type).
	Transform *Transform `json:",omitempty"`
	// Schema is the schema of one row: the response schema with ObjectKey
	// applied; nil when the service was loaded from its index.
	Schema *openapi3.SchemaRef `json:"-"`
}

// Column is a top-level property of a row.
type Column struct {
	Name        string
	Type        string
	Description string
	// Schema is nil when the service was loaded from its index.
	Schema *openapi3.SchemaRef `json:"-"`
}

// BodyFieldPrefix marks request body fields among a method's parameters.
const BodyFieldPrefix = "data__"

func (s *Service) buildMethod(r *Resource, name string, md methodDoc, where string) (*Method, error) {
	pathKey, httpMethod, item, op, err := s.operationRef(md.Operation.Ref)
	if err != nil {
		return nil, &DocumentError{File: s.File, Path: where + ".operation.$ref", Msg: err.Error()}
	}
	m := &Method{Name: name, Resource: r, HTTPMethod: httpMethod, Operation: op}
	m.Description = firstNonEmpty(op.Description, op.Summary)
	m.Path, m.PathQuery = splitPathKey(pathKey)
	m.Params = mergeParams(item.Parameters, op.Parameters)
	var opServers openapi3.Servers
	if op.Servers != nil {
		opServers = *op.Servers
	}
	server, serverParams := methodServer(s.Doc.Servers, item.Servers, opServers)
	m.Server = server
	for _, p := range serverParams {
		// A path or query parameter of the same name already binds it.
		if _, dup := m.Param(p.Name); !dup {
			m.Params = append(m.Params, p)
		}
	}

	if op.RequestBody != nil && op.RequestBody.Value != nil {
		mediaType := "application/json"
		if md.Request != nil && md.Request.MediaType != "" {
			mediaType = md.Request.MediaType
		}
		if mt := pickMediaType(op.RequestBody.Value.Content, mediaType); mt != nil {
			m.Body = &RequestBody{MediaType: mediaType, Required: op.RequestBody.Value.Required, Schema: mt.Schema}
			if mt.Schema != nil && mt.Schema.Value != nil {
				m.Body.RequiredFields = requiredFields(mt.Schema.Value)
				m.Body.OptionalFields = optionalFields(mt.Schema.Value, m.Body.RequiredFields)
				m.Body.FieldTypes = fieldTypes(mt.Schema.Value)
			}
			if rq := md.Request; rq != nil {
				m.Body.NativeCasing, m.Body.Base, m.Body.Transform = rq.NativeCasing, rq.Base, rq.Transform
			}
			m.Body.Translate = s.bodyTranslate(r, md)
		}
	}

	m.Response = Response{MediaType: md.Response.MediaType, OpenAPIDocKey: md.Response.OpenAPIDocKey, ObjectKey: md.Response.ObjectKey}
	if m.Response.MediaType == "" {
		m.Response.MediaType = "application/json"
	}
	if m.Response.OpenAPIDocKey == "" {
		m.Response.OpenAPIDocKey = defaultResponseKey(op)
	}
	m.Response.Transform = md.Response.Transform
	if m.Response.OpenAPIDocKey != "" && op.Responses != nil {
		if resp := op.Responses.Value(m.Response.OpenAPIDocKey); resp != nil && resp.Value != nil {
			if mt := pickMediaType(resp.Value.Content, m.Response.MediaType); mt != nil {
				m.Response.Schema = mt.Schema
			}
		}
	}
	if o := md.Response.SchemaOverride; o != nil && o.Ref != "" {
		// The transform reshapes the body: its rows are described by the
		// override, not by the API's response schema.
		schema, err := s.componentSchema(o.Ref)
		if err != nil {
			return nil, &DocumentError{File: s.File, Path: where + ".response.schema_override.$ref", Msg: err.Error()}
		}
		m.Response.Schema = schema
	}
	pageable := pageableExtension(op)
	if pageable == nil {
		pageable = impliedPageable(m.Response.Schema)
	}
	// Published documents leave x-ms-pageable's rows implicit. A few specs mark
	// as pageable a response without the item list (Intune's GetMAMStatuses):
	// such a response is one row.
	if m.Response.ObjectKey == "" && pageable != nil && pageable.itemName != "" && mayHaveProperty(m.Response.Schema, pageable.itemName) {
		m.Response.ObjectKey = "$." + pageable.itemName
	}
	// A transform without a schema_override makes a body the document does
	// not describe: its objectKey cannot be checked against the API's schema.
	reshapedUnknown := m.Response.Transform != nil && (md.Response.SchemaOverride == nil || md.Response.SchemaOverride.Ref == "")
	if m.Response.Schema != nil && m.Response.ObjectKey != "" {
		row, err := applyObjectKey(m.Response.Schema, m.Response.ObjectKey)
		if err != nil && !reshapedUnknown {
			// The anchor tool applies objectKey to the response it gets and
			// accepts documents whose schema does not reach it (the public
			// registry publishes many): the rows' columns are unknown, not
			// the document broken.
			s.warnings = append(s.warnings, &DocumentError{File: s.File, Path: where + ".response.objectKey",
				Msg: err.Error() + "; its rows' columns are unknown (the response is still read at objectKey)"})
		}
		m.Response.Schema = row
	} else if m.Response.Schema != nil && m.Response.Transform != nil {
		// A transform that makes a bare array of rows (the text templates'
		// [{"contents": ...}]): the rows are its items.
		m.Response.Schema, _ = applyObjectKey(m.Response.Schema, "")
	}

	m.Pagination = s.pagination(r, md, pageable)
	m.LRO = lroExtension(op)
	m.columns = columnsOf(m.Response.Schema)
	if reshapedUnknown {
		m.columns = flattenedColumns(m.columns, m.Response.Transform)
	}
	return m, nil
}

func splitPathKey(key string) (string, url.Values) {
	p, q, ok := strings.Cut(key, "?")
	if !ok {
		return key, nil
	}
	values, _ := url.ParseQuery(q)
	// The registry tells apart operations on one path with literal keys
	// named __x (/v2/floating_ips/{id}/actions?__type=assign); they are not
	// the API's and are never sent (requestTranslate's
	// drop_double_underscore_params).
	for k := range values {
		if strings.HasPrefix(k, "__") {
			delete(values, k)
		}
	}
	if len(values) == 0 {
		return p, nil
	}
	return p, values
}

// mergeParams combines path-item and operation parameters; the operation's
// win when both define the same name and location.
func mergeParams(itemParams, opParams openapi3.Parameters) []*Param {
	var out []*Param
	index := map[string]int{}
	for _, list := range []openapi3.Parameters{itemParams, opParams} {
		for _, ref := range list {
			if ref == nil || ref.Value == nil {
				continue
			}
			p := ref.Value
			param := &Param{Name: p.Name, In: p.In, Required: p.Required, Description: p.Description, Style: p.Style}
			// OpenAPI's defaults: form style for query parameters, exploded.
			param.Explode = p.Style == openapi3.SerializationForm || (p.Style == "" && p.In == openapi3.ParameterInQuery)
			if p.Explode != nil {
				param.Explode = *p.Explode
			}
			param.Type = "string"
			if p.Schema != nil && p.Schema.Value != nil {
				param.Schema = p.Schema.Value
				param.Default = p.Schema.Value.Default
				param.Type = SchemaType(p.Schema.Value)
			}
			key := p.In + ":" + p.Name
			if i, ok := index[key]; ok {
				out[i] = param
				continue
			}
			index[key] = len(out)
			out = append(out, param)
		}
	}
	return out
}

func pickMediaType(content openapi3.Content, preferred string) *openapi3.MediaType {
	if mt, ok := content[preferred]; ok {
		return mt
	}
	keys := slices.Sorted(maps.Keys(content))
	for _, k := range keys {
		if strings.Contains(k, "json") {
			return content[k]
		}
	}
	if len(keys) > 0 {
		return content[keys[0]]
	}
	return nil
}

// defaultResponseKey picks the success status whose schema describes rows:
// 200 if present, else the lowest 2xx that has content.
func defaultResponseKey(op *openapi3.Operation) string {
	if op.Responses == nil {
		return ""
	}
	keys := op.Responses.Keys()
	sort.Strings(keys)
	best := ""
	for _, k := range keys {
		if !strings.HasPrefix(k, "2") {
			continue
		}
		resp := op.Responses.Value(k)
		if resp == nil || resp.Value == nil || len(resp.Value.Content) == 0 {
			continue
		}
		if k == "200" {
			return k
		}
		if best == "" {
			best = k
		}
	}
	return best
}

// applyObjectKey walks a response schema down a JSONPath such as "$.value",
// "$.data.items" or "$.value[*]"; an array at the end yields its item schema.
func applyObjectKey(schema *openapi3.SchemaRef, objectKey string) (*openapi3.SchemaRef, error) {
	key := strings.TrimPrefix(strings.TrimPrefix(objectKey, "$"), ".")
	cur := schema
	if key != "" {
		for _, part := range strings.Split(key, ".") {
			part = strings.TrimSuffix(part, "[*]")
			if part == "" { // "$[*]": the response itself is the array of rows
				continue
			}
			if cur == nil || cur.Value == nil {
				break
			}
			props := flattenProperties(cur.Value)
			next, ok := props[part]
			if !ok {
				return nil, fmt.Errorf("%s: the response schema has no property %q", objectKey, part)
			}
			cur = next
		}
	}
	if cur != nil && cur.Value != nil && cur.Value.Type.Is("array") && cur.Value.Items != nil {
		cur = cur.Value.Items
	}
	return cur, nil
}

// mayHaveProperty: the schema is unknown or has the property (its own or through allOf).
func mayHaveProperty(schema *openapi3.SchemaRef, name string) bool {
	if schema == nil || schema.Value == nil {
		return true
	}
	_, ok := flattenProperties(schema.Value)[name]
	return ok
}

type pageable struct {
	nextLinkName string
	itemName     string
}

// pageableExtension reads Azure's x-ms-pageable; a null nextLinkName means
// one page of items.
func pageableExtension(op *openapi3.Operation) *pageable {
	raw, ok := op.Extensions["x-ms-pageable"].(map[string]any)
	if !ok {
		return nil
	}
	p := &pageable{itemName: "value"}
	if v, ok := raw["nextLinkName"].(string); ok {
		p.nextLinkName = v
	}
	if v, ok := raw["itemName"].(string); ok && v != "" {
		p.itemName = v
	}
	return p
}

// impliedPageable reads an Azure list response ({"value": [...],
// "nextLink": "..."}) whose operation lost its x-ms-pageable, as the public
// registry's newer documents all do: without it only the first page of
// every list would be read.
func impliedPageable(response *openapi3.SchemaRef) *pageable {
	if response == nil || response.Value == nil {
		return nil
	}
	props := flattenProperties(response.Value)
	next, value := props["nextLink"], props["value"]
	if next == nil || next.Value == nil || !next.Value.Type.Is("string") || value == nil || value.Value == nil || !value.Value.Type.Is("array") {
		return nil
	}
	return &pageable{nextLinkName: "nextLink", itemName: "value"}
}

func (s *Service) pagination(r *Resource, md methodDoc, pg *pageable) *Pagination {
	levels := []*Config{md.Config, &r.config, &s.config}
	if s.Provider != nil {
		levels = append(levels, &s.Provider.Config)
	}
	for _, c := range levels {
		if c != nil && c.Pagination != nil {
			return c.Pagination.pagination()
		}
	}
	if pg != nil && pg.nextLinkName != "" {
		return &Pagination{RequestTokenLocation: "request", ResponseTokenKey: pg.nextLinkName, ResponseTokenLocation: "body"}
	}
	return nil
}

// bodyTranslate is the nearest level's requestBodyTranslate algorithm.
func (s *Service) bodyTranslate(r *Resource, md methodDoc) string {
	levels := []*Config{md.Config, &r.config, &s.config}
	if s.Provider != nil {
		levels = append(levels, &s.Provider.Config)
	}
	for _, c := range levels {
		if c != nil && c.RequestBodyTranslate != nil {
			return c.RequestBodyTranslate.Algorithm
		}
	}
	return ""
}

func lroExtension(op *openapi3.Operation) *LRO {
	if on, _ := op.Extensions["x-ms-long-running-operation"].(bool); !on {
		return nil
	}
	lro := &LRO{}
	if opts, ok := op.Extensions["x-ms-long-running-operation-options"].(map[string]any); ok {
		lro.FinalStateVia, _ = opts["final-state-via"].(string)
	}
	return lro
}

// RequiredParams lists what a caller must supply, in the docs pages' order:
// required operation parameters sorted, then required body fields
// (data__<field>) sorted.
func (m *Method) RequiredParams() []string {
	var params []string
	for _, p := range m.Params {
		if p.Required {
			params = append(params, p.Name)
		}
	}
	sort.Strings(params)
	if m.Body != nil {
		for _, f := range m.Body.RequiredFields {
			params = append(params, BodyFieldPrefix+f)
		}
	}
	return params
}

// UserParams lists the required parameters a statement has to give: those
// of RequiredParams without the ones filled from the document's defaults
// (api-version).
func (m *Method) UserParams() []string {
	var out []string
	for _, name := range m.RequiredParams() {
		if p, ok := m.Param(name); ok && p.Supplied() {
			continue
		}
		out = append(out, name)
	}
	return out
}

// Param returns the parameter with this name.
func (m *Method) Param(name string) (*Param, bool) {
	for _, p := range m.Params {
		if p.Name == name {
			return p, true
		}
	}
	return nil, false
}

// Columns are the top-level properties of a row: id and name first, the
// rest sorted.
func (m *Method) Columns() []Column { return m.columns }

func columnsOf(row *openapi3.SchemaRef) []Column {
	if row == nil || row.Value == nil {
		return nil
	}
	props := flattenProperties(row.Value)
	if len(props) == 0 { // as a service index gives it back
		return nil
	}
	names := make([]string, 0, len(props))
	for n := range props {
		names = append(names, n)
	}
	SortColumnNames(names)
	cols := make([]Column, 0, len(names))
	for _, n := range names {
		ref := props[n]
		col := Column{Name: n, Schema: ref, Type: "string"}
		if ref != nil && ref.Value != nil {
			col.Type = SchemaType(ref.Value)
			col.Description = ref.Value.Description
		}
		cols = append(cols, col)
	}
	return cols
}

// SortColumnNames orders column names as skyql shows them: id, name, then
// the rest alphabetically.
func SortColumnNames(names []string) {
	sort.Slice(names, func(i, j int) bool {
		ri, rj := columnRank(names[i]), columnRank(names[j])
		if ri != rj {
			return ri < rj
		}
		return names[i] < names[j]
	})
}

func columnRank(name string) int {
	switch name {
	case "id":
		return 0
	case "name":
		return 1
	}
	return 2
}

// walkAllOf visits a schema and its allOf parts, parts first (so that the
// schema's own declarations win), depth-limited because specs can recurse.
func walkAllOf(s *openapi3.Schema, visit func(*openapi3.Schema)) {
	var walk func(s *openapi3.Schema, depth int)
	walk = func(s *openapi3.Schema, depth int) {
		if s == nil || depth > 32 {
			return
		}
		for _, part := range s.AllOf {
			if part != nil {
				walk(part.Value, depth+1)
			}
		}
		visit(s)
	}
	walk(s, 0)
}

// flattenProperties merges a schema's own properties with those of its allOf
// parts (recursively); the schema's own win.
func flattenProperties(s *openapi3.Schema) map[string]*openapi3.SchemaRef {
	out := map[string]*openapi3.SchemaRef{}
	walkAllOf(s, func(s *openapi3.Schema) {
		for name, p := range s.Properties {
			out[name] = p
		}
	})
	return out
}

func requiredFields(s *openapi3.Schema) []string {
	seen := map[string]bool{}
	walkAllOf(s, func(s *openapi3.Schema) {
		for _, r := range s.Required {
			seen[r] = true
		}
	})
	return slices.Sorted(maps.Keys(seen))
}

// fieldTypes maps a body schema's properties to their JSON types.
func fieldTypes(s *openapi3.Schema) map[string]string {
	props := flattenProperties(s)
	if len(props) == 0 {
		return nil
	}
	types := make(map[string]string, len(props))
	for name, prop := range props {
		if prop != nil && prop.Value != nil {
			types[name] = SchemaType(prop.Value)
		}
	}
	return types
}

// optionalFields are a body schema's writable properties that are not required.
func optionalFields(s *openapi3.Schema, required []string) []string {
	var fields []string
	for name, prop := range flattenProperties(s) {
		if !slices.Contains(required, name) && (prop == nil || prop.Value == nil || !prop.Value.ReadOnly) {
			fields = append(fields, name)
		}
	}
	sort.Strings(fields)
	return fields
}

// SchemaType names a schema's JSON type. An untyped schema takes the type
// its allOf, oneOf or anyOf parts agree on (allOf: [$ref: a string schema] is
// a string; a nullable part adds nothing); otherwise "object" or "array" is
// inferred from properties, composition or items.
func SchemaType(s *openapi3.Schema) string {
	return schemaType(s, 0)
}

func schemaType(s *openapi3.Schema, depth int) string {
	if s.Type != nil {
		for _, t := range s.Type.Slice() {
			if t != "null" {
				return t
			}
		}
	}
	if len(s.Properties) == 0 && depth < 32 {
		for _, parts := range []openapi3.SchemaRefs{s.AllOf, s.OneOf, s.AnyOf} {
			if t := partsType(parts, depth); t != "" {
				return t
			}
		}
	}
	switch {
	case len(s.Properties) > 0 || len(s.AllOf) > 0 || len(s.OneOf) > 0 || len(s.AnyOf) > 0 ||
		s.AdditionalProperties.Schema != nil || s.AdditionalProperties.Has != nil:
		return "object"
	case s.Items != nil:
		return "array"
	}
	return "string"
}

// partsType is the type every typed part of a composition has, "" when they
// differ or none says.
func partsType(parts openapi3.SchemaRefs, depth int) string {
	agreed := ""
	for _, part := range parts {
		if part == nil || part.Value == nil || isNullOnly(part.Value) {
			continue
		}
		v := part.Value
		if v.Type == nil && len(v.Properties) == 0 && len(v.AllOf)+len(v.OneOf)+len(v.AnyOf) == 0 && v.Items == nil {
			continue // only constraints or a description: says nothing of the type
		}
		t := schemaType(v, depth+1)
		if agreed != "" && t != agreed {
			return ""
		}
		agreed = t
	}
	return agreed
}

func isNullOnly(s *openapi3.Schema) bool {
	return s.Type != nil && len(s.Type.Slice()) == 1 && s.Type.Is("null")
}

// Properties are a schema's top-level properties, allOf parts merged in.
func Properties(s *openapi3.Schema) map[string]*openapi3.SchemaRef {
	return flattenProperties(s)
}
