package executor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultPollInterval is the wait between status reads when the API names
// none. ARM's contract says 60 s, but a command-line user waits on it, the
// status reads are cheap, and services that want a slower pace send
// Retry-After, which is always honoured.
const DefaultPollInterval = 5 * time.Second

// maxPollDelay caps one Retry-After between polls at the longest delay
// ARM's contract allows, so a wrong header cannot stall a session for days.
const maxPollDelay = 10 * time.Minute

// LROStatus is a long-running operation's state after a poll.
type LROStatus struct {
	// Call describes the call (Call.Describe).
	Call string
	// Status is the operation's status as the API names it (InProgress,
	// Accepted, Succeeded, ...).
	Status string
	Polls  int
	// PercentComplete is the status monitor's estimate, 0 when it gives none.
	PercentComplete float64
	// URL is the status URL, with credential-like query values redacted.
	URL string
}

// OperationError is a long-running operation that ended Failed or
// Canceled, with the error code and message the service gave.
type OperationError struct {
	Call         string
	Status       string
	Code         string
	Message      string
	OperationURL string
}

func (e *OperationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: the long-running operation ended %s", e.Call, e.Status)
	switch {
	case e.Code != "" && e.Message != "":
		fmt.Fprintf(&b, ": %s: %s", e.Code, e.Message)
	case e.Code != "" || e.Message != "":
		fmt.Fprintf(&b, ": %s%s", e.Code, e.Message)
	default:
		b.WriteString(" without giving a reason")
	}
	if e.OperationURL != "" {
		fmt.Fprintf(&b, " (operation status: %s)", e.OperationURL)
	}
	return b.String()
}

// pollKind is what a long-running operation's status is read from.
type pollKind int

const (
	// pollStatusMonitor reads an Azure-AsyncOperation (or Operation-Location)
	// URL: HTTP 200 with {"status": ..., "error": {...}}.
	pollStatusMonitor pollKind = iota
	// pollLocation reads a Location URL: 202 while running, then the answer
	// the call would have given synchronously.
	pollLocation
	// pollResource reads the resource a PUT or PATCH created:
	// properties.provisioningState.
	pollResource
)

// operation is a long-running operation being followed.
type operation struct {
	call        *Call
	method      string
	originalURL string
	kind        pollKind
	statusURL   string
	// locationURL is the Location header, the final result's address for
	// final-state-via location; "" if none.
	locationURL string
	delay       time.Duration

	// Filled in by each poll.
	status     string
	percent    float64
	lastCode   int
	lastBody   []byte
	polls      int
	resultBody json.RawMessage
}

// startOperation decides from the first answer whether the call is a
// long-running operation still in progress and, if so, how to follow it.
// It returns nil when the answer is already final.
func (c *Call) startOperation(method, requestURL string, resp *http.Response, body []byte) (*operation, error) {
	code := resp.StatusCode
	monitor, monitorHeader := firstHeaderNamed(resp.Header, "Azure-AsyncOperation", "Operation-Location")
	location := resp.Header.Get("Location")
	// Without the document's x-ms-long-running-operation, only a 201 or 202
	// naming a status URL is followed.
	undeclared := c.Method.LRO == nil && (code != http.StatusCreated && code != http.StatusAccepted || monitor == "" && location == "")
	if code == http.StatusNoContent || undeclared {
		return nil, nil
	}
	op := &operation{call: c, method: method, originalURL: requestURL}
	var err error
	if location != "" {
		if op.locationURL, err = sameOrigin(requestURL, location, "Location"); err != nil {
			return nil, err
		}
	}
	isPut := method == http.MethodPut || method == http.MethodPatch
	switch {
	case monitor != "":
		op.kind = pollStatusMonitor
		if op.statusURL, err = sameOrigin(requestURL, monitor, monitorHeader); err != nil {
			return nil, err
		}
	// A PUT's 200/201 Location names the resource, not an operation.
	case op.locationURL != "" && (code == http.StatusAccepted || !isPut):
		op.kind = pollLocation
		op.statusURL = op.locationURL
	case isPut:
		state, present := provisioningState(body)
		if present || len(bytes.TrimSpace(body)) > 0 || code == http.StatusOK {
			if !present {
				state = "Succeeded"
			}
			if done, failed := terminal(state); done {
				if failed {
					return nil, c.operationError(state, body, requestURL)
				}
				return nil, nil
			}
		}
		op.kind = pollResource
		op.statusURL = requestURL
	default:
		// Accepted with nothing to follow: the API gives no way to wait.
		return nil, nil
	}
	return op, nil
}

// wait polls the operation until it ends, then fetches its final body.
func (e *Executor) wait(ctx context.Context, op *operation, progress func(LROStatus)) (*Outcome, error) {
	for {
		if err := sleep(ctx, op.delay); err != nil {
			return nil, err
		}
		op.polls++
		e.polls.Add(1)
		body, resp, err := e.do(ctx, op.call, http.MethodGet, op.statusURL, nil)
		if err != nil {
			if op.kind == pollLocation {
				if failure := op.locationFailure(err); failure != nil {
					return nil, failure
				}
			}
			return nil, fmt.Errorf("%s: reading the long-running operation's status failed: %w", op.call.Describe(), err)
		}
		op.delay = e.pollDelayFor(resp.Header)
		done, err := op.observe(resp, body)
		if progress != nil {
			progress(LROStatus{Call: op.call.Describe(), Status: op.status, Polls: op.polls,
				PercentComplete: op.percent, URL: e.redact(redactURL(op.statusURL))})
		}
		if err != nil {
			return nil, err
		}
		if done {
			break
		}
	}
	code, body, err := e.finalResult(ctx, op)
	if err != nil {
		return nil, err
	}
	return &Outcome{StatusCode: code, Body: body, Polls: op.polls}, nil
}

// observe reads one status answer; done reports a terminal state, and a
// Failed or Canceled one is an *OperationError.
func (op *operation) observe(resp *http.Response, body []byte) (done bool, err error) {
	op.lastCode, op.lastBody = resp.StatusCode, body
	switch op.kind {
	case pollStatusMonitor:
		var monitor struct {
			Status          string          `json:"status"`
			PercentComplete float64         `json:"percentComplete"`
			Result          json.RawMessage `json:"result"`
		}
		err := json.Unmarshal(body, &monitor)
		// Some services answer 202 with no body while the operation runs.
		if resp.StatusCode == http.StatusAccepted && monitor.Status == "" {
			op.status = "InProgress"
			return false, nil
		}
		if err != nil || monitor.Status == "" {
			return false, fmt.Errorf("%s: the operation status at %s has no status field (HTTP %d: %.200s); the service answered outside ARM's protocol",
				op.call.Describe(), redactURL(op.statusURL), resp.StatusCode, body)
		}
		op.status, op.percent, op.resultBody = monitor.Status, monitor.PercentComplete, monitor.Result
	case pollLocation:
		if resp.StatusCode == http.StatusAccepted {
			op.status = "InProgress"
			if next := resp.Header.Get("Location"); next != "" {
				moved, err := sameOrigin(op.statusURL, next, "Location")
				if err != nil {
					return false, err
				}
				op.statusURL, op.locationURL = moved, moved
			}
			return false, nil
		}
		op.status = "Succeeded"
		if state, ok := provisioningState(body); ok {
			if _, failed := terminal(state); failed {
				op.status = state
			}
		}
	case pollResource:
		op.status = "Succeeded"
		if state, ok := provisioningState(body); ok {
			op.status = state
		}
	}
	done, failed := terminal(op.status)
	if failed {
		return true, op.call.operationError(op.status, body, op.statusURL)
	}
	return done, nil
}

// locationFailure turns a final error answer on a Location URL into the
// operation's failure: that URL answers what the call would have answered,
// so a 4xx there is the operation's own error, not a failed status read.
func (op *operation) locationFailure(err error) *OperationError {
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode >= 500 {
		return nil
	}
	return &OperationError{Call: op.call.Describe(), Status: "Failed", Code: apiErr.Code,
		Message: fmt.Sprintf("%s (HTTP %d)", apiErr.Message, apiErr.StatusCode), OperationURL: redactURL(op.statusURL)}
}

// finalResult fetches the operation's result as its final-state-via says:
// azure-async-operation takes the status monitor's result, location the
// Location URL's answer, original-uri the resource. DELETE has no result.
func (e *Executor) finalResult(ctx context.Context, op *operation) (int, []byte, error) {
	if op.method == http.MethodDelete {
		return op.lastCode, nil, nil
	}
	if op.kind == pollResource {
		return op.lastCode, op.lastBody, nil
	}
	switch op.finalStateVia() {
	case "original-uri":
		return e.finalGet(ctx, op, op.originalURL)
	case "location":
		if op.kind == pollLocation {
			return op.lastCode, op.lastBody, nil
		}
		if op.locationURL != "" {
			return e.finalGet(ctx, op, op.locationURL)
		}
	}
	if len(op.resultBody) > 0 && string(op.resultBody) != "null" {
		return op.lastCode, op.resultBody, nil
	}
	if op.method == http.MethodPut || op.method == http.MethodPatch {
		return e.finalGet(ctx, op, op.originalURL)
	}
	// A POST whose status monitor carries no result field: the monitor
	// itself is all the service says about the outcome.
	return op.lastCode, op.lastBody, nil
}

func (e *Executor) finalGet(ctx context.Context, op *operation, target string) (int, []byte, error) {
	body, resp, err := e.do(ctx, op.call, http.MethodGet, target, nil)
	if err != nil {
		return 0, nil, fmt.Errorf("%s: the operation succeeded, but reading its result failed: %w", op.call.Describe(), err)
	}
	return resp.StatusCode, body, nil
}

// finalStateVia is the document's final-state-via, or the protocol's
// default: the resource for PUT and PATCH, the Location URL for POST when
// there is one, else the status monitor.
func (op *operation) finalStateVia() string {
	if lro := op.call.Method.LRO; lro != nil && lro.FinalStateVia != "" {
		return strings.ToLower(lro.FinalStateVia)
	}
	switch {
	case op.method == http.MethodPut || op.method == http.MethodPatch:
		return "original-uri"
	case op.locationURL != "":
		return "location"
	}
	return "azure-async-operation"
}

// operationError builds the error for a Failed or Canceled state, with the
// error the body carries (top-level "error", or "properties.error" on a
// resource).
func (c *Call) operationError(state string, body []byte, statusURL string) *OperationError {
	var doc struct {
		Error      *errorDetail `json:"error"`
		Properties struct {
			Error *errorDetail `json:"error"`
		} `json:"properties"`
	}
	_ = json.Unmarshal(body, &doc)
	detail := doc.Error
	if detail == nil {
		detail = doc.Properties.Error
	}
	oe := &OperationError{Call: c.Describe(), Status: state, OperationURL: redactURL(statusURL)}
	if detail != nil {
		oe.Code, oe.Message = detail.Code, detail.Message
	}
	return oe
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// terminal classifies an operation status, case-insensitively, accepting
// the British "Cancelled" some services send.
func terminal(status string) (done, failed bool) {
	switch strings.ToLower(status) {
	case "succeeded":
		return true, false
	case "failed", "canceled", "cancelled":
		return true, true
	}
	return false, false
}

// provisioningState reads properties.provisioningState from a resource body.
func provisioningState(body []byte) (string, bool) {
	var doc struct {
		Properties struct {
			ProvisioningState string `json:"provisioningState"`
		} `json:"properties"`
	}
	if json.Unmarshal(body, &doc) != nil || doc.Properties.ProvisioningState == "" {
		return "", false
	}
	return doc.Properties.ProvisioningState, true
}

// pollDelayFor is the wait before the next poll: the API's Retry-After
// (capped at maxPollDelay) or the executor's poll interval.
func (e *Executor) pollDelayFor(h http.Header) time.Duration {
	if d, ok := retryAfter(h, time.Now()); ok {
		return min(d, maxPollDelay)
	}
	return e.pollDelay
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// sameOrigin resolves a URL the API handed back (a status or next-page
// link) against the request's URL and refuses one on another scheme or
// host, so the call's credentials are never sent elsewhere.
func sameOrigin(current, link, what string) (string, error) {
	cur, err := url.Parse(current)
	if err != nil {
		return "", err
	}
	next, err := cur.Parse(link)
	if err != nil {
		return "", fmt.Errorf("%s %q is not a URL: %v", what, redactURL(link), err)
	}
	if origin(next) != origin(cur) {
		return "", fmt.Errorf("%s points to %s://%s, not the API's %s://%s; refusing to send credentials there",
			what, next.Scheme, next.Host, cur.Scheme, cur.Host)
	}
	return next.String(), nil
}

// firstHeaderNamed returns the first of the headers that is set, and its name.
func firstHeaderNamed(h http.Header, names ...string) (value, name string) {
	for _, n := range names {
		if v := h.Get(n); v != "" {
			return v, n
		}
	}
	return "", ""
}
