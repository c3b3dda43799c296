package arm

import (
	"net/http"
	"strings"
	"time"
)

// refuseWhileBusy answers 409 AnotherOperationInProgress to a write on a
// resource whose long-running operation has not finished. Reads, lists
// and actions that start no operation (queries such as
// findRestorableTimeRanges) pass.
func (q *request) refuseWhileBusy() bool {
	n := len(q.segs)
	switch {
	case q.op.kind == kindAction && q.op.lro:
		n--
	case q.op.kind == kindItem || q.op.kind == kindSingleton:
		if m := q.r.Method; m != http.MethodPut && m != http.MethodPatch && m != http.MethodDelete {
			return false
		}
	default:
		return false
	}
	op := q.s.lros.inProgress(q.prefixKey(n), q.s.cfg.LROPolls, time.Now())
	if op == nil {
		return false
	}
	writeError(q.w, http.StatusConflict, "AnotherOperationInProgress",
		"Another operation is in progress on '/%s': operation %s (%s, started %s) has not finished. Poll %s until its status is Succeeded, Failed or Canceled, then retry.",
		strings.Join(q.segs[:n], "/"), op.id, op.method, op.started.Format(time.RFC3339), statusURL(q.base, op))
	return true
}
