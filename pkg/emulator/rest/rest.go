// Package rest serves provider documents of plain REST APIs (no
// api-version, e.g. generated from a plain OpenAPI 3 spec) from seeded,
// stateful collections:
//
//   - no api-version, no ARM ancestry checks; paths match the documents' templates
//     exactly (literals case-sensitively);
//   - auth follows the document's security scheme, else the provider's config.auth:
//     an API key in the scheme's header or query parameter, a bearer token, or basic
//     auth with any user name, each carrying Config.Token; none when neither says;
//   - every collection (a GET whose last path segment is a literal and whose
//     method has rows) holds Config.ItemsPerCollection items built from the row
//     schema with varied, deterministic values; nested collections
//     (/owners/{ownerId}/pets) are filled under each parent item;
//   - lists page as the method's pagination config says: a token or the next URL in
//     the body, a Link (RFC 8288) or named header (x-next), or page numbers; the page
//     size is the request's size parameter (limit, per_page, ...) or
//     Config.PageSize; a query parameter named like a row property filters on it;
//   - POST to a collection creates (201), GET/PUT/PATCH/DELETE an item reads,
//     replaces or creates, merges, removes it; errors are {"code","message"}.
package rest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/skyql/skyql/pkg/emulator/example"
	"github.com/skyql/skyql/pkg/emulator/internal/jsonhttp"
	"github.com/skyql/skyql/pkg/emulator/internal/pathtemplate"
	"github.com/skyql/skyql/pkg/emulator/internal/seeded"
	"github.com/skyql/skyql/pkg/emulator/traffic"
	"github.com/skyql/skyql/pkg/provider"
)

// DefaultItemsPerCollection is how many items each collection of a generic API holds.
const DefaultItemsPerCollection = 45

// Plain reports whether no operation of the services takes an api-version
// parameter: a plain REST API, not Azure Resource Manager.
func Plain(services []*provider.Service) bool {
	found := false
	for _, s := range services {
		if s == nil || s.Doc == nil || s.Doc.Paths == nil {
			continue
		}
		found = true
		for _, item := range s.Doc.Paths.Map() {
			for _, op := range item.Operations() {
				for _, params := range []openapi3.Parameters{item.Parameters, op.Parameters} {
					for _, p := range params {
						if p.Value != nil && p.Value.Name == "api-version" {
							return false
						}
					}
				}
			}
		}
	}
	return found
}

// genericRoute is one operation of a served document.
type genericRoute struct {
	method   string
	template string
	segs     []pathtemplate.Segment
	op       *openapi3.Operation
	// m is the provider method bound to the operation, when a resource names it.
	m *provider.Method
	// collection is the template of the collection an item route belongs to, or the
	// route's own template for a collection route.
	collection string
	isItem     bool
	auth       *genericAuth
	// actionBody is the documented success body of an operation the
	// emulator keeps no state for, with placeholders (example.Fill).
	actionBody []byte
}

// genericAuth is what a request must carry.
type genericAuth struct {
	kind string // "api_key", "bearer", "basic"
	in   string // api_key: "header" or "query"
	name string // api_key: the header or query parameter
}

// Config sets what requests must carry and how much data there is.
type Config struct {
	Token              string // the credential requests must carry
	PageSize           int    // items per page when a request names no size
	ItemsPerCollection int    // items seeded in each collection (0: DefaultItemsPerCollection)
	Seed               int64  // drives the seeded values
}

// Server serves plain REST documents. It is safe for concurrent use.
type Server struct {
	cfg     Config
	traffic *traffic.Traffic
	routes  []*genericRoute
	mu      sync.RWMutex
	data    map[string]*genericCollection // concrete collection path -> items
	nextID  map[string]int
}

type genericCollection struct {
	idKey string // the row property holding the id
	items []map[string]any
}

// New serves the services' documents, which must be fully loaded.
func New(cfg Config, tr *traffic.Traffic, services []*provider.Service) (*Server, error) {
	if cfg.ItemsPerCollection < 0 {
		return nil, fmt.Errorf("ItemsPerCollection must not be negative, got %d", cfg.ItemsPerCollection)
	}
	if cfg.ItemsPerCollection == 0 {
		cfg.ItemsPerCollection = DefaultItemsPerCollection
	}
	g := &Server{cfg: cfg, traffic: tr, data: map[string]*genericCollection{}, nextID: map[string]int{}}
	for _, s := range services {
		if s == nil {
			continue
		}
		if err := g.addService(s); err != nil {
			return nil, err
		}
	}
	g.seed(cfg.ItemsPerCollection, cfg.Seed)
	return g, nil
}

func (g *Server) addService(s *provider.Service) error {
	methods := map[string]*provider.Method{} // "METHOD path" -> method
	for _, rname := range s.ResourceNames() {
		r, err := s.Resource(rname)
		if err != nil {
			return fmt.Errorf("emulator: %s: %w", s.File, err)
		}
		for _, m := range r.Methods() {
			methods[m.HTTPMethod+" "+m.Path] = m
		}
	}
	docAuth := authOfDocument(s)
	samples := example.NewSampler(s.Doc)
	for _, key := range s.Doc.Paths.Keys() {
		path, _, _ := strings.Cut(key, "?")
		item := s.Doc.Paths.Value(key)
		segs := pathtemplate.Parse(path)
		for method, op := range item.Operations() {
			method = strings.ToUpper(method)
			rt := &genericRoute{method: method, template: path, segs: segs, op: op, m: methods[method+" "+path], auth: docAuth,
				actionBody: example.SuccessBody(op, samples)}
			if op.Security != nil {
				rt.auth = authOfRequirements(s.Doc, *op.Security, docAuth)
			}
			rt.isItem = len(segs) > 0 && segs[len(segs)-1].Param != ""
			rt.collection = path
			if rt.isItem {
				rt.collection = "/" + pathtemplate.String(segs[:len(segs)-1])
			}
			g.routes = append(g.routes, rt)
		}
	}
	sort.SliceStable(g.routes, func(i, j int) bool { return g.routes[i].template < g.routes[j].template })
	return nil
}

// authOfDocument reads the scheme the document's security requires, else the
// provider's config.auth; nil means no auth.
func authOfDocument(s *provider.Service) *genericAuth {
	if a := authOfRequirements(s.Doc, s.Doc.Security, nil); a != nil {
		return a
	}
	if s.Provider == nil || s.Provider.Config.Auth == nil {
		return nil
	}
	cfg := s.Provider.Config.Auth
	str := func(k string) string { v, _ := cfg[k].(string); return v }
	switch str("type") {
	case "api_key":
		a := &genericAuth{kind: "api_key", in: strings.ToLower(str("location")), name: str("name")}
		if a.in == "" {
			a.in = "header"
		}
		if a.name == "" {
			a.name = "Authorization"
		}
		return a
	case "bearer", "basic":
		return &genericAuth{kind: str("type")}
	}
	return nil
}

func authOfRequirements(doc *openapi3.T, reqs openapi3.SecurityRequirements, fallback *genericAuth) *genericAuth {
	if doc.Components == nil {
		return fallback
	}
	for _, req := range reqs {
		if len(req) == 0 { // {} makes auth optional
			return nil
		}
		names := slices.Sorted(maps.Keys(req))
		for _, n := range names {
			ref := doc.Components.SecuritySchemes[n]
			if ref == nil || ref.Value == nil {
				continue
			}
			sc := ref.Value
			switch {
			case strings.EqualFold(sc.Type, "apiKey") && (sc.In == "header" || sc.In == "query"):
				return &genericAuth{kind: "api_key", in: sc.In, name: sc.Name}
			case strings.EqualFold(sc.Type, "http") && strings.EqualFold(sc.Scheme, "bearer"), strings.EqualFold(sc.Type, "oauth2"):
				return &genericAuth{kind: "bearer"}
			case strings.EqualFold(sc.Type, "http") && strings.EqualFold(sc.Scheme, "basic"):
				return &genericAuth{kind: "basic"}
			}
		}
	}
	return fallback
}

// authorized checks the credential the route's scheme asks for against token.
func (a *genericAuth) authorized(r *http.Request, token string) bool {
	if a == nil {
		return true
	}
	switch a.kind {
	case "api_key":
		if a.in == "query" {
			return r.URL.Query().Get(a.name) == token
		}
		v := r.Header.Get(a.name)
		return v == token || (strings.EqualFold(a.name, "Authorization") && strings.TrimSpace(strings.TrimPrefix(v, "Bearer ")) == token)
	case "bearer":
		h := r.Header.Get("Authorization")
		return len(h) > 7 && strings.EqualFold(h[:7], "bearer ") && strings.TrimSpace(h[7:]) == token
	case "basic":
		_, pass, ok := r.BasicAuth()
		return ok && pass == token
	}
	return false
}

func (a *genericAuth) describe() string {
	switch a.kind {
	case "api_key":
		return fmt.Sprintf("an API key in the %s %q", a.in, a.name)
	case "bearer":
		return "Authorization: Bearer <token>"
	}
	return "HTTP basic auth with the token as password"
}

// match finds the route for a method and path, and the path's parameter values.
func (g *Server) match(method string, segs []string) (*genericRoute, map[string]string, bool) {
	pathFound := false
	for _, rt := range g.routes {
		if len(rt.segs) != len(segs) {
			continue
		}
		params := map[string]string{}
		ok := true
		for i, s := range rt.segs {
			if s.Param != "" {
				if segs[i] == "" {
					ok = false
					break
				}
				params[s.Param] = segs[i]
			} else if s.Literal != segs[i] {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		pathFound = true
		if rt.method == method || (method == http.MethodHead && rt.method == http.MethodGet) {
			return rt, params, true
		}
	}
	return nil, nil, pathFound
}

// ServeHTTP runs one request through faults, auth and the route.
func (g *Server) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	call := g.traffic.Begin(rw, r)
	defer call.End()
	w := call.W
	segs := pathtemplate.Split(r.URL.Path)
	rt, params, pathFound := g.match(r.Method, segs)
	if rt != nil {
		call.Route = rt.method + " " + rt.template
	}
	if call.Disrupt(func(w http.ResponseWriter, status int, _ string, format string, args ...any) {
		writeGenericError(w, status, format, args...)
	}) {
		return
	}
	if rt == nil {
		if pathFound {
			writeGenericError(w, http.StatusMethodNotAllowed, "%s is not served at %s.", r.Method, r.URL.Path)
			return
		}
		writeGenericError(w, http.StatusNotFound, "No served document has the path %s.", r.URL.Path)
		return
	}
	if !rt.auth.authorized(r, g.cfg.Token) {
		writeGenericError(w, http.StatusUnauthorized, "Unauthorized: send %s carrying the emulator's token (printed by `skyql sandbox`).", rt.auth.describe())
		return
	}
	q := &genericRequest{g: g, seq: call.Seq, w: w, r: r, rt: rt, params: params, segs: segs}
	q.serve()
}

func writeGenericError(w http.ResponseWriter, status int, format string, args ...any) {
	body, _ := json.Marshal(map[string]any{"code": status, "message": fmt.Sprintf(format, args...)})
	jsonhttp.WriteBody(w, status, body)
}

type genericRequest struct {
	g      *Server
	seq    uint64
	w      http.ResponseWriter
	r      *http.Request
	rt     *genericRoute
	params map[string]string
	segs   []string
}

// collectionKey is the concrete path of the collection the request addresses.
func (q *genericRequest) collectionKey() string {
	segs := q.segs
	if q.rt.isItem {
		segs = segs[:len(segs)-1]
	}
	return "/" + strings.Join(segs, "/")
}

func (q *genericRequest) serve() {
	switch {
	case q.rt.isItem:
		switch q.r.Method {
		case http.MethodGet, http.MethodHead:
			q.get()
		case http.MethodPut, http.MethodPatch:
			q.write(q.r.Method == http.MethodPatch)
		case http.MethodDelete:
			q.remove()
		default:
			q.action()
		}
	case q.r.Method == http.MethodGet || q.r.Method == http.MethodHead:
		q.list()
	case q.r.Method == http.MethodPost && q.rt.m != nil && q.rt.m.Verb == provider.VerbInsert:
		q.create()
	default:
		q.action()
	}
}

// find returns the collection and index of the item the path names.
func (q *genericRequest) find() (*genericCollection, int) {
	id := q.segs[len(q.segs)-1]
	c := q.g.data[q.collectionKey()]
	if c == nil {
		return nil, -1
	}
	for i, it := range c.items {
		if fmt.Sprint(it[c.idKey]) == id {
			return c, i
		}
	}
	return c, -1
}

func (q *genericRequest) get() {
	q.g.mu.RLock()
	c, i := q.find()
	var item map[string]any
	if i >= 0 {
		item = c.items[i]
	}
	body, err := q.itemBody(item)
	q.g.mu.RUnlock()
	if i < 0 {
		writeGenericError(q.w, http.StatusNotFound, "%s not found.", q.r.URL.Path)
		return
	}
	if err != nil {
		writeGenericError(q.w, http.StatusInternalServerError, "encoding the item failed: %v", err)
		return
	}
	jsonhttp.WriteBody(q.w, http.StatusOK, body)
}

// itemBody encodes one item as the route's success response declares it: an
// array response (showPetById answers Pets) gets a one-item array.
func (q *genericRequest) itemBody(item map[string]any) ([]byte, error) {
	if s := genericSuccessSchema(q.rt.op); s != nil && s.Type.Is("array") {
		return json.Marshal([]any{item})
	}
	return json.Marshal(item)
}

func genericSuccessSchema(op *openapi3.Operation) *openapi3.Schema {
	if op.Responses == nil {
		return nil
	}
	for _, code := range []string{"200", "201", "202"} {
		if r := op.Responses.Value(code); r != nil && r.Value != nil {
			if mt := r.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
				return mt.Schema.Value
			}
			return nil
		}
	}
	return nil
}

func (q *genericRequest) readObject() (map[string]any, bool) {
	data, err := jsonhttp.ReadBody(q.r.Body)
	if err != nil {
		writeGenericError(q.w, http.StatusBadRequest, "The request body could not be read: %v", err)
		return nil, false
	}
	m, err := jsonhttp.DecodeObject(data)
	if err != nil {
		writeGenericError(q.w, http.StatusBadRequest, "The request body is not a JSON object: %v", err)
		return nil, false
	}
	return m, true
}

func (q *genericRequest) create() {
	body, ok := q.readObject()
	if !ok {
		return
	}
	key := q.collectionKey()
	q.g.mu.Lock()
	c := q.g.collection(key, q.rt)
	if _, has := body[c.idKey]; !has {
		q.g.nextID[key]++
		body[c.idKey] = q.g.newID(c, key)
	}
	c.items = append(c.items, body)
	out, err := json.Marshal(body)
	q.g.mu.Unlock()
	if err != nil {
		writeGenericError(q.w, http.StatusInternalServerError, "encoding the item failed: %v", err)
		return
	}
	if genericSuccessSchema(q.rt.op) == nil {
		q.w.WriteHeader(http.StatusCreated)
		return
	}
	jsonhttp.WriteBody(q.w, http.StatusCreated, out)
}

// newID continues the collection's ids: the next integer when ids are numbers.
func (g *Server) newID(c *genericCollection, key string) any {
	n := len(c.items) + g.nextID[key]
	if len(c.items) > 0 {
		if _, numeric := c.items[0][c.idKey].(int); numeric {
			maxID := 0
			for _, it := range c.items {
				if v, ok := it[c.idKey].(int); ok && v > maxID {
					maxID = v
				}
			}
			return maxID + 1
		}
	}
	return fmt.Sprintf("item-%d", n)
}

func (g *Server) collection(key string, rt *genericRoute) *genericCollection {
	c := g.data[key]
	if c == nil {
		c = &genericCollection{idKey: idKeyFor(rowSchemaOf(g.listRoute(rt.collection)), lastParam(g, rt.collection))}
		g.data[key] = c
	}
	return c
}

func (q *genericRequest) write(merge bool) {
	body, ok := q.readObject()
	if !ok {
		return
	}
	q.g.mu.Lock()
	c := q.g.collection(q.collectionKey(), q.rt)
	_, i := q.find()
	status := http.StatusOK
	switch {
	case i < 0 && merge:
		q.g.mu.Unlock()
		writeGenericError(q.w, http.StatusNotFound, "%s not found.", q.r.URL.Path)
		return
	case i < 0:
		body[c.idKey] = typedID(q.segs[len(q.segs)-1], c)
		c.items = append(c.items, body)
		i, status = len(c.items)-1, http.StatusCreated
	case merge:
		jsonhttp.MergePatch(c.items[i], body)
	default:
		body[c.idKey] = c.items[i][c.idKey]
		c.items[i] = body
	}
	out, err := q.itemBody(c.items[i])
	q.g.mu.Unlock()
	if err != nil {
		writeGenericError(q.w, http.StatusInternalServerError, "encoding the item failed: %v", err)
		return
	}
	jsonhttp.WriteBody(q.w, status, out)
}

// typedID keeps numeric ids numeric when the collection's ids are.
func typedID(raw string, c *genericCollection) any {
	if len(c.items) > 0 {
		if _, numeric := c.items[0][c.idKey].(int); numeric {
			if n, err := strconv.Atoi(raw); err == nil {
				return n
			}
		}
	}
	return raw
}

func (q *genericRequest) remove() {
	q.g.mu.Lock()
	c, i := q.find()
	if i >= 0 {
		c.items = append(c.items[:i], c.items[i+1:]...)
		// Nested collections go with their parent.
		prefix := q.r.URL.Path + "/"
		for k := range q.g.data {
			if strings.HasPrefix(k, prefix) {
				delete(q.g.data, k)
			}
		}
	}
	q.g.mu.Unlock()
	if i < 0 {
		writeGenericError(q.w, http.StatusNotFound, "%s not found.", q.r.URL.Path)
		return
	}
	q.w.WriteHeader(http.StatusNoContent)
}

// action answers an operation the emulator keeps no state for with its documented
// success: a body built from the schema, or no content.
func (q *genericRequest) action() {
	if _, ok := q.readObject(); !ok {
		return
	}
	if body := q.rt.actionBody; body != nil {
		segs := strings.Split(strings.Trim(q.r.URL.Path, "/"), "/")
		target := example.Target{ID: q.r.URL.Path, Name: segs[len(segs)-1], GUID: seeded.GUID(q.g.cfg.Seed, q.seq, 11)}
		jsonhttp.WriteBody(q.w, http.StatusOK, example.Fill(body, target))
		return
	}
	q.w.WriteHeader(http.StatusNoContent)
}

// list answers one page of a collection.
func (q *genericRequest) list() {
	m := q.rt.m
	query := q.r.URL.Query()
	q.g.mu.RLock()
	var items []map[string]any
	if c := q.g.data[q.collectionKey()]; c != nil {
		items = filterItems(c.items, query, q.rt.op)
	}
	q.g.mu.RUnlock()
	q.g.traffic.PageServed(false)

	var p *provider.Pagination
	objectKey := ""
	if m != nil {
		p, objectKey = m.Pagination, m.Response.ObjectKey
	}
	size := q.g.cfg.PageSize
	if name := pageSizeParam(q.rt.op, p); name != "" {
		if n, err := strconv.Atoi(query.Get(name)); err == nil && n > 0 {
			size = min(n, 1000)
		}
	}
	if p == nil {
		// An unpaged list answers everything, cut to the size asked for.
		if name := pageSizeParam(q.rt.op, nil); name != "" && query.Get(name) != "" {
			items = items[:min(len(items), size)]
		}
		q.writeList(items, objectKey, nil)
		return
	}
	start := 0
	if p.ByPageNumber() {
		page := p.FirstPage
		if v := query.Get(p.RequestTokenKey); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < p.FirstPage {
				writeGenericError(q.w, http.StatusBadRequest, "%s=%q is not a page number (pages start at %d).", p.RequestTokenKey, v, p.FirstPage)
				return
			}
			page = n
		}
		start = (page - p.FirstPage) * size
	} else {
		tokenParam := p.RequestTokenKey
		if p.NextIsURL() {
			tokenParam = emulatorCursorParam
		}
		if v := query.Get(tokenParam); v != "" {
			raw, err := base64.RawURLEncoding.DecodeString(v)
			n, convErr := strconv.Atoi(string(raw))
			if err != nil || convErr != nil || n < 0 {
				writeGenericError(q.w, http.StatusBadRequest, "%s=%q was not issued by this emulator; pass the token exactly as returned.", tokenParam, v)
				return
			}
			start = n
		}
	}
	start = min(start, len(items))
	end := min(start+size, len(items))
	extra := map[string]any{}
	if p.ByPageNumber() {
		if p.TotalKey != "" {
			extra[p.TotalKey] = len(items)
		}
	} else if end < len(items) {
		token := base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end)))
		next := token
		if p.NextIsURL() {
			next = q.urlWith(emulatorCursorParam, token)
		}
		switch {
		case p.ResponseTokenLocation == "header" && strings.EqualFold(p.ResponseTokenKey, "link"):
			q.w.Header().Set("Link", "<"+next+`>; rel="next"`)
		case p.ResponseTokenLocation == "header":
			q.w.Header().Set(p.ResponseTokenKey, next)
		default:
			extra[p.ResponseTokenKey] = next
		}
	}
	q.writeList(items[start:end], objectKey, extra)
}

// emulatorCursorParam carries the position in next-page URLs the emulator makes.
const emulatorCursorParam = "cursor"

func (q *genericRequest) urlWith(param, value string) string {
	v := q.r.URL.Query()
	v.Set(param, value)
	return jsonhttp.BaseURL(q.r) + q.r.URL.EscapedPath() + "?" + v.Encode()
}

// writeList puts the rows where objectKey says, with extra body fields (a next
// token, a total) beside them.
func (q *genericRequest) writeList(items []map[string]any, objectKey string, extra map[string]any) {
	rows := make([]any, len(items))
	for i, it := range items {
		rows[i] = it
	}
	path := strings.TrimPrefix(strings.TrimPrefix(strings.TrimSuffix(objectKey, "[*]"), "$"), ".")
	var body any = rows
	if path != "" {
		parts := strings.Split(path, ".")
		for i := len(parts) - 1; i >= 0; i-- {
			body = map[string]any{strings.TrimSuffix(parts[i], "[*]"): body}
		}
	}
	if len(extra) > 0 {
		obj, ok := body.(map[string]any)
		if !ok {
			writeGenericError(q.w, http.StatusInternalServerError, "the method's rows are the whole body (objectKey %q), so its paging token cannot be put in the body; page with a header instead", objectKey)
			return
		}
		for k, v := range extra {
			obj[k] = v
		}
	}
	out, err := json.Marshal(body)
	if err != nil {
		writeGenericError(q.w, http.StatusInternalServerError, "encoding the page failed: %v", err)
		return
	}
	jsonhttp.WriteBody(q.w, http.StatusOK, out)
}

// pageSizeNames are query parameters that set a page's size.
var pageSizeNames = []string{"limit", "per_page", "perPage", "page_size", "pageSize", "size", "max_results", "maxResults", "top", "$top"}

// pageSizeParam is the operation's page-size query parameter: the pagination's
// sizeKey, else one with a usual name.
func pageSizeParam(op *openapi3.Operation, p *provider.Pagination) string {
	if p != nil && p.PageSizeKey != "" {
		return p.PageSizeKey
	}
	for _, ref := range op.Parameters {
		if ref.Value == nil || ref.Value.In != "query" {
			continue
		}
		for _, n := range pageSizeNames {
			if ref.Value.Name == n {
				return n
			}
		}
	}
	return ""
}

// filterItems keeps the items whose properties equal the values of the request's
// query parameters that the operation declares and the rows have.
func filterItems(items []map[string]any, query url.Values, op *openapi3.Operation) []map[string]any {
	filters := map[string]string{}
	for _, ref := range op.Parameters {
		if ref.Value == nil || ref.Value.In != "query" {
			continue
		}
		if v := query.Get(ref.Value.Name); v != "" && len(items) > 0 {
			if _, isProp := items[0][ref.Value.Name]; isProp {
				filters[ref.Value.Name] = v
			}
		}
	}
	if len(filters) == 0 {
		return items
	}
	var out []map[string]any
	for _, it := range items {
		keep := true
		for k, v := range filters {
			keep = keep && fmt.Sprint(it[k]) == v
		}
		if keep {
			out = append(out, it)
		}
	}
	return out
}
