package emulator

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// request is one routed ARM request.
type request struct {
	e     *Emulator
	w     http.ResponseWriter
	r     *http.Request
	op    *operation
	segs  []string
	query url.Values
	base  string
	seq   uint64 // the request's sequence number
	key   string // lower-case request path: the store key
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
		if !sub && !rg && !q.op.nodes[i].isItem {
			continue
		}
		if q.e.store.exists(q.prefixKey(i + 1)) {
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
	body, ok := q.e.store.get(q.key)
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
	writeBody(q.w, http.StatusOK, body)
}

func (q *request) list() {
	e := q.e
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
		size = e.opts.PageSize
	}
	n := e.pages.Add(1)
	e.stats.pages.Add(1)
	var (
		bodies [][]byte
		last   string
		more   bool
	)
	if q.op.paged && e.opts.EmptyPageEvery > 0 && n%uint64(e.opts.EmptyPageEvery) == 0 {
		// An empty page that still points on, from where this one began.
		e.stats.emptyPages.Add(1)
		last, more = after, true
	} else {
		bodies, last, more = e.store.page(q.key, after, size)
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
	writeBody(q.w, http.StatusOK, buf.Bytes())
	pageBuffers.Put(buf)
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
	data, err := readAll(q.r.Body)
	if err != nil {
		writeError(q.w, http.StatusBadRequest, "InvalidRequestContent", "The request content could not be read: %v", err)
		return nil, false
	}
	if len(data) > 8<<20 {
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

func decodeObject(data []byte) (map[string]any, error) {
	m := map[string]any{}
	if len(bytes.TrimSpace(data)) == 0 {
		return m, nil
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, errors.New("the body is null; send a JSON object")
	}
	return m, nil
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
	for i, s := range q.op.segments[:n] {
		b.WriteByte('/')
		if s.literal != "" {
			b.WriteString(s.literal)
		} else {
			b.WriteString(q.segs[i])
		}
	}
	id = b.String()
	name = q.segs[n-1]
	start := typeStart(q.segs[:n])
	switch {
	case start > 0 && start < n:
		parts := []string{q.op.segments[start].literal}
		for i := start + 1; i < n; i++ {
			if l := q.op.segments[i].literal; l != "" {
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
	m, err := decodeObject(data)
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
	if strings.ToLower(typ) == backupInstanceType && q.refuseProtectedDatasource(datasourceOf(props), q.key) {
		return
	}
	if props != nil {
		props["provisioningState"] = "Succeeded"
		applyTypeDefaults(typ, props)
	}
	stored, err := json.Marshal(m)
	if err != nil {
		writeError(q.w, http.StatusInternalServerError, "InternalServerError", "encoding the resource failed: %v", err)
		return
	}
	status := http.StatusCreated
	if q.e.store.exists(q.key) {
		status = http.StatusOK
	}
	if !q.op.lro {
		q.e.store.put(q.key, name, stored)
		writeBody(q.w, status, stored)
		return
	}
	outcome := q.e.lroOutcome(q.r)
	if outcome == "Succeeded" {
		q.e.store.put(q.key, name, stored)
	}
	op := q.startLRO(q.key, outcome, http.StatusOK, stored)
	q.e.setLROHeaders(q.w.Header(), q.base, op, false)
	initial := stored
	if props != nil {
		// The first answer shows the operation under way, as ARM does.
		props["provisioningState"] = "Accepted"
		initial, _ = json.Marshal(m)
	}
	writeBody(q.w, status, initial)
}

// startLRO starts a long-running operation changing the resource at target.
func (q *request) startLRO(target, outcome string, resultStatus int, resultBody []byte) *lro {
	e := q.e
	e.stats.lrosStarted.Add(1)
	// Unpolled, an operation settles after the time a client honouring
	// Retry-After would take to see it finish (at least a second a poll).
	step := max(e.opts.RetryAfter, time.Second)
	settles := time.Now().Add(time.Duration(e.opts.LROPolls+1) * step)
	return e.lros.start(q.op.apiVersion, q.r.Method, target, outcome, settles, resultStatus, resultBody)
}

func (q *request) patch() {
	current, ok := q.e.store.get(q.key)
	if !ok {
		q.notFound(len(q.segs))
		return
	}
	data, ok := q.readBody()
	if !ok {
		return
	}
	patch, err := decodeObject(data)
	if err != nil {
		writeError(q.w, http.StatusBadRequest, "InvalidRequestContent", "The request content was invalid and could not be deserialized: %v", err)
		return
	}
	m, err := decodeObject(current)
	if err != nil {
		writeError(q.w, http.StatusInternalServerError, "InternalServerError", "the stored resource is not a JSON object: %v", err)
		return
	}
	mergePatch(m, patch)
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
		q.e.store.update(q.key, updated)
		writeBody(q.w, http.StatusOK, updated)
		return
	}
	outcome := q.e.lroOutcome(q.r)
	if outcome == "Succeeded" {
		q.e.store.update(q.key, updated)
	}
	op := q.startLRO(q.key, outcome, http.StatusOK, updated)
	q.e.setLROHeaders(q.w.Header(), q.base, op, true)
	q.w.WriteHeader(http.StatusAccepted)
}

// mergePatch applies an RFC 7386 JSON merge patch: objects merge, null
// deletes, anything else replaces.
func mergePatch(target, patch map[string]any) {
	for k, v := range patch {
		if v == nil {
			delete(target, k)
			continue
		}
		if pm, ok := v.(map[string]any); ok {
			if tm, ok := target[k].(map[string]any); ok {
				mergePatch(tm, pm)
				continue
			}
		}
		target[k] = v
	}
}

func (q *request) remove() {
	if !q.e.store.exists(q.key) {
		// ARM answers a delete of something already gone with 204.
		q.w.WriteHeader(http.StatusNoContent)
		return
	}
	if q.refuseVaultWithInstances() {
		return
	}
	if !q.op.lro {
		q.e.store.remove(q.key)
		q.w.WriteHeader(http.StatusOK)
		return
	}
	outcome := q.e.lroOutcome(q.r)
	if outcome == "Succeeded" {
		q.e.store.remove(q.key)
	}
	op := q.startLRO(q.key, outcome, http.StatusNoContent, nil)
	q.e.setLROHeaders(q.w.Header(), q.base, op, true)
	q.w.WriteHeader(http.StatusAccepted)
}

func (q *request) action() {
	data, ok := q.readBody()
	if !ok {
		return
	}
	name := q.segs[len(q.segs)-1]
	if strings.EqualFold(name, "validateForBackup") && q.refuseProtectedDatasource(validateForBackupDatasource(data), "") {
		return
	}
	target := q.prefixKey(len(q.segs) - 1)
	result := q.result()
	outcome := "Succeeded"
	if q.op.lro {
		outcome = q.e.lroOutcome(q.r)
	}
	if outcome == "Succeeded" {
		q.e.applyAction(target, name)
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
		writeBody(q.w, status, result)
		return
	}
	op := q.startLRO(target, outcome, status, result)
	q.e.setLROHeaders(q.w.Header(), q.base, op, true)
	q.w.WriteHeader(http.StatusAccepted)
}
