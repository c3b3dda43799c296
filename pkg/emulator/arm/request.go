package arm

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/skyql/skyql/pkg/emulator/example"
	"github.com/skyql/skyql/pkg/emulator/internal/jsonhttp"
	"github.com/skyql/skyql/pkg/emulator/internal/pathtemplate"
	"github.com/skyql/skyql/pkg/emulator/internal/seeded"
)

// request is one routed ARM request.
type request struct {
	s  *Server
	w  http.ResponseWriter
	r  *http.Request
	op *operation
	// segments and nodes are the operation's, lined up with segs.
	segments []pathtemplate.Segment
	nodes    []*node
	segs     []string
	query    url.Values
	base     string
	seq      uint64 // the request's sequence number
	key      string // lower-case request path: the store key
}

func (q *request) serve() {
	q.key = strings.ToLower("/" + strings.Join(q.segs, "/"))
	if !q.checkAncestors() || q.refuseWhileBusy() {
		return
	}
	switch q.op.kind {
	case kindList:
		q.list()
	case kindAction:
		q.action()
	default:
		switch q.r.Method {
		case http.MethodGet, http.MethodHead:
			q.get()
		case http.MethodPut:
			q.put()
		case http.MethodPatch:
			q.patch()
		case http.MethodDelete:
			q.remove()
		default:
			writeError(q.w, http.StatusMethodNotAllowed, "MethodNotAllowed", "%s is not served on %s.", q.r.Method, q.op.template)
		}
	}
}

// prefixKey is the store key of the first n segments.
func (q *request) prefixKey(n int) string {
	return strings.ToLower("/" + strings.Join(q.segs[:n], "/"))
}

func isSubscriptionDepth(segs []string, i int) bool {
	return i == 1 && strings.EqualFold(segs[0], "subscriptions")
}

func isResourceGroupDepth(segs []string, i int) bool {
	return i == 3 && strings.EqualFold(segs[0], "subscriptions") && strings.EqualFold(segs[2], "resourceGroups")
}

// checkAncestors answers 404 unless every resource the path nests under
// exists: the subscription, the resource group, and each parent resource
// (".../backupVaults/{vaultName}" for a backup instance).
func (q *request) checkAncestors() bool {
	for i := 0; i+1 < len(q.segs); i++ {
		sub, rg := isSubscriptionDepth(q.segs, i), isResourceGroupDepth(q.segs, i)
		if !sub && !rg && (q.nodes[i] == nil || !q.nodes[i].isItem.Load()) {
			continue
		}
		if q.s.store.exists(q.prefixKey(i + 1)) {
			continue
		}
		switch {
		case sub:
			writeError(q.w, http.StatusNotFound, "SubscriptionNotFound", "The subscription '%s' could not be found.", q.segs[i])
		case rg:
			writeError(q.w, http.StatusNotFound, "ResourceGroupNotFound", "Resource group '%s' could not be found.", q.segs[i])
		case q.op.kind == kindAction && i == len(q.segs)-2:
			q.notFound(i + 1)
		default:
			writeError(q.w, http.StatusNotFound, "ParentResourceNotFound", "Can not perform requested operation on nested resource. Parent resource '%s' not found.", strings.Join(q.segs[typeStart(q.segs):i+1], "/"))
		}
		return false
	}
	return true
}

// typeStart is the index after the last "providers" segment (where the
// "Namespace/type/name/..." part of an id begins), or 0.
func typeStart(segs []string) int {
	for i := len(segs) - 2; i >= 0; i-- {
		if strings.EqualFold(segs[i], "providers") {
			return i + 1
		}
	}
	return 0
}

// notFound answers ARM's 404 for the resource named by the first n segments.
func (q *request) notFound(n int) {
	segs := q.segs[:n]
	switch {
	case isSubscriptionDepth(q.segs, n-1):
		writeError(q.w, http.StatusNotFound, "SubscriptionNotFound", "The subscription '%s' could not be found.", segs[n-1])
	case isResourceGroupDepth(q.segs, n-1):
		writeError(q.w, http.StatusNotFound, "ResourceGroupNotFound", "Resource group '%s' could not be found.", segs[n-1])
	default:
		where := ""
		if len(segs) > 3 && strings.EqualFold(segs[2], "resourceGroups") {
			where = " under resource group '" + segs[3] + "'"
		}
		writeError(q.w, http.StatusNotFound, "ResourceNotFound", "The Resource '%s'%s was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix", strings.Join(segs[typeStart(segs):], "/"), where)
	}
}

func (q *request) get() {
	body, ok := q.s.store.Get(q.key)
	if !ok && q.op.kind == kindSingleton && q.op.resultBody != nil {
		body, ok = q.result(), true
	}
	if !ok {
		q.notFound(len(q.segs))
		return
	}
	if q.r.Method == http.MethodHead {
		q.w.WriteHeader(http.StatusNoContent)
		return
	}
	jsonhttp.WriteBody(q.w, http.StatusOK, body)
}

func (q *request) list() {
	s := q.s
	after := ""
	for k, v := range q.query {
		if strings.EqualFold(k, "$skipToken") && len(v) > 0 && v[0] != "" {
			tok, err := base64.RawURLEncoding.DecodeString(v[0])
			if err != nil {
				writeError(q.w, http.StatusBadRequest, "InvalidSkipToken", "The $skipToken %q was not issued by this emulator; follow nextLink exactly as returned.", v[0])
				return
			}
			after = string(tok)
		}
	}
	size := 0
	if q.op.paged {
		size = s.cfg.PageSize
	}
	n := s.pages.Add(1)
	var (
		bodies [][]byte
		last   string
		more   bool
	)
	empty := q.op.paged && s.cfg.EmptyPageEvery > 0 && n%uint64(s.cfg.EmptyPageEvery) == 0
	s.traffic.PageServed(empty)
	if empty {
		// An empty page that still points on, from where this one began.
		last, more = after, true
	} else {
		keep, ok := q.resourceFilter()
		if !ok {
			return
		}
		bodies, last, more = s.store.page(q.key, after, size, keep)
	}
	buf := pageBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	buf.WriteString(`{"value":[`)
	for i, b := range bodies {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(b)
	}
	buf.WriteByte(']')
	if more {
		buf.WriteString(`,"nextLink":`)
		link, _ := json.Marshal(q.nextLink(last))
		buf.Write(link)
	}
	buf.WriteByte('}')
	jsonhttp.WriteBody(q.w, http.StatusOK, buf.Bytes())
	pageBuffers.Put(buf)
}

// resourceTypeFilter is the one $filter the generic resource lists take
// here: Key Vault's Vaults_List asks for its vaults that way.
var resourceTypeFilter = regexp.MustCompile(`(?i)^\s*resourceType\s+eq\s+'([^']+)'\s*$`)

// resourceFilter is the $filter of a generic resource list
// (/subscriptions/{s}/resources, .../resourceGroups/{rg}/resources) as a
// test of store keys; nil for no filter or another list. On a filter it
// cannot apply it has answered 400 and returns ok=false.
func (q *request) resourceFilter() (keep func(key string) bool, ok bool) {
	n := len(q.segs)
	generic := n >= 3 && strings.EqualFold(q.segs[n-1], "resources") &&
		(n == 3 && strings.EqualFold(q.segs[0], "subscriptions") || n == 5 && isResourceGroupDepth(q.segs, 3))
	filter := q.query.Get("$filter")
	if !generic || filter == "" {
		return nil, true
	}
	m := resourceTypeFilter.FindStringSubmatch(filter)
	if m == nil {
		writeError(q.w, http.StatusBadRequest, "InvalidFilter", "The $filter %q is not supported by the emulator; it filters resource lists by resourceType eq '<Namespace/type>' only.", filter)
		return nil, false
	}
	// Keys here are /subscriptions/s/resourcegroups/rg/providers/ns/type/name.
	suffix := "/providers/" + strings.ToLower(m[1]) + "/"
	return func(key string) bool {
		i := strings.Index(key, "/providers/")
		return i >= 0 && strings.HasPrefix(key[i:], suffix) && strings.Count(key[i+len(suffix):], "/") == 0
	}, true
}

// nextLink is the absolute URL of the page after the item sorted as last:
// this request's URL with its $skipToken replaced.
func (q *request) nextLink(last string) string {
	v := url.Values{}
	for k, vals := range q.query {
		if !strings.EqualFold(k, "$skipToken") {
			v[k] = vals
		}
	}
	v.Set("$skipToken", base64.RawURLEncoding.EncodeToString([]byte(last)))
	return q.base + q.r.URL.EscapedPath() + "?" + v.Encode()
}

// readBody reads and validates the request body against the operation's
// schema; on failure it has answered 400 and returns ok=false.
func (q *request) readBody() (data []byte, ok bool) {
	data, err := jsonhttp.ReadBody(q.r.Body)
	if err != nil {
		writeError(q.w, http.StatusBadRequest, "InvalidRequestContent", "The request content could not be read: %v", err)
		return nil, false
	}
	if len(data) > jsonhttp.MaxBody {
		writeError(q.w, http.StatusRequestEntityTooLarge, "RequestContentTooLarge", "The request content is larger than ARM's 8 MB limit.")
		return nil, false
	}
	if q.op.body == nil {
		return data, true
	}
	clone := q.r.Clone(q.r.Context())
	clone.Body = io.NopCloser(bytes.NewReader(data))
	clone.GetBody = nil
	if clone.Header.Get("Content-Type") == "" {
		clone.Header.Set("Content-Type", "application/json")
	}
	input := &openapi3filter.RequestValidationInput{
		Request: clone,
		Options: &openapi3filter.Options{ExcludeReadOnlyValidations: true, SkipSettingDefaults: true},
	}
	if err := openapi3filter.ValidateRequestBody(q.r.Context(), input, q.op.body); err != nil {
		writeError(q.w, http.StatusBadRequest, "InvalidRequestContent", "The request content was invalid and could not be deserialized: %s", validationMessage(err))
		return nil, false
	}
	return data, true
}

// validationMessage names the failing field and the reason, without the
// schema dump kin-openapi's own message carries.
func validationMessage(err error) string {
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		ptr := strings.Join(se.JSONPointer(), ".")
		if ptr == "" {
			return se.Reason
		}
		return "'" + ptr + "': " + se.Reason
	}
	var re *openapi3filter.RequestError
	if errors.As(err, &re) {
		if re.Err != nil && re.Reason == "" {
			return re.Err.Error()
		}
		if re.Err != nil {
			return re.Reason + ": " + re.Err.Error()
		}
		return re.Reason
	}
	return err.Error()
}

// identity is the id, name and type ARM reports for the resource at the
// request path: literals spelled as the document spells them, names as
// the caller sent them.
func (q *request) identity() (id, name, typ string) {
	return q.identityOf(len(q.segs))
}

// identityOf is identity for the resource named by the first n segments
// (n = len-1: the resource an action runs on).
func (q *request) identityOf(n int) (id, name, typ string) {
	var b strings.Builder
	for i, s := range q.segments[:n] {
		b.WriteByte('/')
		if s.Literal != "" {
			b.WriteString(s.Literal)
		} else {
			b.WriteString(q.segs[i])
		}
	}
	id = b.String()
	name = q.segs[n-1]
	start := typeStart(q.segs[:n])
	switch {
	case start > 0 && start < n:
		parts := []string{q.segments[start].Literal}
		for i := start + 1; i < n; i++ {
			if l := q.segments[i].Literal; l != "" {
				parts = append(parts, l)
			}
		}
		typ = strings.Join(parts, "/")
	case isResourceGroupDepth(q.segs, n-1):
		typ = "Microsoft.Resources/resourceGroups"
	}
	return id, name, typ
}

func (q *request) put() {
	data, ok := q.readBody()
	if !ok {
		return
	}
	m, err := jsonhttp.DecodeObject(data)
	if err != nil {
		writeError(q.w, http.StatusBadRequest, "InvalidRequestContent", "The request content was invalid and could not be deserialized: %v", err)
		return
	}
	id, name, typ := q.identity()
	m["id"], m["name"] = id, name
	if typ != "" {
		m["type"] = typ
	}
	now := time.Now().UTC().Format(time.RFC3339Nano)
	m["systemData"] = map[string]any{
		"createdBy": "emulator@skyql.local", "createdByType": "User", "createdAt": now,
		"lastModifiedBy": "emulator@skyql.local", "lastModifiedByType": "User", "lastModifiedAt": now,
	}
	props, _ := m["properties"].(map[string]any)
	if props != nil {
		props["provisioningState"] = "Succeeded"
	}
	w := &Write{Method: http.MethodPut, Key: q.key, Type: typ, Body: m}
	if !q.admit(w) {
		return
	}
	stored, err := json.Marshal(m)
	if err != nil {
		writeError(q.w, http.StatusInternalServerError, "InternalServerError", "encoding the resource failed: %v", err)
		return
	}
	status := http.StatusCreated
	if q.s.store.exists(q.key) {
		status = http.StatusOK
	}
	if !q.op.lro {
		q.s.store.put(q.key, name, stored)
		q.applied(w)
		jsonhttp.WriteBody(q.w, status, stored)
		return
	}
	outcome := q.s.lroOutcome(q.r)
	if outcome == "Succeeded" {
		q.s.store.put(q.key, name, stored)
		q.applied(w)
	}
	op := q.startLRO(q.key, outcome, http.StatusOK, stored)
	q.s.setLROHeaders(q.w.Header(), q.base, op, false)
	initial := stored
	if props != nil {
		// The first answer shows the operation under way, as ARM does.
		props["provisioningState"] = "Accepted"
		initial, _ = json.Marshal(m)
	}
	jsonhttp.WriteBody(q.w, status, initial)
}

// startLRO starts a long-running operation changing the resource at target.
func (q *request) startLRO(target, outcome string, resultStatus int, resultBody []byte) *lro {
	s := q.s
	s.traffic.LROStarted()
	// Unpolled, an operation settles after the time a client honouring
	// Retry-After would take to see it finish (at least a second a poll).
	step := max(s.cfg.RetryAfter, time.Second)
	settles := time.Now().Add(time.Duration(s.cfg.LROPolls+1) * step)
	return s.lros.start(q.op.apiVersion, q.r.Method, target, outcome, settles, resultStatus, resultBody)
}

func (q *request) patch() {
	current, ok := q.s.store.Get(q.key)
	if !ok {
		q.notFound(len(q.segs))
		return
	}
	data, ok := q.readBody()
	if !ok {
		return
	}
	patch, err := jsonhttp.DecodeObject(data)
	if err != nil {
		writeError(q.w, http.StatusBadRequest, "InvalidRequestContent", "The request content was invalid and could not be deserialized: %v", err)
		return
	}
	m, err := jsonhttp.DecodeObject(current)
	if err != nil {
		writeError(q.w, http.StatusInternalServerError, "InternalServerError", "the stored resource is not a JSON object: %v", err)
		return
	}
	jsonhttp.MergePatch(m, patch)
	id, name, typ := q.identity()
	m["id"], m["name"] = id, name
	if typ != "" {
		m["type"] = typ
	}
	if sd, ok := m["systemData"].(map[string]any); ok {
		sd["lastModifiedAt"] = time.Now().UTC().Format(time.RFC3339Nano)
	}
	updated, err := json.Marshal(m)
	if err != nil {
		writeError(q.w, http.StatusInternalServerError, "InternalServerError", "encoding the resource failed: %v", err)
		return
	}
	if !q.op.lro {
		q.s.store.Update(q.key, updated)
		jsonhttp.WriteBody(q.w, http.StatusOK, updated)
		return
	}
	outcome := q.s.lroOutcome(q.r)
	if outcome == "Succeeded" {
		q.s.store.Update(q.key, updated)
	}
	op := q.startLRO(q.key, outcome, http.StatusOK, updated)
	q.s.setLROHeaders(q.w.Header(), q.base, op, true)
	q.w.WriteHeader(http.StatusAccepted)
}

func (q *request) remove() {
	if !q.s.store.exists(q.key) {
		// ARM answers a delete of something already gone with 204.
		q.w.WriteHeader(http.StatusNoContent)
		return
	}
	_, _, typ := q.identity()
	w := &Write{Method: http.MethodDelete, Key: q.key, Type: typ}
	if !q.admit(w) {
		return
	}
	if !q.op.lro {
		q.s.store.remove(q.key)
		q.applied(w)
		q.w.WriteHeader(http.StatusOK)
		return
	}
	outcome := q.s.lroOutcome(q.r)
	if outcome == "Succeeded" {
		q.s.store.remove(q.key)
		q.applied(w)
	}
	op := q.startLRO(q.key, outcome, http.StatusNoContent, nil)
	q.s.setLROHeaders(q.w.Header(), q.base, op, true)
	q.w.WriteHeader(http.StatusAccepted)
}

func (q *request) action() {
	data, ok := q.readBody()
	if !ok {
		return
	}
	target := q.prefixKey(len(q.segs) - 1)
	_, _, typ := q.identityOf(len(q.segs) - 1)
	sent, _ := jsonhttp.DecodeObject(data) // an action's body need not be an object
	w := &Write{Method: http.MethodPost, Key: target, Type: typ, Action: q.segs[len(q.segs)-1], Body: sent}
	if !q.admit(w) {
		return
	}
	result := q.result()
	outcome := "Succeeded"
	if q.op.lro {
		outcome = q.s.lroOutcome(q.r)
	}
	if outcome == "Succeeded" {
		q.applied(w)
	}
	status := http.StatusOK
	if result == nil && q.op.noContent {
		status = http.StatusNoContent
	}
	if !q.op.lro {
		if result == nil {
			q.w.WriteHeader(status)
			return
		}
		jsonhttp.WriteBody(q.w, status, result)
		return
	}
	op := q.startLRO(target, outcome, status, result)
	q.s.setLROHeaders(q.w.Header(), q.base, op, true)
	q.w.WriteHeader(http.StatusAccepted)
}

// admit runs the rules over a write; on a refusal it has answered.
func (q *request) admit(w *Write) bool {
	for _, rule := range q.s.rules {
		err := rule.Admit(q.s.store, w)
		if err == nil {
			continue
		}
		var refusal *Error
		if errors.As(err, &refusal) {
			writeError(q.w, refusal.Status, refusal.Code, "%s", refusal.Message)
		} else {
			writeError(q.w, http.StatusInternalServerError, "InternalServerError", "%v", err)
		}
		return false
	}
	return true
}

// applied tells the rules a write took effect.
func (q *request) applied(w *Write) {
	for _, rule := range q.s.rules {
		rule.Applied(q.s.store, w)
	}
}

// result is the operation's result body, its placeholders filled with the
// resource the request ran on and a GUID drawn from the seed and the
// request's sequence number.
func (q *request) result() []byte {
	if !q.op.templated || len(q.segs) < 2 {
		return q.op.resultBody
	}
	id, name, typ := q.identityOf(len(q.segs) - 1)
	return example.Fill(q.op.resultBody, example.Target{ID: id, Name: name, Type: typ, GUID: seeded.GUID(q.s.cfg.Seed, q.seq, 11)})
}
