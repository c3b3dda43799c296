package executor

import (
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"
)

// RetryPolicy bounds how often and how long the executor retries.
type RetryPolicy struct {
	// MaxAttempts counts the first try; 1 disables retries.
	MaxAttempts int
	// BaseDelay and MaxDelay bound exponential backoff when the API gives
	// no Retry-After.
	BaseDelay time.Duration
	MaxDelay  time.Duration
	// MaxRetryAfter caps how long one Retry-After may make us wait; a
	// longer demand fails the call with the API's error instead of hanging.
	MaxRetryAfter time.Duration
}

// DefaultRetryPolicy is generous enough for ARM's throttling (its
// Retry-After values are seconds to a minute).
var DefaultRetryPolicy = RetryPolicy{MaxAttempts: 8, BaseDelay: 250 * time.Millisecond, MaxDelay: 20 * time.Second, MaxRetryAfter: 2 * time.Minute}

// retryableStatus reports whether an HTTP answer may be retried, by verb:
// reads on throttling and server errors; PUT and DELETE (idempotent in ARM)
// only when the API asked for it with 429/503 and Retry-After; POST never,
// since an action may already have started.
func retryableStatus(method string, status int, hasRetryAfter bool) bool {
	switch method {
	case http.MethodGet, http.MethodHead:
		switch status {
		case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError,
			http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return true
		}
	case http.MethodPut, http.MethodDelete:
		return hasRetryAfter && (status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable)
	}
	return false
}

// retryableMethod reports whether a request may be sent again after its
// answer was lost: reads only.
func retryableMethod(method string) bool {
	return method == http.MethodGet || method == http.MethodHead
}

// retryableError reports whether a transport error is worth another try
// (for reads only): timeouts, resets, refused connections and early EOFs.
// The caller has already ruled out its own context ending.
func retryableError(method string, err error) bool {
	var tooLarge *ResponseTooLargeError
	if !retryableMethod(method) || errors.As(err, &tooLarge) {
		return false
	}
	var netErr net.Error
	return errors.As(err, &netErr) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED)
}

// retryAfter reads the delay an API asks for: retry-after-ms,
// x-ms-retry-after-ms, then Retry-After in seconds or as an HTTP date.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	for _, name := range []string{"retry-after-ms", "x-ms-retry-after-ms"} {
		if v := h.Get(name); v != "" {
			if ms, err := strconv.ParseFloat(v, 64); err == nil && ms >= 0 {
				return time.Duration(ms * float64(time.Millisecond)), true
			}
		}
	}
	v := h.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil && secs >= 0 {
		return time.Duration(secs * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// backoff is the wait before retry number attempt (1-based) when the API
// named none: exponential with full jitter, so that concurrent workers
// throttled together do not retry together.
func (p RetryPolicy) backoff(attempt int) time.Duration {
	d := p.BaseDelay << min(attempt-1, 16)
	if d > p.MaxDelay || d <= 0 {
		d = p.MaxDelay
	}
	return d/2 + rand.N(d/2+1)
}
