package traffic

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestFaultSchedule: every-Nth faults fall where configured, bursts
// alternate 500 and 503, and a throttle rate repeats for a seed.
func TestFaultSchedule(t *testing.T) {
	cfg := Config{ThrottleEvery: 4, FailEvery: 5, FailBurst: 2}
	want := map[uint64]fault{4: faultThrottle, 5: faultFail500, 6: faultFail503, 8: faultThrottle, 10: faultFail500, 11: faultFail503}
	for n := uint64(1); n <= 11; n++ {
		if got := cfg.faultFor(n); got != want[n] {
			t.Errorf("request %d: fault %d, want %d", n, got, want[n])
		}
	}
	rate := Config{ThrottleRate: 0.3, Seed: 7}
	throttled := 0
	for n := uint64(1); n <= 1000; n++ {
		fault := rate.faultFor(n)
		if fault == faultThrottle {
			throttled++
		}
		if again := rate.faultFor(n); again != fault {
			t.Fatalf("request %d: the throttle decision changed", n)
		}
	}
	if throttled < 250 || throttled > 350 {
		t.Errorf("ThrottleRate 0.3 throttled %d of 1000 requests", throttled)
	}
}

// TestCallsAreCounted: a disrupted call is answered in the protocol's
// shape and counted with its route and status.
func TestCallsAreCounted(t *testing.T) {
	tr := New(Config{ThrottleEvery: 2, LogSize: 4})
	for range 3 {
		call := tr.Begin(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/things", nil))
		call.Route = "GET /things"
		if !call.Disrupt(func(w http.ResponseWriter, status int, code, format string, args ...any) { w.WriteHeader(status) }) {
			call.W.WriteHeader(http.StatusOK)
		}
		call.End()
	}
	st := tr.Stats()
	if st.Requests != 3 || st.Throttled != 1 || st.ByRoute["GET /things"] != 3 || st.ByStatus["429"] != 1 || st.ByStatus["200"] != 2 {
		t.Errorf("stats %+v", st)
	}
	if log := tr.Log(); len(log) != 3 || log[1].Fault != "throttle" || log[1].Status != 429 {
		t.Errorf("log %+v", log)
	}
}
