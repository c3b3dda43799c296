package cli

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/skyql/skyql/pkg/output"
	"github.com/skyql/skyql/pkg/shell"
)

func newShellCommand(opts *globalOptions) *cobra.Command {
	so := &sessionOptions{}
	cmd := &cobra.Command{
		Use:   "shell",
		Short: "Start an interactive SQL shell",
		Long: `Read SQL statements ending in ; and run them one by one. On a terminal the
shell edits lines, recalls whole statements from its history (kept in the app
directory), and completes names, columns, parameters, methods and JSON paths
with Tab. Results wider or longer than the terminal go through $PAGER (default
"less -S"), and rows wider than it are shown one field per line; each result
ends with "(N rows, T s)". Commands such as \d, \dt, \x, \o and \i take one
line: type help or \? for the list. Ctrl-C cancels the running statement,
Ctrl-D leaves. With a script on standard input it runs every statement,
reports each failure, and exits non-zero if any failed.

` + scopeHelp,
		Example: `  skyql shell --sandbox
  skyql shell < inventory.sql`,
		RunE: func(cmd *cobra.Command, args []string) error {
			appDir, err := opts.appDirectory()
			if err != nil {
				return err
			}
			// Ctrl-C is the shell's own (it cancels a statement); the
			// other termination signals end the shell.
			ctx, stop := untilTerminated(cmd.Context(), syscall.SIGTERM, syscall.SIGHUP)
			defer stop()
			s, err := newSession(ctx, cmd, opts, so)
			if err != nil {
				return err
			}
			defer s.Close()
			pins, err := opts.providerPins(appDir)
			if err != nil {
				return err
			}
			interrupts, stop := shell.NotifyInterrupt()
			defer stop()
			cfg := shell.Config{
				In:          cmd.InOrStdin(),
				Out:         cmd.OutOrStdout(),
				Err:         cmd.ErrOrStderr(),
				Format:      opts.output,
				HistoryFile: filepath.Join(appDir, "history"),
				Schema:      shell.CatalogSchema(newCatalog(appDir, pins)),
				Interactive: shell.IsTerminal(cmd.InOrStdin()),
				Interrupt:   interrupts,
			}
			if out, ok := cmd.OutOrStdout().(*os.File); ok && term.IsTerminal(int(out.Fd())) {
				cfg.TerminalSize = func() (int, int, error) { return term.GetSize(int(out.Fd())) }
				cfg.Pager = pagerCommand()
			}
			runner := &engineRunner{session: s}
			done := make(chan error, 1)
			go func() { done <- shell.Run(ctx, cfg, runner) }()
			select {
			case err := <-done:
				return err
			case <-ctx.Done():
				// The shell may be blocked reading a line, which nothing
				// interrupts; wait only for the statement it runs, which
				// ctx cancels, and keep it from starting another, so that
				// closing the session below cleans up after it.
				runner.running.Lock()
				return errors.New("terminated")
			}
		},
	}
	so.register(cmd)
	return cmd
}

// pagerCommand is $PAGER, or less with long lines cut (scrolled
// sideways) rather than wrapped.
func pagerCommand() string {
	if p := strings.TrimSpace(os.Getenv("PAGER")); p != "" {
		return p
	}
	return "less -S"
}

// engineRunner runs each shell statement on the engine session.
type engineRunner struct {
	session *session
	// running is held while a statement runs.
	running sync.Mutex
}

func (r *engineRunner) Run(ctx context.Context, sql string, w output.Writer) error {
	r.running.Lock()
	defer r.running.Unlock()
	return r.session.Execute(ctx, sql, w)
}
