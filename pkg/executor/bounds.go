package executor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Limits bound what one API can make the executor do: how much it reads,
// how long it waits and how many pages it follows. The defaults leave real
// Azure ample room (ARM pages are at most a few MiB and answer within
// seconds) while a hostile or broken server ends in bounded time.
type Limits struct {
	// MaxResponseBytes caps one response body: a page, a status or an error.
	MaxResponseBytes int64
	// HeaderTimeout is how long a request may wait for the response headers.
	HeaderTimeout time.Duration
	// IdleTimeout is how long a response body may send nothing.
	IdleTimeout time.Duration
	// ResponseTimeout bounds one whole exchange: request, headers and body.
	ResponseTimeout time.Duration
	// MaxPages caps the pages one call follows; a call that reaches it
	// with pages left says so in its Result (Capped).
	MaxPages int
}

// DefaultLimits are the limits of an Executor whose Options set none.
var DefaultLimits = Limits{
	MaxResponseBytes: 256 << 20,
	HeaderTimeout:    60 * time.Second,
	IdleTimeout:      60 * time.Second,
	ResponseTimeout:  5 * time.Minute,
	MaxPages:         10000,
}

// withDefaults fills the limits left zero from DefaultLimits.
func (l Limits) withDefaults() Limits {
	if l.MaxResponseBytes <= 0 {
		l.MaxResponseBytes = DefaultLimits.MaxResponseBytes
	}
	if l.HeaderTimeout <= 0 {
		l.HeaderTimeout = DefaultLimits.HeaderTimeout
	}
	if l.IdleTimeout <= 0 {
		l.IdleTimeout = DefaultLimits.IdleTimeout
	}
	if l.ResponseTimeout <= 0 {
		l.ResponseTimeout = DefaultLimits.ResponseTimeout
	}
	if l.MaxPages <= 0 {
		l.MaxPages = DefaultLimits.MaxPages
	}
	return l
}

// maxTimeouts is how many timed-out attempts end a request: one may be a
// dropped connection worth another try, a second is a server that does not
// answer, and retrying it further would multiply the wait.
const maxTimeouts = 2

// TimeoutError is an exchange that outlasted one of the Limits.
type TimeoutError struct {
	// What did not happen in time, e.g. "no response headers".
	What  string
	Limit time.Duration
	// Setting names the flag that changes the limit.
	Setting string
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("%s within %s (%s changes the limit)", e.What, e.Limit, e.Setting)
}

// ResponseTooLargeError is a response body over Limits.MaxResponseBytes.
type ResponseTooLargeError struct {
	Limit int64
}

func (e *ResponseTooLargeError) Error() string {
	return fmt.Sprintf("the response is larger than %s, the most skyql reads of one response (--max-response-size changes the limit)", formatBytes(e.Limit))
}

// RedirectError is a redirect to another scheme, host or port, which the
// executor refuses: the request carries the API's credentials, and they go
// nowhere but the API's own server.
type RedirectError struct {
	From, To string
}

func (e *RedirectError) Error() string {
	return fmt.Sprintf("the API redirected to %s, not its own server %s; skyql sends credentials only to the API's scheme, host and port, so it refused (point --endpoint at the server that answers)", e.To, e.From)
}

// maxRedirects bounds a chain of same-origin redirects, as net/http's
// default policy does.
const maxRedirects = 10

// sameOriginRedirect is the executor's http.Client CheckRedirect: it
// follows a redirect only to the origin of the first request.
func sameOriginRedirect(req *http.Request, via []*http.Request) error {
	first := via[0].URL
	if origin(req.URL) != origin(first) {
		return &RedirectError{From: origin(first), To: req.URL.String()}
	}
	if len(via) >= maxRedirects {
		return fmt.Errorf("stopped after %d redirects", maxRedirects)
	}
	return nil
}

// origin is a URL's scheme, host and port, with the scheme's default port
// made explicit so that https://h and https://h:443 are one origin.
func origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		switch scheme {
		case "https":
			port = "443"
		case "http":
			port = "80"
		}
	}
	return scheme + "://" + strings.ToLower(u.Hostname()) + ":" + port
}

// exchange holds one request's deadlines: headers within HeaderTimeout,
// then no body read idle longer than IdleTimeout, the whole within
// ResponseTimeout. They cancel the request's context with a *TimeoutError
// as the cause.
type exchange struct {
	ctx       context.Context
	cancel    context.CancelCauseFunc
	stopTotal context.CancelFunc
	timer     *time.Timer
	limits    Limits
}

func (l Limits) startExchange(parent context.Context) *exchange {
	total, stopTotal := context.WithTimeoutCause(parent, l.ResponseTimeout,
		&TimeoutError{What: "the response did not complete", Limit: l.ResponseTimeout, Setting: "--response-timeout"})
	ctx, cancel := context.WithCancelCause(total)
	timeout := &TimeoutError{What: "no response headers", Limit: l.HeaderTimeout, Setting: "--header-timeout"}
	x := &exchange{ctx: ctx, cancel: cancel, stopTotal: stopTotal, limits: l}
	x.timer = time.AfterFunc(l.HeaderTimeout, func() { cancel(timeout) })
	return x
}

// readBody reads a whole response body, at most MaxResponseBytes, ending
// the exchange if the body goes quiet for IdleTimeout.
func (x *exchange) readBody(resp *http.Response) ([]byte, error) {
	limit := x.limits.MaxResponseBytes
	if resp.ContentLength > limit {
		return nil, &ResponseTooLargeError{Limit: limit}
	}
	idle := &TimeoutError{What: "the response body sent nothing", Limit: x.limits.IdleTimeout, Setting: "--body-idle-timeout"}
	x.timer.Stop()
	x.timer = time.AfterFunc(x.limits.IdleTimeout, func() { x.cancel(idle) })
	body := &idleReader{r: resp.Body, timer: x.timer, idle: x.limits.IdleTimeout}
	data, err := readAtMost(body, resp.ContentLength, limit)
	if err != nil {
		return nil, x.timeoutOr(err)
	}
	return data, nil
}

// readAtMost reads r to its end, failing past limit bytes. With a known
// length (ARM sends Content-Length) it allocates once, instead of growing
// and copying a buffer through a page's hundred-odd KiB.
func readAtMost(r io.Reader, length, limit int64) ([]byte, error) {
	if length > 0 && length <= maxPreallocatedBody {
		data := bodyBuffer(int(length))
		if _, err := io.ReadFull(r, data); err != nil {
			return nil, err
		}
		return data, nil
	}
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, &ResponseTooLargeError{Limit: limit}
	}
	return data, nil
}

// bodyBuffers holds the buffers of page bodies fetchCall is done with, for
// the next pages to be read into: a fan-out reads hundreds of pages of
// about one size, and allocating each anew made the garbage collector the
// largest cost after SQLite (100 MB of bodies for 60,000 rows).
var bodyBuffers sync.Pool // of *[]byte

// bodyBuffer returns a buffer of n bytes, recycled when one large enough
// is free.
func bodyBuffer(n int) []byte {
	if b, ok := bodyBuffers.Get().(*[]byte); ok && cap(*b) >= n {
		return (*b)[:n]
	}
	return make([]byte, n, n+n/8) // the next pages are about as large
}

// releaseBody hands back a body read by readAtMost once nothing refers to
// its bytes any more.
func releaseBody(b []byte) {
	b = b[:0]
	bodyBuffers.Put(&b)
}

// maxPreallocatedBody bounds what a Content-Length header alone can make
// the executor allocate.
const maxPreallocatedBody = 64 << 20

// timeoutOr returns the deadline that ended the exchange, or err when
// none did (the caller's own context ending is reported by the caller).
func (x *exchange) timeoutOr(err error) error {
	var timeout *TimeoutError
	if errors.As(context.Cause(x.ctx), &timeout) {
		return timeout
	}
	return err
}

// end releases the exchange's timers.
func (x *exchange) end() {
	x.timer.Stop()
	x.cancel(nil)
	x.stopTotal()
}

// idleReader pushes the idle deadline back whenever the body delivers.
type idleReader struct {
	r     io.Reader
	timer *time.Timer
	idle  time.Duration
}

func (r *idleReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if n > 0 {
		r.timer.Reset(r.idle)
	}
	return n, err
}

// formatBytes writes a size in the largest binary unit that divides it.
func formatBytes(n int64) string {
	for _, u := range []struct {
		name string
		size int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.size && n%u.size == 0 {
			return fmt.Sprintf("%d %s", n/u.size, u.name)
		}
	}
	return fmt.Sprintf("%d bytes", n)
}
