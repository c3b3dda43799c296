package cli

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/skyql/skyql/pkg/output"
	"github.com/skyql/skyql/pkg/provider"
	"github.com/skyql/skyql/pkg/shell"
)

func newShellCommand(opts *globalOptions) *cobra.Command {
	so := &sessionOptions{}
	cmd := &cobra.Command{
		Use:   "shell",
		Short: "Start an interactive SQL shell",
		Long: `Read SQL statements ending in ; and run them one by one. On a terminal the
shell edits lines, keeps history in the app directory and completes keywords and
provider, service and resource names with Tab; Ctrl-C cancels the running
statement, Ctrl-D leaves. With a script on standard input it runs every
statement, reports each failure, and exits non-zero if any failed.

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
			interrupts, stop := shell.NotifyInterrupt()
			defer stop()
			names := &nameCompleter{catalog: newCatalog(appDir), providers: map[string]*provider.Provider{}}
			cfg := shell.Config{
				In:          cmd.InOrStdin(),
				Out:         cmd.OutOrStdout(),
				Err:         cmd.ErrOrStderr(),
				HistoryFile: filepath.Join(appDir, "history"),
				Completions: names.complete,
				Interactive: shell.IsTerminal(cmd.InOrStdin()),
				Interrupt:   interrupts,
			}
			runner := &engineRunner{session: s, format: opts.output, out: cmd.OutOrStdout()}
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

// engineRunner runs each shell statement on the engine session, with a
// fresh output writer so every statement prints its own result.
type engineRunner struct {
	session *session
	format  string
	out     io.Writer
	// running is held while a statement runs.
	running sync.Mutex
}

func (r *engineRunner) Run(ctx context.Context, sql string) error {
	r.running.Lock()
	defer r.running.Unlock()
	w, err := output.New(r.format, r.out)
	if err != nil {
		return err
	}
	return r.session.Execute(ctx, sql, w)
}

// nameCompleter completes keywords and dotted names one level at a time:
// providers, then provider.service, then provider.service.resource. It
// opens a provider or service document only when Tab asks inside it.
type nameCompleter struct {
	catalog *catalog

	mu        sync.Mutex
	providers map[string]*provider.Provider
}

func (n *nameCompleter) complete(prefix string) []string {
	parts := strings.Split(prefix, ".")
	var candidates []string
	switch len(parts) {
	case 1:
		candidates = append(candidates, shell.Keywords...)
		if infos, err := n.catalog.Providers(); err == nil {
			for _, p := range infos {
				candidates = append(candidates, p.Name+".")
			}
		}
	case 2:
		if p := n.provider(parts[0]); p != nil {
			for _, svc := range p.ServiceNames() {
				candidates = append(candidates, p.Name+"."+svc+".")
			}
		}
	case 3:
		if p := n.provider(parts[0]); p != nil {
			if svc, err := p.Service(parts[1]); err == nil {
				for _, r := range svc.ResourceNames() {
					candidates = append(candidates, p.Name+"."+svc.Name+"."+r)
				}
			}
		}
	}
	return shell.WordCompleter(candidates)(prefix)
}

// provider opens a provider once; completion never reports errors, it
// just offers nothing.
func (n *nameCompleter) provider(name string) *provider.Provider {
	n.mu.Lock()
	defer n.mu.Unlock()
	if p, ok := n.providers[name]; ok {
		return p
	}
	p, err := n.catalog.Open(name)
	if err != nil {
		p = nil
	}
	n.providers[name] = p
	return p
}
