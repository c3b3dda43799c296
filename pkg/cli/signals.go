package cli

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// terminationSignals end a command the way Ctrl-C does: the running
// statement is cancelled and the deferred cleanup runs (a --no-cache or
// --sandbox session's scratch database is removed).
var terminationSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}

// untilTerminated returns a context cancelled by the first of sigs; a
// second signal then ends the process as it would without skyql's
// handling, so a hung cleanup can still be interrupted.
func untilTerminated(parent context.Context, sigs ...os.Signal) (context.Context, context.CancelFunc) {
	ctx, stop := signal.NotifyContext(parent, sigs...)
	context.AfterFunc(ctx, stop)
	return ctx, stop
}
