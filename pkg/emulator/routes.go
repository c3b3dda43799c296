package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
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

// segment is one path segment of an operation's template.
type segment struct {
	literal string // the document's spelling; empty for a parameter
	param   string // parameter name; empty for a literal
}

// operation is one (path, method, api-version) of a served document,
// prepared at load time so requests do no schema work on reads.
type operation struct {
	id         string // operationId
	method     string
	template   string // the path key as written in the document
	routeKey   string // "METHOD template", the stats key
	segments   []segment
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
	// templated, it holds placeholders each request fills (see samples.go).
	resultBody []byte
	templated  bool
	// noContent: the document answers 204 and declares no body.
	noContent bool
}

// node is a path-trie node; literal children are keyed lower-case because
// ARM compares path segments case-insensitively.
type node struct {
	literals map[string]*node
	param    *node
	ops      map[string]map[string]*operation // HTTP method -> api-version -> operation
	// isItem marks templates naming one resource (GET or PUT on a path
	// ending in a parameter): such a prefix of a request path must exist
	// in the store before anything below it can be read or written.
	isItem   bool
	versions []string // api-versions served at this node, sorted
}

func newNode() *node { return &node{literals: map[string]*node{}} }

// router holds every operation of every served document.
type router struct {
	root *node
	ops  []*operation
}

// splitPath turns "/a/b/" into ["a","b"]; the root is no segments.
func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

func parseTemplate(path string) []segment {
	parts := splitPath(path)
	segs := make([]segment, len(parts))
	for i, p := range parts {
		if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") {
			segs[i] = segment{param: p[1 : len(p)-1]}
		} else {
			segs[i] = segment{literal: p}
		}
	}
	return segs
}

// addDocument registers every operation of doc. version is used when an
// operation declares no api-version default of its own.
func (rt *router) addDocument(doc *openapi3.T, source string) error {
	if doc == nil || doc.Paths == nil {
		return fmt.Errorf("emulator: document %s has no paths to serve", source)
	}
	samples := newSampler(doc)
	for _, key := range doc.Paths.Keys() {
		item := doc.Paths.Value(key)
		// Published documents may carry a literal query in the path key
		// ("/.../backupInstances/?api-version=2022-05-01"); it is not part of the route.
		path, _, _ := strings.Cut(key, "?")
		segs := parseTemplate(path)
		for method, op := range item.Operations() {
			method = strings.ToUpper(method)
			version := apiVersionOf(item, op, doc)
			if version == "" {
				return fmt.Errorf("emulator: %s %s in %s declares no api-version (no default on the api-version parameter and no info.version)", method, key, source)
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
				o.resultBody = successBody(op, samples)
				o.templated = bytes.Contains(o.resultBody, []byte(placeholderPrefix))
				o.noContent = o.resultBody == nil && op.Responses != nil && op.Responses.Value("204") != nil
			}
			if err := rt.insert(o); err != nil {
				return fmt.Errorf("emulator: %s: %w", source, err)
			}
		}
	}
	return nil
}

func (rt *router) insert(o *operation) error {
	if rt.root == nil {
		rt.root = newNode()
	}
	n := rt.root
	o.nodes = make([]*node, len(o.segments))
	for i, s := range o.segments {
		if s.param != "" {
			if n.param == nil {
				n.param = newNode()
			}
			n = n.param
		} else {
			k := strings.ToLower(s.literal)
			child := n.literals[k]
			if child == nil {
				child = newNode()
				n.literals[k] = child
			}
			n = child
		}
		o.nodes[i] = n
	}
	if n.ops == nil {
		n.ops = map[string]map[string]*operation{}
	}
	if n.ops[o.method] == nil {
		n.ops[o.method] = map[string]*operation{}
	}
	if prev := n.ops[o.method][o.apiVersion]; prev != nil {
		// ARM paths match case-insensitively and by position, so Azure's specs hold
		// some endpoints twice (/providers/Microsoft.AAD/operations and
		// .../Microsoft.Aad/operations; /{roleAssignmentId} and /{denyAssignmentId}):
		// one operation serves them.
		return nil
	}
	n.ops[o.method][o.apiVersion] = o
	if !slices.Contains(n.versions, o.apiVersion) {
		n.versions = append(n.versions, o.apiVersion)
		sort.Strings(n.versions)
	}
	last := len(o.segments) - 1
	if last >= 0 && o.segments[last].param != "" && (o.method == http.MethodGet || o.method == http.MethodPut) {
		n.isItem = true
	}
	rt.ops = append(rt.ops, o)
	return nil
}

// match finds the node for a request path; literal segments win over
// parameters, with backtracking when a literal branch dead-ends.
func (n *node) match(segs []string) *node {
	if len(segs) == 0 {
		if n.ops != nil {
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

func apiVersionOf(item *openapi3.PathItem, op *openapi3.Operation, doc *openapi3.T) string {
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

func classify(method string, segs []segment, op *openapi3.Operation) opKind {
	if method == http.MethodPost {
		return kindAction
	}
	if len(segs) > 0 && segs[len(segs)-1].param != "" {
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

func successSchema(op *openapi3.Operation) *openapi3.Schema {
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

func hasValueArray(op *openapi3.Operation) bool {
	s := successSchema(op)
	if s == nil {
		return false
	}
	v := s.Properties["value"]
	return v != nil && v.Value != nil && v.Value.Type.Is("array")
}

// successBody is the body an action answers with: the document's example
// if it has one, else a value shaped by the response schema.
func successBody(op *openapi3.Operation, samples *sampler) []byte {
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
