package traffic

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Stats are the emulator's counters since it was built.
type Stats struct {
	Requests    int64            `json:"requests"`
	InFlight    int64            `json:"inFlight"`
	MaxInFlight int64            `json:"maxInFlight"`
	ByRoute     map[string]int64 `json:"byRoute"`  // "GET /subscriptions/{subscriptionId}/..." -> requests
	ByStatus    map[string]int64 `json:"byStatus"` // "200" -> responses
	Pages       int64            `json:"pages"`    // list pages served, empty ones included
	EmptyPages  int64            `json:"emptyPages"`
	LROsStarted int64            `json:"lrosStarted"`
	LROPolls    int64            `json:"lroPolls"` // status and result URL requests
	Throttled   int64            `json:"throttled"`
	Failed      int64            `json:"failed"` // injected 500/503
	Dropped     int64            `json:"dropped"`
}

// LogEntry is one request in the request log.
type LogEntry struct {
	Seq        uint64    `json:"seq"`
	Time       time.Time `json:"time"`
	Method     string    `json:"method"`
	URL        string    `json:"url"`
	Route      string    `json:"route,omitempty"`
	Status     int       `json:"status"` // 0 for a dropped connection
	DurationMS float64   `json:"durationMs"`
	Fault      string    `json:"fault,omitempty"` // "throttle", "fail", "drop"
}

type recorder struct {
	inFlight, maxInFlight                    atomic.Int64
	pages, emptyPages, lrosStarted, lroPolls atomic.Int64
	throttled, failed, dropped               atomic.Int64

	mu       sync.Mutex
	requests int64
	byRoute  map[string]int64
	byStatus map[int]int64
	ring     []LogEntry
	next     int // ring index the next entry goes to
	full     bool
}

func newRecorder(logSize int) *recorder {
	return &recorder{byRoute: map[string]int64{}, byStatus: map[int]int64{}, ring: make([]LogEntry, logSize)}
}

func (r *recorder) enter() {
	n := r.inFlight.Add(1)
	for {
		m := r.maxInFlight.Load()
		if n <= m || r.maxInFlight.CompareAndSwap(m, n) {
			return
		}
	}
}

func (r *recorder) leave(e LogEntry) {
	r.inFlight.Add(-1)
	switch e.Fault {
	case "throttle":
		r.throttled.Add(1)
	case "fail":
		r.failed.Add(1)
	case "drop":
		r.dropped.Add(1)
	}
	route := e.Route
	if route == "" {
		route = e.Method + " (no route)"
	}
	r.mu.Lock()
	r.requests++
	r.byRoute[route]++
	r.byStatus[e.Status]++
	r.ring[r.next] = e
	r.next++
	if r.next == len(r.ring) {
		r.next, r.full = 0, true
	}
	r.mu.Unlock()
}

// settle waits, briefly, for the requests in flight to end. A client has
// its whole answer a moment before the handler that wrote it returns and
// counts it (a large body goes out while the handler still writes), so a
// snapshot taken right after a client's last answer would miss it. Under
// steady traffic it gives up after settleFor and reports what it has.
func (r *recorder) settle() {
	deadline := time.Now().Add(settleFor)
	for r.inFlight.Load() > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Microsecond)
	}
}

const settleFor = 200 * time.Millisecond

func (r *recorder) snapshot() Stats {
	r.settle()
	s := Stats{
		InFlight:    r.inFlight.Load(),
		MaxInFlight: r.maxInFlight.Load(),
		Pages:       r.pages.Load(),
		EmptyPages:  r.emptyPages.Load(),
		LROsStarted: r.lrosStarted.Load(),
		LROPolls:    r.lroPolls.Load(),
		Throttled:   r.throttled.Load(),
		Failed:      r.failed.Load(),
		Dropped:     r.dropped.Load(),
		ByRoute:     map[string]int64{},
		ByStatus:    map[string]int64{},
	}
	r.mu.Lock()
	s.Requests = r.requests
	for k, v := range r.byRoute {
		s.ByRoute[k] = v
	}
	for k, v := range r.byStatus {
		s.ByStatus[strconv.Itoa(k)] = v
	}
	r.mu.Unlock()
	return s
}

func (r *recorder) log() []LogEntry {
	r.settle()
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.full {
		return append([]LogEntry(nil), r.ring[:r.next]...)
	}
	out := make([]LogEntry, 0, len(r.ring))
	out = append(out, r.ring[r.next:]...)
	return append(out, r.ring[:r.next]...)
}
