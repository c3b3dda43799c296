package executor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/buger/jsonparser"
)

// Sink receives the items of each page as they arrive. Fetch calls it from
// several goroutines at once. Items are raw JSON values, valid only until
// Items returns: the page's memory is then reused for another page, so a
// sink that keeps an item copies it.
type Sink interface {
	Items(call int, items [][]byte) error
}

// SinkFunc adapts a function to Sink.
type SinkFunc func(call int, items [][]byte) error

// Items calls f.
func (f SinkFunc) Items(call int, items [][]byte) error { return f(call, items) }

// Executor sends calls. Its zero value is not usable; use New.
type Executor struct {
	client      *http.Client
	concurrency int
	retry       RetryPolicy
	limits      Limits
	secrets     Redactor
	progress    func(Progress)
	pollDelay   time.Duration

	requests atomic.Int64
	retries  atomic.Int64
	polls    atomic.Int64
}

// Options configure an Executor.
type Options struct {
	// Client sends requests; its Transport is the seam tests and the
	// sandbox use (default DefaultClient()). Its CheckRedirect is replaced:
	// redirects are followed only to the request's own scheme, host and port.
	Client *http.Client
	// Concurrency bounds the calls in flight (default 8).
	Concurrency int
	Retry       RetryPolicy
	// Limits bound sizes, waits and pages; zero fields take DefaultLimits.
	Limits Limits
	// Secrets hides credential values in the errors and progress the
	// executor reports (pkg/auth's Sources knows them); nil hides only
	// query values named like credentials.
	Secrets Redactor
	// Progress, when set, is told after every page and finished call.
	Progress func(Progress)
	// PollInterval is the wait between polls of a long-running operation
	// when the API sends no Retry-After (default DefaultPollInterval).
	PollInterval time.Duration
}

// Progress is a snapshot for a progress line.
type Progress struct {
	CallsDone, CallsTotal int
	Pages, Items          int64
}

// New returns an Executor.
func New(opts Options) *Executor {
	e := &Executor{concurrency: opts.Concurrency, retry: opts.Retry, limits: opts.Limits.withDefaults(),
		secrets: opts.Secrets, progress: opts.Progress, pollDelay: opts.PollInterval}
	if e.pollDelay <= 0 {
		e.pollDelay = DefaultPollInterval
	}
	client := opts.Client
	if client == nil {
		client = DefaultClient()
	}
	own := *client
	own.CheckRedirect = sameOriginRedirect
	e.client = &own
	if e.concurrency < 1 {
		e.concurrency = 8
	}
	if e.retry.MaxAttempts < 1 {
		e.retry = DefaultRetryPolicy
	}
	return e
}

// DefaultClient is an HTTP client whose connection pool matches the
// executor's concurrency. The executor itself bounds how long a response
// may take (Limits), whatever the client.
func DefaultClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	return &http.Client{Transport: t}
}

// Stats counts what the executor sent.
type Stats struct {
	Requests int64
	Retries  int64
	// Polls counts status reads of long-running operations (also in Requests).
	Polls int64
}

// Stats returns counters since New.
func (e *Executor) Stats() Stats {
	return Stats{Requests: e.requests.Load(), Retries: e.retries.Load(), Polls: e.polls.Load()}
}

// Result is the outcome of one call.
type Result struct {
	Call   *Call
	Pages  int
	Items  int
	Capped bool // stopped at Limits.MaxPages with more pages left
	Err    error
}

// Fetch runs the calls, at most Concurrency at a time, following each to
// its last page and handing items to sink. It returns one Result per call,
// in the calls' order; a failed call does not stop the others.
func (e *Executor) Fetch(ctx context.Context, calls []*Call, sink Sink) []Result {
	results := make([]Result, len(calls))
	var (
		wg         sync.WaitGroup
		next       atomic.Int64
		done       atomic.Int64
		pages, cnt atomic.Int64
	)
	report := func() {
		if e.progress != nil {
			e.progress(Progress{CallsDone: int(done.Load()), CallsTotal: len(calls), Pages: pages.Load(), Items: cnt.Load()})
		}
	}
	workers := min(e.concurrency, len(calls))
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(calls) {
					return
				}
				results[i] = e.fetchCall(ctx, i, calls[i], sink, func(items int) {
					pages.Add(1)
					cnt.Add(int64(items))
					report()
				})
				results[i].Err = e.redactError(results[i].Err)
				done.Add(1)
				report()
			}
		}()
	}
	wg.Wait()
	return results
}

func (e *Executor) fetchCall(ctx context.Context, index int, call *Call, sink Sink, onPage func(int)) Result {
	res := Result{Call: call}
	next, err := call.URL()
	if err != nil {
		res.Err = err
		return res
	}
	sameLink := 0
	// visited maps each page link requested to its page number: a link
	// that comes back is a loop (A, B, A, ...), however long its period.
	visited := map[string]int{next: 1}
	var cursor pageCursor
	seed := maphash.MakeSeed()
	var previous uint64
	previousHadRows := false
	byPageNumber := call.Method.Pagination != nil && call.Method.Pagination.ByPageNumber()
	for next != "" {
		if res.Pages >= e.limits.MaxPages {
			res.Capped = true
			return res
		}
		raw, resp, err := e.do(ctx, call, call.Method.HTTPMethod, next, call.Body)
		if err != nil {
			res.Err = err
			return res
		}
		body := raw
		// A page-number list whose API cannot tell the last page (a mock, a
		// server ignoring the page parameter) serves the same page of rows
		// again: that repeat ends the list, and its rows are not taken twice.
		// Where the API gives the next link itself, a repeat is a loop, which
		// the visited links below report; a repeated empty page is bounded by
		// the same-link rule.
		if byPageNumber {
			// Only these lists can end this way: a hash of each page
			// (160 KiB of ARM's) is not worth taking for the others.
			sum := maphash.Bytes(seed, body)
			if res.Pages > 0 && sum == previous && previousHadRows {
				return res
			}
			previous = sum
		}
		body, err = call.pageBody(body)
		if err != nil {
			res.Err = fmt.Errorf("page %d of %s: %w", res.Pages+1, call.Describe(), err)
			return res
		}
		items, nextURL, err := call.parsePage(body, next)
		if err == nil && nextURL == "" {
			nextURL, err = call.nextAfterPage(next, resp.Header, body, len(items), &cursor)
		}
		if err != nil {
			res.Err = fmt.Errorf("page %d of %s: %w", res.Pages+1, call.Describe(), err)
			return res
		}
		res.Pages++
		res.Items += len(items)
		previousHadRows = len(items) > 0
		if len(items) > 0 {
			if err := sink.Items(index, items); err != nil {
				res.Err = err
				return res
			}
		}
		releaseBody(raw)
		onPage(len(items))
		if nextURL == "" {
			break
		}
		// An empty page may point at the same position again (the server
		// had nothing ready); a full page that does, a run of empty ones,
		// or a link to any earlier page would never end.
		if nextURL == next && len(items) == 0 && sameLink < maxSameLink {
			sameLink++
		} else if page, seen := visited[nextURL]; seen {
			res.Err = fmt.Errorf("page %d of %s links back to page %d (%s): the API's paging loops; stopping",
				res.Pages, call.Describe(), page, redactURL(nextURL))
			return res
		} else {
			sameLink = 0
			visited[nextURL] = res.Pages + 1
		}
		next = nextURL
	}
	return res
}

// maxSameLink is how many empty pages in a row may repeat their link.
const maxSameLink = 3

// do sends one request, retrying as the policy allows, and returns the body
// of a 2xx answer (or an *APIError).
func (e *Executor) do(ctx context.Context, call *Call, method, rawURL string, body []byte) ([]byte, *http.Response, error) {
	timeouts := 0
	for attempt := 1; ; attempt++ {
		resp, data, err := e.exchange(ctx, call, method, rawURL, body)
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		var wait time.Duration
		var timeout *TimeoutError
		switch {
		case errors.As(err, &timeout):
			timeouts++
			if timeouts >= maxTimeouts || attempt >= e.retry.MaxAttempts || !retryableMethod(method) {
				return nil, nil, fmt.Errorf("%s %s: %w (attempt %d)", method, redactURL(rawURL), err, attempt)
			}
			wait = e.retry.backoff(attempt)
		case err != nil:
			if !retryableError(method, err) || attempt >= e.retry.MaxAttempts {
				return nil, nil, fmt.Errorf("%s %s: %w", method, redactURL(rawURL), err)
			}
			wait = e.retry.backoff(attempt)
		case resp.StatusCode >= 200 && resp.StatusCode < 300:
			return data, resp, nil
		default:
			after, hasAfter := retryAfter(resp.Header, time.Now())
			apiErr := newAPIError(resp, data)
			if !retryableStatus(method, resp.StatusCode, hasAfter) || attempt >= e.retry.MaxAttempts {
				if attempt > 1 {
					return nil, resp, fmt.Errorf("%w (gave up after %d attempts)", apiErr, attempt)
				}
				return nil, resp, apiErr
			}
			if hasAfter && after > e.retry.MaxRetryAfter {
				return nil, resp, fmt.Errorf("%w (the API asked to wait %s, longer than skyql waits)", apiErr, after)
			}
			wait = after
			if !hasAfter {
				wait = e.retry.backoff(attempt)
			}
		}
		e.retries.Add(1)
		if err := sleep(ctx, wait); err != nil {
			return nil, nil, err
		}
	}
}

// exchange sends one request and reads its whole answer within the
// executor's limits. A refused redirect, a timeout or an oversized body is
// an error; no part of such an answer is returned.
func (e *Executor) exchange(ctx context.Context, call *Call, method, rawURL string, body []byte) (*http.Response, []byte, error) {
	x := e.limits.startExchange(ctx)
	defer x.end()
	req, err := call.newRequest(x.ctx, method, rawURL, body)
	if err != nil {
		return nil, nil, err
	}
	e.requests.Add(1)
	resp, err := e.client.Do(req)
	if err != nil {
		var redirect *RedirectError
		if errors.As(err, &redirect) {
			return nil, nil, redirect
		}
		return nil, nil, x.timeoutOr(err)
	}
	defer resp.Body.Close()
	data, err := x.readBody(resp)
	if err != nil {
		return nil, nil, err
	}
	return resp, data, nil
}

// parsePage pulls the rows (objectKey) and the next page's URL out of a
// response body without decoding the rows themselves. The rows and the
// token are found in one pass over the body, then the rows are split.
func (c *Call) parsePage(body []byte, current string) (items [][]byte, next string, err error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, "", nil
	}
	var tokenPath []string
	if p := c.Method.Pagination; p != nil && (p.ResponseTokenLocation == "body" || p.ResponseTokenLocation == "") {
		tokenPath = objectKeyPath(p.ResponseTokenKey) // "nextLink", "links.pages.next" or "$.links.pages.next"
	}
	items, token, err := splitRows(body, c.Method.Response.ObjectKey, tokenPath)
	if err != nil {
		return nil, "", err
	}
	if token != "" {
		next, err = c.nextURL(current, token)
		if err != nil {
			return nil, "", err
		}
	}
	return items, next, nil
}

// splitRows returns the items at objectKey (the whole body when empty) and
// the string at tokenPath (none when nil), by splitPage where the page has
// its shape and by jsonparser otherwise.
func splitRows(body []byte, objectKey string, tokenPath []string) (items [][]byte, token string, err error) {
	rowsPath := objectKeyPath(objectKey)
	if len(rowsPath) == 1 && len(tokenPath) <= 1 {
		tokenKey := ""
		if len(tokenPath) == 1 {
			tokenKey = tokenPath[0]
		}
		if items, token, ok := splitPage(body, rowsPath[0], tokenKey); ok {
			return items, token, nil
		}
	}
	return jsonRows(body, objectKey, tokenPath)
}

// jsonRows is splitRows through jsonparser, for a page of any shape.
func jsonRows(body []byte, objectKey string, tokenPath []string) (items [][]byte, token string, err error) {
	value, dataType, token, err := rowsAndToken(body, objectKeyPath(objectKey), tokenPath)
	if errors.Is(err, jsonparser.KeyPathNotFoundError) {
		return nil, "", fmt.Errorf("the response has no %s", objectKey)
	}
	if err != nil {
		return nil, "", fmt.Errorf("the response is not valid JSON: %v", err)
	}
	switch dataType {
	case jsonparser.Array:
		var perr error
		_, err = jsonparser.ArrayEach(value, func(item []byte, _ jsonparser.ValueType, _ int, err error) {
			if err != nil {
				perr = err
				return
			}
			items = append(items, item)
		})
		if err == nil {
			err = perr
		}
		if err != nil {
			return nil, "", fmt.Errorf("reading the rows: %v", err)
		}
	case jsonparser.Object:
		items = [][]byte{value}
	case jsonparser.Null:
	default:
		return nil, "", fmt.Errorf("%s is a %s, not rows", objectKey, dataType)
	}
	return items, token, nil
}

// rowsAndToken finds the value at rowsPath (the whole body when empty)
// and the string at tokenPath (none when nil). A token that is missing or
// not a string means there is no next page.
func rowsAndToken(body []byte, rowsPath, tokenPath []string) (rows []byte, rowsType jsonparser.ValueType, token string, err error) {
	if len(rowsPath) == 0 || tokenPath == nil {
		if rows, rowsType, _, err = jsonparser.Get(body, rowsPath...); err != nil {
			return nil, rowsType, "", err
		}
		if tokenPath != nil {
			token, _ = jsonparser.GetString(body, tokenPath...)
		}
		return rows, rowsType, token, nil
	}
	rowsType = jsonparser.NotExist
	jsonparser.EachKey(body, func(i int, value []byte, vt jsonparser.ValueType, err error) {
		if err != nil {
			return
		}
		switch i {
		case 0:
			rows, rowsType = value, vt
		case 1:
			if vt == jsonparser.String {
				token, _ = jsonparser.ParseString(value)
			}
		}
	}, rowsPath, tokenPath)
	if rowsType == jsonparser.NotExist {
		// Not found in the pass: Get tells a missing key from broken JSON.
		if _, _, _, err = jsonparser.Get(body, rowsPath...); err == nil {
			err = jsonparser.KeyPathNotFoundError
		}
		return nil, rowsType, "", err
	}
	return rows, rowsType, token, nil
}

// objectKeyPath splits a body key, dotted or JSONPath ("$.a.b", "$.value[*]"),
// into the keys jsonparser walks.
func objectKeyPath(objectKey string) []string {
	key := strings.TrimPrefix(strings.TrimPrefix(objectKey, "$"), ".")
	if key == "" {
		return nil
	}
	var parts []string
	for _, p := range strings.Split(key, ".") {
		if p = strings.TrimSuffix(p, "[*]"); p != "" { // "$[*]" is the body itself
			parts = append(parts, p)
		}
	}
	return parts
}

// nextURL turns a response token into the next request's URL. A nextLink
// (the token is the URL) must stay on the call's host, so credentials are
// never sent elsewhere; other tokens go into a query parameter.
func (c *Call) nextURL(current, token string) (string, error) {
	p := c.Method.Pagination
	cur, err := url.Parse(current)
	if err != nil {
		return "", err
	}
	if p.NextIsURL() {
		return sameOrigin(current, token, "next-page link")
	}
	q := cur.Query()
	q.Set(p.RequestTokenKey, token)
	cur.RawQuery = q.Encode()
	return cur.String(), nil
}
