package arm

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/skyql/skyql/pkg/emulator/example"
	"github.com/skyql/skyql/pkg/emulator/internal/pathtemplate"
)

// opKind says how the emulator answers an operation, decided once from the
// path shape and the HTTP method.
type opKind int

const (
	// kindItem: GET/HEAD/PUT/PATCH/DELETE on a path ending in a name
	// parameter (".../backupInstances/{backupInstanceName}").
	kindItem opKind = iota
	// kindList: GET on a collection (".../backupInstances").
	kindList
	// kindSingleton: GET/PUT on a path ending in a literal that is not a
	// collection (".../virtualMachines/{vm}/instanceView").
	kindSingleton
	// kindAction: POST (".../backupInstances/{name}/stopProtection").
	kindAction
)

// operation is one (path, method, api-version) of a served document,
// prepared at load time so requests do no schema work on reads.
type operation struct {
	id         string // operationId
	method     string
	template   string // the path key as written in the document
	routeKey   string // "METHOD template", the stats key
	segments   []pathtemplate.Segment
	nodes      []*node // nodes[i] is the trie node reached after segment i
	apiVersion string
	kind       opKind
	lro        bool
	// paged: the list answers in pages with nextLink (x-ms-pageable with a
	// nextLinkName, or no x-ms-pageable at all); false for nextLinkName null.
	paged bool
	body  *openapi3.RequestBody
	// resultBody is what an action or singleton GET answers with: the
	// document's example for the success response, else a value built from
	// its schema; nil when the success response has no body. When
	// templated, it holds placeholders each request fills (example.Fill).
	resultBody []byte
	templated  bool
	// noContent: the document answers 204 and declares no body.
	noContent bool
}

// node is a path-trie node; literal children are keyed lower-case because
// ARM compares path segments case-insensitively. Nodes are changed only
// under the router's write lock, when a document is loaded.
type node struct {
	literals map[string]*node
	param    *node
	ops      map[string]map[string]*operation // HTTP method -> api-version -> operation
	// isItem marks templates naming one resource (GET or PUT on a path
	// ending in a parameter): such a prefix of a request path must exist
	// in the store before anything below it can be read or written. It is
	// read without the lock, by requests already routed.
	isItem   atomic.Bool
	versions []string // api-versions served at this node, sorted
	// pending are the documents, not loaded yet, that serve the template
	// ending here.
	pending []*lazyDocument
}

func newNode() *node { return &node{literals: map[string]*node{}} }

// serves reports whether a request path may end here.
func (n *node) serves() bool { return n.ops != nil || len(n.pending) > 0 }

// Document is a service document to serve.
type Document struct {
	// Source names it in messages (a file, a service).
	Source string
	// Paths are the path templates it serves, known without loading it.
	// With Paths the document is loaded when a request first reaches one
	// of them; without, when the server is built.
	Paths []string
	// Load returns the document, references resolved.
	Load func() (*openapi3.T, error)
}

type lazyDocument struct {
	Document
	nodes []*node // where its templates end
	once  sync.Once
	err   error
}

// router holds every operation of every served document, and the
// templates of the documents not loaded yet.
type router struct {
	mu   sync.RWMutex
	root *node
}

func newRouter() *router { return &router{root: newNode()} }

// route is what a request resolves to.
type route struct {
	op *operation // nil when no operation has the method and api-version
	// scopeExtra is how many segments more than one the template's
	// opening {scope} parameter spans in the request path.
	scopeExtra int
	// found: a template matches the path; then methods and versions are
	// what it serves, for the errors that say so.
	found    bool
	methods  []string
	versions []string
}

// resolve matches a request, first loading the documents that serve its
// path. A document that fails to load fails every request that reaches
// it. HEAD is served by GET where a path has no HEAD of its own.
func (rt *router) resolve(segs []string, method, version string) (route, error) {
	for {
		rt.mu.RLock()
		nd, extra := rt.match(segs)
		var (
			r       route
			pending []*lazyDocument
		)
		if nd != nil {
			pending = slices.Clone(nd.pending)
			byVersion := nd.ops[method]
			if method == http.MethodHead && byVersion == nil {
				byVersion = nd.ops[http.MethodGet]
			}
			r = route{op: byVersion[version], scopeExtra: extra, found: true, methods: methodsOf(nd), versions: slices.Clone(nd.versions)}
		}
		rt.mu.RUnlock()
		if len(pending) == 0 {
			return r, nil
		}
		for _, d := range pending {
			if err := rt.load(d); err != nil {
				return route{}, err
			}
		}
	}
}

// load reads a pending document once and routes its operations in place
// of its templates.
func (rt *router) load(d *lazyDocument) error {
	d.once.Do(func() {
		doc, err := d.Load()
		var ops []*operation
		if err == nil {
			ops, err = operationsOf(doc, d.Source)
		}
		if err != nil {
			d.err = fmt.Errorf("loading %s: %w", d.Source, err)
			return // still pending: every request that reaches it says so
		}
		rt.mu.Lock()
		defer rt.mu.Unlock()
		for _, n := range d.nodes {
			if i := slices.Index(n.pending, d); i >= 0 {
				n.pending = slices.Delete(n.pending, i, i+1)
			}
		}
		for _, o := range ops {
			rt.insert(o)
		}
	})
	return d.err
}

// addPending routes d's templates to d until a request loads it.
func (rt *router) addPending(d *lazyDocument) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	for _, p := range d.Paths {
		path, _, _ := strings.Cut(p, "?")
		n := rt.walk(pathtemplate.Parse(path), nil)
		if !slices.Contains(n.pending, d) {
			n.pending = append(n.pending, d)
			d.nodes = append(d.nodes, n)
		}
	}
}

// walk returns the node a template ends at, creating nodes on the way;
// visit, when set, sees the node after each segment.
func (rt *router) walk(segs []pathtemplate.Segment, visit func(i int, n *node)) *node {
	n := rt.root
	for i, s := range segs {
		if s.Param != "" {
			if n.param == nil {
				n.param = newNode()
			}
			n = n.param
		} else {
			k := strings.ToLower(s.Literal)
			child := n.literals[k]
			if child == nil {
				child = newNode()
				n.literals[k] = child
			}
			n = child
		}
		if visit != nil {
			visit(i, n)
		}
	}
	return n
}

// operationsOf prepares every operation of doc.
func operationsOf(doc *openapi3.T, source string) ([]*operation, error) {
	if doc == nil || doc.Paths == nil {
		return nil, fmt.Errorf("document %s has no paths to serve", source)
	}
	samples := example.NewSampler(doc)
	var ops []*operation
	for _, key := range doc.Paths.Keys() {
		item := doc.Paths.Value(key)
		// Published documents may carry a literal query in the path key
		// ("/.../backupInstances/?api-version=2022-05-01"); it is not part of the route.
		path, query, _ := strings.Cut(key, "?")
		segs := pathtemplate.Parse(path)
		for method, op := range item.Operations() {
			method = strings.ToUpper(method)
			version := apiVersionOf(query, item, op, doc)
			if version == "" {
				return nil, fmt.Errorf("%s %s in %s declares no api-version (no default on the api-version parameter and no info.version)", method, key, source)
			}
			o := &operation{
				id:         op.OperationID,
				method:     method,
				template:   path,
				routeKey:   method + " " + path,
				segments:   segs,
				apiVersion: version,
				kind:       classify(method, segs, op),
				lro:        isTrue(op.Extensions["x-ms-long-running-operation"]),
				paged:      isPaged(op),
			}
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				o.body = op.RequestBody.Value
			}
			if o.kind == kindAction || o.kind == kindSingleton {
				o.resultBody = example.SuccessBody(op, samples)
				o.templated = example.Templated(o.resultBody)
				o.noContent = o.resultBody == nil && op.Responses != nil && op.Responses.Value("204") != nil
			}
			ops = append(ops, o)
		}
	}
	return ops, nil
}

// insert routes an operation; the caller holds the write lock.
func (rt *router) insert(o *operation) {
	o.nodes = make([]*node, len(o.segments))
	n := rt.walk(o.segments, func(i int, n *node) { o.nodes[i] = n })
	if n.ops == nil {
		n.ops = map[string]map[string]*operation{}
	}
	if n.ops[o.method] == nil {
		n.ops[o.method] = map[string]*operation{}
	}
	if n.ops[o.method][o.apiVersion] != nil {
		// Published documents do declare one operation under two path
		// keys (parameters named apart); the first answers for both.
		return
	}
	n.ops[o.method][o.apiVersion] = o
	if !slices.Contains(n.versions, o.apiVersion) {
		n.versions = append(n.versions, o.apiVersion)
		sort.Strings(n.versions)
	}
	last := len(o.segments) - 1
	if last >= 0 && o.segments[last].Param != "" && (o.method == http.MethodGet || o.method == http.MethodPut) {
		n.isItem.Store(true)
	}
}

// match finds the node for a request path. A parameter opening a template
// ("/{scope}/providers/Microsoft.Authorization/roleAssignments",
// "/{resourceId}") stands for an ARM scope or id and may span several
// segments: extra is how many more than one it spans.
func (rt *router) match(segs []string) (n *node, extra int) {
	if n := rt.root.match(segs); n != nil {
		return n, 0
	}
	if p := rt.root.param; p != nil {
		for k := 2; k <= len(segs); k++ {
			if n := p.match(segs[k:]); n != nil {
				return n, k - 1
			}
		}
	}
	return nil, 0
}

// match finds the node for a request path; literal segments win over
// parameters, with backtracking when a literal branch dead-ends.
func (n *node) match(segs []string) *node {
	if len(segs) == 0 {
		if n.serves() {
			return n
		}
		return nil
	}
	if child := n.literals[strings.ToLower(segs[0])]; child != nil {
		if m := child.match(segs[1:]); m != nil {
			return m
		}
	}
	if n.param != nil && segs[0] != "" {
		return n.param.match(segs[1:])
	}
	return nil
}

// aligned returns the operation's segments and nodes lined up with a
// request path whose opening scope parameter spans extra more segments;
// the scope's inner segments have no node.
func (o *operation) aligned(extra int) ([]pathtemplate.Segment, []*node) {
	if extra == 0 {
		return o.segments, o.nodes
	}
	segs := make([]pathtemplate.Segment, 0, len(o.segments)+extra)
	nodes := make([]*node, extra, len(o.nodes)+extra)
	for range extra + 1 {
		segs = append(segs, o.segments[0])
	}
	return append(segs, o.segments[1:]...), append(nodes, o.nodes...)
}

// apiVersionOf is the api-version clients send for op: the one written in
// the path key's literal query (the registry's documents carry it only
// there, and their info.version is not an api-version), else the
// api-version parameter's default or single enum value, else info.version.
func apiVersionOf(pathQuery string, item *openapi3.PathItem, op *openapi3.Operation, doc *openapi3.T) string {
	if values, err := url.ParseQuery(pathQuery); err == nil && values.Get("api-version") != "" {
		return values.Get("api-version")
	}
	for _, params := range []openapi3.Parameters{op.Parameters, item.Parameters} {
		for _, p := range params {
			if p.Value == nil || p.Value.Name != "api-version" || p.Value.Schema == nil || p.Value.Schema.Value == nil {
				continue
			}
			s := p.Value.Schema.Value
			if v, ok := s.Default.(string); ok && v != "" {
				return v
			}
			if len(s.Enum) == 1 {
				if v, ok := s.Enum[0].(string); ok {
					return v
				}
			}
		}
	}
	if doc.Info != nil {
		return doc.Info.Version
	}
	return ""
}

func classify(method string, segs []pathtemplate.Segment, op *openapi3.Operation) opKind {
	if method == http.MethodPost {
		return kindAction
	}
	if len(segs) > 0 && segs[len(segs)-1].Param != "" {
		return kindItem
	}
	if method == http.MethodGet && (op.Extensions["x-ms-pageable"] != nil || hasValueArray(op)) {
		return kindList
	}
	return kindSingleton
}

func isTrue(v any) bool {
	b, ok := v.(bool)
	return ok && b
}

// isPaged: x-ms-pageable with nextLinkName null means one page, no nextLink.
func isPaged(op *openapi3.Operation) bool {
	p, ok := op.Extensions["x-ms-pageable"].(map[string]any)
	if !ok {
		return true
	}
	name, present := p["nextLinkName"]
	return !present || name != nil
}

func hasValueArray(op *openapi3.Operation) bool {
	s := example.SuccessSchema(op)
	if s == nil {
		return false
	}
	v := s.Properties["value"]
	return v != nil && v.Value != nil && v.Value.Type.Is("array")
}

// methodsOf lists the HTTP methods served at nd.
func methodsOf(nd *node) []string {
	var ms []string
	for _, m := range []string{"GET", "PUT", "PATCH", "DELETE", "POST", "HEAD"} {
		if nd.ops[m] != nil {
			ms = append(ms, m)
		}
	}
	return ms
}
