package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/skyql/skyql/pkg/executor"
)

func TestProgressLineClearsItselfAndStopsAtCancel(t *testing.T) {
	var out strings.Builder
	p := &progressLine{w: &out}
	ctx, cancel := context.WithCancel(context.Background())
	done := p.watch(ctx)
	p.update(executor.Progress{CallsDone: 1, CallsTotal: 6, Pages: 2, Items: 40})
	if want := "\r\033[Kfetching: 1/6 calls, 2 pages, 40 rows"; out.String() != want {
		t.Fatalf("drawn %q, want %q", out.String(), want)
	}
	cancel()
	p.update(executor.Progress{CallsDone: 5, CallsTotal: 6, Pages: 3, Items: 60}) // calls stopped by the cancel
	p.update(executor.Progress{CallsDone: 6, CallsTotal: 6, Pages: 3, Items: 60})
	done()
	want := "\r\033[Kfetching: 1/6 calls, 2 pages, 40 rows\r\033[K" + // cleared at the first report after the cancel
		"fetch stopped: 1 of 6 calls had finished (2 pages, 40 rows)\n"
	if out.String() != want {
		t.Errorf("after a cancel: %q, want %q", out.String(), want)
	}

	out.Reset()
	done = p.watch(context.Background()) // the next statement draws again
	p.update(executor.Progress{CallsDone: 1, CallsTotal: 2})
	p.update(executor.Progress{CallsDone: 2, CallsTotal: 2})
	done()
	if want := "\r\033[Kfetching: 1/2 calls, 0 pages, 0 rows\r\033[K"; out.String() != want {
		t.Errorf("a finished fetch: %q, want %q (drawn, then cleared once)", out.String(), want)
	}
}

func TestLevelsStayAndOperationPollsAreCleared(t *testing.T) {
	var out strings.Builder
	p := &progressLine{w: &out}
	done := p.watch(context.Background())
	p.update(executor.Progress{CallsDone: 0, CallsTotal: 2})
	p.Level(2, 3, "vaults", "BackupVaults_GetInSubscription", 2)
	p.Operation(executor.LROStatus{Call: "PUT /x", Status: "InProgress", Polls: 1})
	done()
	want := "\r\033[Kfetching: 0/2 calls, 0 pages, 0 rows" + "\r\033[K" + // the fetch line gives way to the level
		"level 2/3: vaults, BackupVaults_GetInSubscription, 2 call(s)\n" +
		"\r\033[KPUT /x: InProgress (poll 1)" + "\r\033[K" // the statement's end clears the poll
	if out.String() != want {
		t.Fatalf("drawn %q\nwant  %q", out.String(), want)
	}
}
