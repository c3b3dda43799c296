package generator

import (
	"regexp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/skyql/skyql/pkg/provider"
)

// openAPIConventions group a plain OpenAPI 3 API's operations by path:
//
//   - Resource: the path's literal segments in snake_case joined by "_", after
//     dropping the leading literals every path of the spec shares (/v1, /api):
//     /pets and /pets/{petId} are resource pets, /owners/{ownerId}/pets is
//     owners_pets, /users/{id}/avatar is users_avatar. A POST to a literal right
//     after a parameter, on a path with no GET (/pets/{petId}/feed), is an action:
//     it joins the parent's resource (pets). The root path is the service's name.
//   - Method: the operationId when it is an identifier, else the operationId in
//     snake_case ("find pet by id" -> find_pet_by_id); without one, the HTTP method and
//     the path without the shared prefix: get_pets, get_pets_by_pet_id.
//   - Verbs: GET -> select; POST to a collection (a path ending in a literal that
//     is not an action) -> insert; PUT -> replace; PATCH -> update; DELETE -> delete;
//     other POSTs, HEAD, OPTIONS, TRACE -> exec.
//   - Rows: an array response is $[*]; on a GET that is not of one item, an object
//     response's array property data, items, results, value, records, entries,
//     elements or content (or its only array property) holds the rows.
//   - Paging (GETs with rows; see inferPagination): a next-page token or URL in the
//     body, a Link or x-next style header, or a page-number parameter.
type openAPIConventions struct {
	prefix int             // leading literal segments every path shares
	hasGet map[string]bool // paths with a GET operation
}

func newOpenAPIConventions(doc *openapi3.T) *openAPIConventions {
	c := &openAPIConventions{hasGet: map[string]bool{}}
	paths := doc.Paths.Keys()
	var common []string
	for i, p := range paths {
		if item := doc.Paths.Value(p); item != nil && item.Get != nil {
			c.hasGet[p] = true
		}
		lead := leadingLiterals(p)
		if i == 0 {
			common = lead
			continue
		}
		n := 0
		for n < len(common) && n < len(lead) && common[n] == lead[n] {
			n++
		}
		common = common[:n]
	}
	// Keep at least one literal of every path that has one to name it by.
	c.prefix = len(common)
	for _, p := range paths {
		if n := len(literalSegments(p)); n > 0 && n <= c.prefix {
			c.prefix = n - 1
		}
	}
	return c
}

// leadingLiterals are the path's segments before its first parameter.
func leadingLiterals(path string) []string {
	var out []string
	for _, s := range parseSegments(path) {
		if s.param {
			break
		}
		out = append(out, s.text)
	}
	return out
}

type pathSegment struct {
	text  string
	param bool
}

func parseSegments(path string) []pathSegment {
	path, _, _ = strings.Cut(path, "?")
	var out []pathSegment
	for _, s := range strings.Split(strings.Trim(path, "/"), "/") {
		if s == "" {
			continue
		}
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			out = append(out, pathSegment{text: s[1 : len(s)-1], param: true})
		} else {
			out = append(out, pathSegment{text: s})
		}
	}
	return out
}

func literalSegments(path string) []string {
	var out []string
	for _, s := range parseSegments(path) {
		if !s.param {
			out = append(out, s.text)
		}
	}
	return out
}

// isAction: a POST to a literal right after a parameter, on a path without a GET.
func (c *openAPIConventions) isAction(o operation) bool {
	segs := parseSegments(o.path)
	n := len(segs)
	return o.httpMethod == "POST" && n >= 2 && !segs[n-1].param && segs[n-2].param && !c.hasGet[o.path]
}

func (c *openAPIConventions) resourceName(service string, o operation) (string, error) {
	literals := literalSegments(o.path)
	if c.isAction(o) {
		literals = literals[:len(literals)-1]
	}
	if len(literals) >= c.prefix {
		literals = literals[c.prefix:]
	}
	parts := make([]string, 0, len(literals))
	for _, l := range literals {
		if s := snakeCase(l); s != "" {
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 {
		return service, nil
	}
	return strings.Join(parts, "_"), nil
}

var identifierPattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (c *openAPIConventions) methodName(o operation) string {
	if identifierPattern.MatchString(o.id) {
		return o.id
	}
	if s := snakeCase(o.id); s != "" {
		if s[0] >= '0' && s[0] <= '9' {
			s = "op_" + s
		}
		return s
	}
	parts := []string{strings.ToLower(o.httpMethod)}
	var params []string
	for _, s := range parseSegments(o.path)[c.prefix:] {
		if s.param {
			params = append(params, snakeCase(s.text))
		} else if name := snakeCase(s.text); name != "" {
			parts = append(parts, name)
		}
	}
	if len(params) > 0 {
		parts = append(parts, "by", strings.Join(params, "_and_"))
	}
	return strings.Join(parts, "_")
}

func (c *openAPIConventions) verb(o operation) string {
	switch o.httpMethod {
	case "GET":
		return "select"
	case "POST":
		segs := parseSegments(o.path)
		if len(segs) > 0 && !segs[len(segs)-1].param && !c.isAction(o) {
			return "insert"
		}
	case "PUT":
		return "replace"
	case "PATCH":
		return "update"
	case "DELETE":
		return "delete"
	}
	return execVerb
}

func (c *openAPIConventions) describesItem(o operation) bool {
	segs := parseSegments(o.path)
	return o.httpMethod == "GET" && len(segs) > 0 && segs[len(segs)-1].param
}

// rowArrayNames are the properties that commonly hold a list response's rows, in
// the order they are preferred.
var rowArrayNames = []string{"data", "items", "results", "value", "records", "entries", "elements", "content"}

func (c *openAPIConventions) objectKey(o operation, schema *openapi3.SchemaRef) string {
	if schema == nil || schema.Value == nil {
		return ""
	}
	if schema.Value.Type.Is("array") {
		return "$[*]"
	}
	if o.httpMethod != "GET" || c.describesItem(o) {
		return ""
	}
	props := provider.Properties(schema.Value)
	for _, name := range rowArrayNames {
		if p := props[name]; p != nil && p.Value != nil && p.Value.Type.Is("array") {
			return "$." + name
		}
	}
	var arrays []string
	for _, name := range sortedKeys(props) {
		if p := props[name]; p != nil && p.Value != nil && p.Value.Type.Is("array") {
			arrays = append(arrays, name)
		}
	}
	if len(arrays) == 1 {
		return "$." + arrays[0]
	}
	return ""
}

func (c *openAPIConventions) pagination(o operation, objectKey string) map[string]any {
	if o.httpMethod != "GET" || c.describesItem(o) {
		return nil
	}
	_, _, schema := successResponse(o.op)
	if objectKey == "" && (schema == nil || schema.Value == nil || !schema.Value.Type.Is("array")) {
		return nil
	}
	return inferPagination(o.op, schema)
}

// Names that say where the next page is, compared lower-case with _ and - removed.
var (
	// Query parameters that carry a next-page token.
	tokenParams = []string{"pagetoken", "cursor", "nexttoken", "continuationtoken", "startingafter", "after", "marker", "paginationtoken", "skiptoken", "$skiptoken", "next"}
	// Body fields holding a token for such a parameter.
	bodyTokenFields = []string{"nextpagetoken", "nextcursor", "nexttoken", "continuationtoken", "cursor", "paginationtoken", "next"}
	// Body fields holding the next page's URL.
	bodyURLFields = []string{"nextlink", "nexturl", "nextpageurl", "@odata.nextlink", "next"}
	// Page-number parameters, and the page-size and total-count names beside them.
	pageParams     = []string{"page", "pagenumber", "pageno", "pagenum"}
	pageSizeParams = []string{"perpage", "pagesize", "limit", "size", "count", "pagelimit"}
	totalFields    = []string{"total", "totalcount", "totalitems", "totalresults", "count"}
)

func normName(s string) string {
	return strings.ToLower(strings.NewReplacer("_", "", "-", "").Replace(s))
}

// findName returns the first of names (in the order of wanted) that matches a
// candidate, as the candidate is spelt.
func findName(wanted []string, candidates []string) string {
	for _, w := range wanted {
		for _, c := range candidates {
			if normName(c) == w {
				return c
			}
		}
	}
	return ""
}

// inferPagination recognises the common paging shapes, first match wins:
//  1. a body field with a next-page token (next_page_token, nextCursor...) and a
//     query parameter to send it back in (page_token, cursor...);
//  2. a body field with the next page's URL (next, nextLink, next_url);
//  3. a Link header (RFC 8288 rel="next") or a header whose name says next
//     (x-next) declared on the success response: its value is the next URL, or a
//     token for the token parameter when its name says cursor or token;
//  4. a page-number query parameter (page), with the page-size parameter and a
//     total-count field when there are such.
func inferPagination(op *openapi3.Operation, schema *openapi3.SchemaRef) map[string]any {
	var queryParams []string
	for _, p := range op.Parameters {
		if p != nil && p.Value != nil && p.Value.In == "query" {
			queryParams = append(queryParams, p.Value.Name)
		}
	}
	tokenParam := findName(tokenParams, queryParams)
	var fields []string
	if schema != nil && schema.Value != nil && !schema.Value.Type.Is("array") {
		fields = sortedKeys(provider.Properties(schema.Value))
	}
	urlTo := func(key, location string) map[string]any {
		return map[string]any{
			"requestToken":  map[string]any{"location": "request"},
			"responseToken": map[string]any{"key": key, "location": location},
		}
	}
	tokenTo := func(key, location string) map[string]any {
		return map[string]any{
			"requestToken":  map[string]any{"key": tokenParam, "location": "query"},
			"responseToken": map[string]any{"key": key, "location": location},
		}
	}
	if field := findName(bodyTokenFields, fields); field != "" && tokenParam != "" {
		return tokenTo(field, "body")
	}
	if field := findName(bodyURLFields, fields); field != "" {
		return urlTo(field, "body")
	}
	status, _, _ := successResponse(op)
	if resp := op.Responses.Value(status); status != "" && resp != nil && resp.Value != nil {
		headers := sortedKeys(resp.Value.Headers)
		if link := findName([]string{"link"}, headers); link != "" {
			return urlTo("Link", "header")
		}
		for _, h := range headers {
			n := normName(h)
			if !strings.Contains(n, "next") {
				continue
			}
			if tokenParam != "" && (strings.Contains(n, "token") || strings.Contains(n, "cursor")) {
				return tokenTo(h, "header")
			}
			return urlTo(h, "header")
		}
	}
	if page := findName(pageParams, queryParams); page != "" {
		out := map[string]any{
			"requestToken":  map[string]any{"key": page, "location": "query"},
			"responseToken": map[string]any{"location": "none"},
		}
		pn := map[string]any{}
		if size := findName(pageSizeParams, queryParams); size != "" {
			pn["sizeKey"] = size
		}
		if total := findName(totalFields, fields); total != "" && isInteger(provider.Properties(schema.Value)[total]) {
			pn["totalKey"] = total
		}
		if len(pn) > 0 {
			out["pageNumber"] = pn
		}
		return out
	}
	return nil
}

func isInteger(s *openapi3.SchemaRef) bool {
	return s != nil && s.Value != nil && (s.Value.Type.Is("integer") || s.Value.Type.Is("number"))
}

// looksLikeAzure: the spec uses Azure's extensions or ARM's shape, so operationIds
// name resources (azureConventions); otherwise paths do (openAPIConventions).
func looksLikeAzure(tree map[string]any) bool {
	if host, _ := tree["host"].(string); strings.Contains(host, "management.azure.com") {
		return true
	}
	if servers, ok := tree["servers"].([]any); ok {
		for _, s := range servers {
			if m, ok := s.(map[string]any); ok {
				if u, _ := m["url"].(string); strings.Contains(u, "management.azure.com") {
					return true
				}
			}
		}
	}
	paths, _ := tree["paths"].(map[string]any)
	for _, p := range sortedKeys(paths) {
		lower := strings.ToLower(p)
		if strings.HasPrefix(lower, "/subscriptions/") || strings.Contains(lower, "/providers/microsoft.") {
			return true
		}
	}
	return hasAzureMarker(tree, 0)
}

// hasAzureMarker finds an x-ms-* key or an api-version parameter anywhere.
func hasAzureMarker(node any, depth int) bool {
	if depth > 64 {
		return false
	}
	switch v := node.(type) {
	case map[string]any:
		if v["name"] == "api-version" && v["in"] == "query" {
			return true
		}
		for k, child := range v {
			if strings.HasPrefix(k, "x-ms-") || hasAzureMarker(child, depth+1) {
				return true
			}
		}
	case []any:
		return slices.ContainsFunc(v, func(child any) bool { return hasAzureMarker(child, depth+1) })
	}
	return false
}
