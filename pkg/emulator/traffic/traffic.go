// Package traffic is what happens to every request the emulator serves
// before a protocol answers it: numbering, added latency, injected faults
// (throttling, server error bursts, dropped connections), and afterwards
// the counters and the request log.
package traffic

import (
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// Config sets latency and faults. Every choice is drawn from Seed and the
// request's sequence number, so the same seed and request order repeat.
type Config struct {
	// Latency is added to every request, plus up to Jitter more.
	Latency, Jitter time.Duration
	// ThrottleEvery answers every Nth request with 429; ThrottleRate
	// answers that fraction (0..1) of requests with 429.
	ThrottleEvery int
	ThrottleRate  float64
	// FailEvery starts a burst of FailBurst server errors every Nth
	// request; FailStatus is 500 or 503, 0 alternates them.
	FailEvery, FailBurst, FailStatus int
	// DropEvery closes the connection without an answer every Nth request.
	DropEvery int
	// RetryAfter is sent on 429s (and by protocols on their own waits).
	RetryAfter time.Duration
	Seed       int64
	// LogSize is how many recent requests the log keeps.
	LogSize int
}

// Traffic numbers, disrupts and records requests. It is safe for
// concurrent use.
type Traffic struct {
	cfg Config
	seq atomic.Uint64
	rec *recorder
}

// New returns a Traffic for a checked Config.
func New(cfg Config) *Traffic {
	return &Traffic{cfg: cfg, rec: newRecorder(max(cfg.LogSize, 1))}
}

// ErrorWriter writes an error answer in a protocol's own shape.
type ErrorWriter func(w http.ResponseWriter, status int, code, format string, args ...any)

// Call is one request in flight.
type Call struct {
	// Seq numbers the request from 1; it drives faults and seeded values.
	Seq uint64
	// W writes the answer; use it instead of the handler's writer so the
	// status is recorded.
	W http.ResponseWriter
	// Route is the template the request matched, for the counters
	// ("GET /subscriptions/{subscriptionId}/..."); empty when none did.
	Route string

	t     *Traffic
	r     *http.Request
	sw    *statusWriter
	start time.Time
	fault string
}

// Begin numbers a request and counts it in flight; End must follow.
func (t *Traffic) Begin(w http.ResponseWriter, r *http.Request) *Call {
	t.rec.enter()
	sw := &statusWriter{ResponseWriter: w}
	return &Call{Seq: t.seq.Add(1), W: sw, t: t, r: r, sw: sw, start: time.Now()}
}

// Disrupt applies the configured latency, then answers with the fault
// chosen for the request, if any, and reports whether it answered. A
// dropped connection does not return: it aborts the handler.
func (c *Call) Disrupt(writeErr ErrorWriter) bool {
	cfg := &c.t.cfg
	if d := cfg.delayFor(c.Seq); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-c.r.Context().Done():
			t.Stop()
		}
	}
	switch cfg.faultFor(c.Seq) {
	case faultDrop:
		c.fault = "drop"
		c.End()
		// Aborting the handler makes net/http close the connection
		// without writing a response, which is what a dropped
		// connection looks like to the client.
		panic(http.ErrAbortHandler)
	case faultThrottle:
		c.fault = "throttle"
		c.t.SetRetryAfter(c.W.Header())
		writeErr(c.W, http.StatusTooManyRequests, "TooManyRequests", "The request is being throttled (emulator fault injection, request %d). Retry after the Retry-After header's delay.", c.Seq)
		return true
	case faultFail500:
		c.fault = "fail"
		writeErr(c.W, http.StatusInternalServerError, "InternalServerError", "Encountered internal server error (emulator fault injection, request %d). Retry the request.", c.Seq)
		return true
	case faultFail503:
		c.fault = "fail"
		writeErr(c.W, http.StatusServiceUnavailable, "ServiceUnavailable", "The service is temporarily unavailable (emulator fault injection, request %d). Retry the request.", c.Seq)
		return true
	}
	return false
}

// End records the request with its status and duration. Calling it again
// does nothing.
func (c *Call) End() {
	if c.t == nil {
		return
	}
	e := LogEntry{Seq: c.Seq, Time: c.start, Method: c.r.Method, URL: c.r.URL.RequestURI(), Route: c.Route,
		Fault: c.fault, DurationMS: float64(time.Since(c.start).Microseconds()) / 1000}
	if c.fault != "drop" {
		e.Status = c.sw.status
	}
	c.t.rec.leave(e)
	c.t = nil
}

// SetRetryAfter sets Retry-After (whole seconds) and retry-after-ms to the
// configured wait.
func (t *Traffic) SetRetryAfter(h http.Header) {
	d := t.cfg.RetryAfter
	h.Set("Retry-After", strconv.Itoa(int(d/time.Second)))
	h.Set("retry-after-ms", strconv.FormatInt(d.Milliseconds(), 10))
}

// PageServed counts a list page.
func (t *Traffic) PageServed(empty bool) {
	t.rec.pages.Add(1)
	if empty {
		t.rec.emptyPages.Add(1)
	}
}

// LROStarted counts a long-running operation and returns how many have
// started, this one included.
func (t *Traffic) LROStarted() int64 { return t.rec.lrosStarted.Add(1) }

// LROsStarted is how many long-running operations have started.
func (t *Traffic) LROsStarted() int64 { return t.rec.lrosStarted.Load() }

// LROPolled counts a status or result poll.
func (t *Traffic) LROPolled() { t.rec.lroPolls.Add(1) }

// Stats returns a snapshot of the counters.
func (t *Traffic) Stats() Stats { return t.rec.snapshot() }

// Log returns the most recent requests, oldest first.
func (t *Traffic) Log() []LogEntry { return t.rec.log() }

// statusWriter remembers the status code for the log and counters.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}
