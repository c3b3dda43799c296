package cli

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/skyql/skyql/pkg/executor"
)

// progressLine shows how a fetch is going on one terminal line (stderr),
// redrawn at most every 100 ms. It clears itself when the fetch's last call
// ends, so results never land on it. Once the statement is canceled it
// clears itself and takes no more reports (calls stopped by the cancel
// count as finished, and "6/6 calls" after Ctrl-C would not be true); when
// the statement ends it says how far the fetch had got before the cancel.
type progressLine struct {
	w io.Writer

	mu     sync.Mutex
	ctx    context.Context // the running statement's
	last   time.Time
	shown  bool
	latest *executor.Progress // the last report before any cancel
}

func (p *progressLine) update(pr executor.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ctx != nil && p.ctx.Err() != nil {
		p.clearLocked()
		return
	}
	p.latest = &pr
	switch {
	case pr.CallsDone >= pr.CallsTotal:
		p.clearLocked()
	case time.Since(p.last) >= 100*time.Millisecond:
		p.last = time.Now()
		p.shown = true
		fmt.Fprintf(p.w, "\r\033[Kfetching: %d/%d calls, %d pages, %d rows", pr.CallsDone, pr.CallsTotal, pr.Pages, pr.Items)
	}
}

// Level keeps a line per fan-out level above the progress line.
func (p *progressLine) Level(i, n int, table, method string, calls int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearLocked()
	fmt.Fprintf(p.w, "level %d/%d: %s, %s, %d call(s)\n", i, n, table, method, calls)
}

// Operation shows a long-running operation's last poll on the progress
// line, which the statement's end clears like a fetch's.
func (p *progressLine) Operation(st executor.LROStatus) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.shown = true
	fmt.Fprintf(p.w, "\r\033[K%s: %s (poll %d)", st.Call, st.Status, st.Polls)
}

// watch ties the line to the statement running under ctx. The returned
// func, called when the statement is done, clears the line.
func (p *progressLine) watch(ctx context.Context) (done func()) {
	p.mu.Lock()
	p.ctx, p.last, p.latest = ctx, time.Time{}, nil // a new statement's first report shows at once
	p.mu.Unlock()
	return func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.clearLocked()
		if pr := p.latest; ctx.Err() != nil && pr != nil && pr.CallsDone < pr.CallsTotal {
			fmt.Fprintf(p.w, "fetch stopped: %d of %d calls had finished (%d pages, %d rows)\n", pr.CallsDone, pr.CallsTotal, pr.Pages, pr.Items)
		}
		p.ctx = nil
	}
}

func (p *progressLine) clearLocked() {
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
		p.shown = false
	}
}
