package generator

import (
	"fmt"
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
//     owners_pets, /users/{id}/avatar is users_avatar. Trailing slashes do not
//     count (/orgs/{org}/members/ is /orgs/{org}/members). A POST to literals
//     after a parameter, on a path with neither a GET nor items below it
//     (/pets/{petId}/feed, /users/{id}/lifecycle/activate), is an action: it joins
//     the resource of the path up to that parameter (pets, users). The root path
//     is the service's name.
//   - Method: the operationId when it is an identifier, else the operationId in
//     snake_case ("find pet by id" -> find_pet_by_id); without one, the HTTP method and
//     the path without the shared prefix: get_pets, get_pets_by_pet_id.
//   - Verbs: GET -> select; POST to a collection (a path ending in a literal that
//     is not an action, such as /orgs/{org}/members/ beside /orgs/{org}/members/{id}/)
//     -> insert into its items' resource; PUT -> replace; PATCH -> update; DELETE ->
//     delete; other POSTs, HEAD, OPTIONS, TRACE -> exec.
//   - Rows: an array response is $[*]; on a GET that is not of one item, an object
//     response's array property data, items, results, value, records, entries,
//     elements or content (or its only array property) holds the rows.
//   - Paging (GETs with rows; see inferPaging): a next-page token or URL in the
//     body or in a paging object of the body (meta, links, pagination), a Link or
//     x-next style header, or a page-number parameter with the total pages or items.
type openAPIConventions struct {
	prefix int // leading literal segments every path shares
	// hasGet and hasItems are keyed by the path without a trailing slash: paths with
	// a GET, and collections: paths with a path one parameter longer (/pets/{petId}).
	hasGet   map[string]bool
	hasItems map[string]bool
	// paging remembers how each list method's paging was inferred, for the report.
	paging map[string]pagingInference
}

func newOpenAPIConventions(doc *openapi3.T) *openAPIConventions {
	c := &openAPIConventions{hasGet: map[string]bool{}, hasItems: map[string]bool{}, paging: map[string]pagingInference{}}
	paths := doc.Paths.Keys()
	var common []string
	for i, p := range paths {
		if item := doc.Paths.Value(p); item != nil && item.Get != nil {
			c.hasGet[trimPath(p)] = true
		}
		if segs := parseSegments(p); len(segs) > 0 && segs[len(segs)-1].param {
			t := trimPath(p)
			c.hasItems[t[:strings.LastIndex(t, "/")]] = true
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

// trimPath is a path without its query and trailing slash, as paths are compared.
func trimPath(path string) string {
	path, _, _ = strings.Cut(path, "?")
	return strings.TrimRight(path, "/")
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

// actionLiterals is how many literal segments end an action's path (0 when o is
// not an action): a POST to literals after a parameter, on a path that has no GET
// and no items below it.
func (c *openAPIConventions) actionLiterals(o operation) int {
	if o.httpMethod != "POST" || c.hasGet[trimPath(o.path)] || c.hasItems[trimPath(o.path)] {
		return 0
	}
	segs := parseSegments(o.path)
	n := 0
	for n < len(segs) && !segs[len(segs)-1-n].param {
		n++
	}
	if n == len(segs) {
		return 0 // no parameter: a collection of its own
	}
	return n
}

func (c *openAPIConventions) resourceName(service string, o operation) (string, error) {
	literals := literalSegments(o.path)
	literals = literals[:len(literals)-c.actionLiterals(o)]
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
		if len(segs) > 0 && !segs[len(segs)-1].param && c.actionLiterals(o) == 0 {
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
	inferred := inferPaging(o.op, schema)
	c.paging[o.httpMethod+" "+o.path] = inferred
	return inferred.config
}

// pagingInference is the paging inferred for a list method: its config (nil for
// none), how it was found, and what is left to guess when the spec says too little.
type pagingInference struct {
	config    map[string]any
	how       string
	ambiguous string
}

// Names that say where the next page is, compared lower-case with _ and - removed.
var (
	// Query parameters that carry a next-page token.
	tokenParams = []string{"pagetoken", "cursor", "nexttoken", "continuationtoken", "startingafter", "after", "marker", "paginationtoken", "skiptoken", "$skiptoken", "next"}
	// Body fields holding a token for such a parameter.
	bodyTokenFields = []string{"nextpagetoken", "nextcursor", "nexttoken", "continuationtoken", "cursor", "paginationtoken", "next"}
	// Body fields holding the next page's URL.
	bodyURLFields = []string{"nextlink", "nexturl", "nextpageurl", "@odata.nextlink", "next"}
	// Page-number parameters, and the page-size, total-pages and total-items names beside them.
	pageParams      = []string{"page", "pagenumber", "pageno", "pagenum"}
	pageSizeParams  = []string{"perpage", "pagesize", "limit", "size", "count", "pagelimit"}
	totalPageFields = []string{"pages", "totalpages", "pagecount", "numpages", "lastpage"}
	totalFields     = []string{"total", "totalcount", "totalitems", "totalresults", "results", "count"}
	moreFields      = []string{"hasmore", "hasnext", "hasnextpage", "more"}
	// Objects of a list response that hold the paging fields instead of the body itself.
	pagingObjects = []string{"meta", "pagination", "paging", "pageinfo", "links", "_links", "page"}
)

func normName(s string) string {
	return strings.ToLower(strings.NewReplacer("_", "", "-", "").Replace(s))
}

// findName returns the first of names (in the order of wanted) that matches a
// candidate, as the candidate is spelt. A dotted candidate (meta.next_page_url)
// matches by its last part.
func findName(wanted []string, candidates []string) string {
	for _, w := range wanted {
		for _, c := range candidates {
			if normName(c[strings.LastIndex(c, ".")+1:]) == w {
				return c
			}
		}
	}
	return ""
}

// bodyFields are a list response's top-level properties, then those of its paging
// objects as dotted paths (meta.next_page_url), with their schemas.
func bodyFields(schema *openapi3.SchemaRef) ([]string, map[string]*openapi3.SchemaRef) {
	fields := map[string]*openapi3.SchemaRef{}
	if schema == nil || schema.Value == nil || schema.Value.Type.Is("array") {
		return nil, fields
	}
	top := provider.Properties(schema.Value)
	var names []string
	for _, name := range sortedKeys(top) {
		names = append(names, name)
		fields[name] = top[name]
	}
	for _, name := range sortedKeys(top) {
		p := top[name]
		if !slices.Contains(pagingObjects, normName(name)) || p == nil || p.Value == nil {
			continue
		}
		nested := provider.Properties(p.Value)
		for _, sub := range sortedKeys(nested) {
			names = append(names, name+"."+sub)
			fields[name+"."+sub] = nested[sub]
		}
	}
	return names, fields
}

// inferPaging recognises the common paging shapes, first match wins:
//  1. a body field with a next-page token (next_page_token, nextCursor...) and a
//     query parameter to send it back in (page_token, cursor...);
//  2. a body field with the next page's URL (next, nextLink, meta.next_page_url);
//  3. a Link header (RFC 8288 rel="next") or a header whose name says next
//     (x-next) declared on the success response: its value is the next URL, or a
//     token for the token parameter when its name says cursor or token;
//  4. a cursor parameter with neither: the Link header is assumed (said as
//     ambiguous, since the spec does not declare it);
//  5. a page-number query parameter (page), with the page-size parameter and the
//     total-pages, total-items and has_more fields when there are such. Without
//     any, paging ends at a short, empty or repeated page (said as ambiguous).
func inferPaging(op *openapi3.Operation, schema *openapi3.SchemaRef) pagingInference {
	var queryParams []string
	for _, p := range op.Parameters {
		if p != nil && p.Value != nil && p.Value.In == "query" {
			queryParams = append(queryParams, p.Value.Name)
		}
	}
	tokenParam := findName(tokenParams, queryParams)
	fields, schemas := bodyFields(schema)
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
		return pagingInference{config: tokenTo(field, "body"), how: fmt.Sprintf("cursor: body field %s sent back as query parameter %s", field, tokenParam)}
	}
	if field := findName(bodyURLFields, fields); field != "" {
		return pagingInference{config: urlTo(field, "body"), how: "next URL: body field " + field}
	}
	status, _, _ := successResponse(op)
	if resp := op.Responses.Value(status); status != "" && resp != nil && resp.Value != nil {
		headers := sortedKeys(resp.Value.Headers)
		if link := findName([]string{"link"}, headers); link != "" {
			return pagingInference{config: urlTo("Link", "header"), how: "Link header (declared on the response)"}
		}
		for _, h := range headers {
			n := normName(h)
			if !strings.Contains(n, "next") {
				continue
			}
			if tokenParam != "" && (strings.Contains(n, "token") || strings.Contains(n, "cursor")) {
				return pagingInference{config: tokenTo(h, "header"), how: fmt.Sprintf("cursor: header %s sent back as query parameter %s", h, tokenParam)}
			}
			return pagingInference{config: urlTo(h, "header"), how: "next URL: header " + h}
		}
	}
	if tokenParam != "" {
		return pagingInference{
			config:    urlTo("Link", "header"),
			how:       "Link header, assumed for cursor parameter " + tokenParam,
			ambiguous: fmt.Sprintf("cursor parameter %s, but neither a next-cursor body field nor a Link header is declared: a Link header is assumed; set pagination for this method in the config if the API returns the cursor elsewhere", tokenParam),
		}
	}
	page := findName(pageParams, queryParams)
	if page == "" {
		return pagingInference{}
	}
	out := map[string]any{
		"requestToken":  map[string]any{"key": page, "location": "query"},
		"responseToken": map[string]any{"location": "none"},
	}
	pn := map[string]any{}
	var how []string
	if size := findName(pageSizeParams, queryParams); size != "" {
		pn["sizeKey"] = size
		how = append(how, "size parameter "+size)
	}
	if pages := findName(totalPageFields, fields); pages != "" && isInteger(schemas[pages]) {
		pn["pagesKey"] = pages
		how = append(how, "total pages in "+pages)
	}
	if total := findName(totalFields, fields); total != "" && isInteger(schemas[total]) {
		pn["totalKey"] = total
		how = append(how, "total items in "+total)
	}
	if more := findName(moreFields, fields); more != "" && isBoolean(schemas[more]) {
		pn["moreKey"] = more
		how = append(how, "more pages while "+more)
	}
	if len(pn) > 0 {
		out["pageNumber"] = pn
	}
	inferred := pagingInference{config: out, how: "page number: query parameter " + page}
	if len(how) > 0 {
		inferred.how += ", " + strings.Join(how, ", ")
	}
	if pn["pagesKey"] == nil && pn["totalKey"] == nil && pn["moreKey"] == nil {
		inferred.ambiguous = fmt.Sprintf("page parameter %s, but the response declares no total of pages or items and no has_more: paging ends at a short, empty or repeated page; set pagination.pageNumber.pagesKey, totalKey or moreKey in the config if the API tells", page)
	}
	return inferred
}

func isBoolean(s *openapi3.SchemaRef) bool {
	return s != nil && s.Value != nil && s.Value.Type.Is("boolean")
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
