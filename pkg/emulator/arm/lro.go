package arm

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// lro is one long-running operation. Its change to the store was made
// (or, for a requested failure, skipped) when it started; polling only
// reports progress, the way a client sees it.
type lro struct {
	id         string
	apiVersion string
	method     string // the request that started it
	target     string // store key of the resource it changes
	started    time.Time
	// settles is when the operation counts as finished even if nobody
	// polls it, the way a real one ends on its own.
	settles      time.Time
	polls        int    // status or result requests served so far
	outcome      string // "Succeeded", "Failed" or "Canceled"
	resultStatus int    // what the result (Location) URL answers when done
	resultBody   []byte
}

type lroTable struct {
	mu    sync.Mutex
	count uint64
	ops   map[string]*lro
	// running maps a resource's store key to the operation last started
	// on it, until that operation is seen to finish.
	running map[string]*lro
}

func newLROTable() *lroTable {
	return &lroTable{ops: map[string]*lro{}, running: map[string]*lro{}}
}

func (t *lroTable) start(apiVersion, method, target, outcome string, settles time.Time, resultStatus int, resultBody []byte) *lro {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.count++
	op := &lro{
		// Shaped like ARM's operation ids (a GUID); sequential, so runs repeat.
		id:           fmt.Sprintf("00000000-0000-4000-8000-%012x", t.count),
		apiVersion:   apiVersion,
		method:       method,
		target:       target,
		started:      time.Now().UTC(),
		settles:      settles,
		outcome:      outcome,
		resultStatus: resultStatus,
		resultBody:   resultBody,
	}
	t.ops[op.id] = op
	t.running[target] = op
	return op
}

// inProgress returns the unfinished operation on the resource at target,
// or nil. An operation finishes when a poll reports its outcome (after
// inProgressPolls polls; with 0 the first poll already does, so it never
// blocks) or, unpolled, once its settle time has passed.
func (t *lroTable) inProgress(target string, inProgressPolls int, now time.Time) *lro {
	t.mu.Lock()
	defer t.mu.Unlock()
	op := t.running[target]
	if op == nil {
		return nil
	}
	if inProgressPolls == 0 || op.polls > inProgressPolls || !now.Before(op.settles) {
		delete(t.running, target)
		return nil
	}
	return op
}

// poll counts one poll and reports whether the operation has finished.
func (t *lroTable) poll(id string, inProgressPolls int) (op *lro, done bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	op = t.ops[id]
	if op == nil {
		return nil, false
	}
	op.polls++
	return op, op.polls > inProgressPolls
}

const operationsPrefix = "/_emulator/operations/"

func statusURL(base string, op *lro) string {
	return base + operationsPrefix + op.id + "?api-version=" + op.apiVersion
}

func resultURL(base string, op *lro) string {
	return base + operationsPrefix + op.id + "/result?api-version=" + op.apiVersion
}

// lroOutcome decides how a starting operation ends: the request header
// wins, then Config.LROFailEvery.
func (s *Server) lroOutcome(r *http.Request) string {
	switch strings.ToLower(r.Header.Get(LROOutcomeHeader)) {
	case "failed":
		return "Failed"
	case "canceled", "cancelled":
		return "Canceled"
	}
	if every := s.cfg.LROFailEvery; every > 0 {
		if n := s.traffic.LROsStarted() + 1; n%int64(every) == 0 {
			return "Failed"
		}
	}
	return "Succeeded"
}

// setLROHeaders adds the polling headers of an accepted operation.
func (s *Server) setLROHeaders(h http.Header, base string, op *lro, withLocation bool) {
	h.Set("Azure-AsyncOperation", statusURL(base, op))
	if withLocation {
		h.Set("Location", resultURL(base, op))
	}
	s.traffic.SetRetryAfter(h)
}

// operationStatus is the body an Azure-AsyncOperation URL answers with.
type operationStatus struct {
	ID              string          `json:"id"`
	Name            string          `json:"name"`
	Status          string          `json:"status"`
	StartTime       string          `json:"startTime"`
	EndTime         string          `json:"endTime,omitempty"`
	PercentComplete float64         `json:"percentComplete"`
	Error           *armErrorDetail `json:"error,omitempty"`
}

func lroError(op *lro) *armErrorDetail {
	if op.outcome == "Canceled" {
		return &armErrorDetail{Code: "OperationCanceled", Message: fmt.Sprintf("Operation %s was canceled, as the request asked with %s.", op.id, LROOutcomeHeader)}
	}
	return &armErrorDetail{Code: "OperationFailed", Message: fmt.Sprintf("Operation %s failed, as requested (header %s or the LRO fail-every option); nothing was changed.", op.id, LROOutcomeHeader)}
}

// serveOperation answers a status URL (".../operations/{id}") or a result
// URL (".../operations/{id}/result").
func (s *Server) serveOperation(w http.ResponseWriter, r *http.Request, base string) {
	rest := strings.TrimPrefix(r.URL.Path, operationsPrefix)
	id, sub, _ := strings.Cut(rest, "/")
	if r.Method != http.MethodGet || (sub != "" && sub != "result") {
		writeError(w, http.StatusNotFound, "NotFound", "No operation endpoint at %s %s: poll the Azure-AsyncOperation or Location URL with GET.", r.Method, r.URL.Path)
		return
	}
	op, done := s.lros.poll(id, s.cfg.LROPolls)
	if op == nil {
		writeError(w, http.StatusNotFound, "OperationNotFound", "Operation %q does not exist on this emulator (it forgets operations when it restarts).", id)
		return
	}
	s.traffic.LROPolled()
	h := w.Header()
	if sub == "result" {
		if !done {
			h.Set("Location", resultURL(base, op))
			s.traffic.SetRetryAfter(h)
			w.WriteHeader(http.StatusAccepted)
			return
		}
		if op.outcome != "Succeeded" {
			detail := lroError(op)
			writeError(w, http.StatusBadRequest, detail.Code, "%s", detail.Message)
			return
		}
		if op.resultBody == nil {
			w.WriteHeader(op.resultStatus)
			return
		}
		h.Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(op.resultStatus)
		w.Write(op.resultBody)
		return
	}
	st := operationStatus{
		ID:        operationsPrefix + op.id,
		Name:      op.id,
		Status:    "InProgress",
		StartTime: op.started.Format(time.RFC3339Nano),
	}
	if done {
		st.Status = op.outcome
		st.EndTime = time.Now().UTC().Format(time.RFC3339Nano)
		st.PercentComplete = 100
		if op.outcome != "Succeeded" {
			st.Error = lroError(op)
		}
	} else {
		s.traffic.SetRetryAfter(h)
	}
	body, _ := json.Marshal(st)
	h.Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}
