// Package shell is skyql's SQL shell: it reads SQL from a terminal or a
// script, cuts it into statements, hands each one to a Runner (the engine)
// and prints the results.
//
// Statements end at a `;` outside strings, quoted identifiers and comments,
// by the parser's rules (SQLite's). A statement may span lines and a line
// may hold several statements. A line that starts with `\` or `.`, or is
// just help, exit or quit, when no statement is pending, is a shell command
// (commands.go): it ends at the line break and never starts a statement. As
// in psql, a `\` command may also come between the lines of a statement
// (outside its strings), which it leaves pending.
//
// Interactive mode (Config.Interactive, normally IsTerminal(stdin)) edits
// lines with github.com/peterh/liner on the process's terminal: history of
// whole statements (persisted to Config.HistoryFile, mode 0600), completion
// in context from Config.Schema, Ctrl-C at the prompt clears the current
// statement, Ctrl-C while a statement runs cancels only that statement (the
// shell prints "canceled" and prompts again), Ctrl-D on an empty line
// leaves. Results are shown as tables, in expanded display when wider than
// the terminal (\x), through Config.Pager when longer or wider than the
// terminal, followed by a "(N rows, T s)" footer on Err. A failed statement
// prints its error and the shell goes on.
//
// Script mode (stdin is a pipe or file) prints no prompts, footers or
// pager and keeps no history. Like psql without ON_ERROR_STOP, it runs every
// statement even after one fails, printing each error with the statement's
// line on Err, and then returns an error saying how many statements failed,
// so `skyql shell < file.sql` exits non-zero when anything went wrong. The
// last statement needs no `;`. An interrupt (Config.Interrupt) cancels the
// running statement and stops the script.
package shell

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/skyql/skyql/pkg/output"
)

// Runner executes one complete SQL text (one statement, without its
// terminating `;`), writing its results to w. It must stop and return when
// ctx is canceled.
type Runner interface {
	Run(ctx context.Context, sql string, w output.Writer) error
}

// Config says where the shell reads and writes and how it behaves.
type Config struct {
	In       io.Reader // script input; interactive mode reads the process's terminal
	Out, Err io.Writer // Out for results and help, Err for errors, footers and notices

	// Format is the output format of results (output.Formats); "table"
	// when empty.
	Format string

	// HistoryFile keeps interactive input across sessions, e.g.
	// <appDir>/history; empty keeps no history file.
	HistoryFile  string
	HistoryLimit int // statements kept in HistoryFile; 0 means DefaultHistoryLimit

	Prompt             string // "skyql> " when empty
	ContinuationPrompt string // shown while a statement is unfinished; "   ...> " when empty

	// Schema is what completion knows of the providers; nil completes
	// keywords only.
	Schema Schema

	// Interactive is the caller's decision, normally IsTerminal(os.Stdin).
	Interactive bool

	// TerminalSize reports the size of the terminal Out prints on; nil, or
	// an error, when Out is not a terminal: then results are never paged
	// nor switched to expanded display automatically.
	TerminalSize func() (width, height int, err error)

	// Pager is the command line (run by sh -c) that shows a result longer
	// or wider than the terminal, reading it on stdin, e.g. "less -S";
	// empty prints results directly.
	Pager string

	// Interrupt delivers one value per interrupt (Ctrl-C); each cancels the
	// statement running at that moment. When nil, interactive mode listens
	// for SIGINT itself (NotifyInterrupt) and script mode leaves SIGINT to
	// its default, ending the process.
	Interrupt <-chan struct{}
}

const (
	defaultPrompt             = "skyql> "
	defaultContinuationPrompt = "   ...> "
)

// errLineAborted is what a line source returns when the user pressed
// Ctrl-C at the prompt.
var errLineAborted = errors.New("input line aborted")

// lineSource yields input lines without their line endings; io.EOF ends
// the input.
type lineSource interface {
	readLine(prompt string) (string, error)
}

// Run reads and runs statements until the input ends, the user quits or
// ctx is canceled. In interactive mode it returns nil unless the input
// itself failed; in script mode it returns an error if any statement failed.
func Run(ctx context.Context, cfg Config, r Runner) error {
	if cfg.Prompt == "" {
		cfg.Prompt = defaultPrompt
	}
	if cfg.ContinuationPrompt == "" {
		cfg.ContinuationPrompt = defaultContinuationPrompt
	}
	if cfg.HistoryLimit <= 0 {
		cfg.HistoryLimit = DefaultHistoryLimit
	}
	if cfg.Format == "" {
		cfg.Format = "table"
	}
	if !slices.Contains(output.Formats, cfg.Format) {
		return fmt.Errorf("shell: output format %q is not one of %s", cfg.Format, strings.Join(output.Formats, ", "))
	}
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	if cfg.Err == nil {
		cfg.Err = io.Discard
	}
	s := newSession(cfg, r)
	defer s.closeOutput()
	if !cfg.Interactive {
		if cfg.In == nil {
			return errors.New("shell: no input to read statements from")
		}
		return s.finish(s.loop(ctx, &input{src: newReaderLines(cfg.In)}))
	}

	if s.interrupt == nil {
		interrupts, stop := NotifyInterrupt()
		defer stop()
		s.interrupt = interrupts
	}
	if cfg.HistoryFile != "" {
		h, err := loadHistory(cfg.HistoryFile, cfg.HistoryLimit)
		if err != nil {
			fmt.Fprintf(cfg.Err, "warning: %v; this session's history will not be loaded\n", err)
		}
		s.history = h
	}
	term := newTerminalLines(s.history, s.complete)
	defer term.close()
	s.terminal = term
	fmt.Fprintln(cfg.Out, `skyql shell: end statements with ";", type help or \? for commands, Ctrl-D to leave.`)
	return s.finish(s.loop(ctx, &input{src: term, fromTerminal: true}))
}

// expandedMode is \x's setting.
type expandedMode int

const (
	expandedAuto expandedMode = iota // expanded when a table is wider than the terminal
	expandedOff
	expandedOn
)

// session is one run of the shell.
type session struct {
	cfg         Config
	runner      Runner
	interactive bool
	interrupt   <-chan struct{}
	history     *history       // nil when no history is kept
	historyErr  bool           // a save failed and was reported once
	terminal    *terminalLines // nil in script mode
	current     *input         // the input being read, for completion

	timing   bool
	expanded expandedMode
	outFile  *os.File // \o's file; nil prints to Config.Out
	depth    int      // \i files being read, one inside the other

	ran, failed int
}

func newSession(cfg Config, r Runner) *session {
	s := &session{cfg: cfg, runner: r, interactive: cfg.Interactive, interrupt: cfg.Interrupt}
	if !cfg.Interactive {
		s.expanded = expandedOff // no terminal to be wider than
	}
	return s
}

// input is one source of lines being read: the terminal, a script on
// stdin, or a file \i reads.
type input struct {
	src          lineSource
	name         string // the file's name for \i; "" for stdin and the terminal
	fromTerminal bool
	split        splitter
	typed        []string // the lines of the statement being typed, for history
}

// errQuit ends the shell at the user's request (\q, exit, quit).
var errQuit = errors.New("quit")

// errInterrupted ends a script whose running statement was interrupted.
var errInterrupted = errors.New("interrupted")

// loop reads and runs in's statements and commands until in ends. It
// returns errQuit when the user quits, and another error when the shell
// must stop.
func (s *session) loop(ctx context.Context, in *input) error {
	outer := s.current
	s.current = in
	defer func() { s.current = outer }()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		prompt := s.cfg.Prompt
		if in.split.pending() {
			prompt = s.cfg.ContinuationPrompt
		}
		line, err := in.src.readLine(prompt)
		switch {
		case errors.Is(err, errLineAborted):
			in.split.reset()
			in.typed = nil
			continue
		case errors.Is(err, io.EOF):
			return s.endOfInput(ctx, in)
		case err != nil:
			return fmt.Errorf("reading input: %w", err)
		}

		if isCommand(line) && (!in.split.pending() || in.split.betweenTokens() && strings.HasPrefix(strings.TrimSpace(line), `\`)) {
			in.split.skipLine()
			s.remember(in, []string{line})
			if err := s.command(ctx, line); err != nil {
				return err
			}
			continue
		}
		in.typed = append(in.typed, line)
		stmts := in.split.feed(line)
		if !in.split.pending() {
			s.remember(in, in.typed)
			in.typed = nil
		}
		for _, stmt := range stmts {
			if err := s.execute(ctx, in, stmt); err != nil {
				return err
			}
		}
	}
}

// endOfInput runs a script's last statement when it lacks its `;`. At the
// terminal, Ctrl-D drops an unfinished statement instead: running a
// half-typed statement on the way out would surprise.
func (s *session) endOfInput(ctx context.Context, in *input) error {
	if in.fromTerminal {
		if in.split.pending() {
			fmt.Fprintln(s.cfg.Err, "\nunfinished statement discarded")
		} else {
			fmt.Fprintln(s.cfg.Out)
		}
		return nil
	}
	last, err := in.split.finish()
	if err != nil {
		s.failed++
		fmt.Fprintf(s.cfg.Err, "error%s: %v\n", in.where(), err)
	}
	if last != nil {
		return s.execute(ctx, in, *last)
	}
	return nil
}

// where names a file being read with \i, for error messages.
func (in *input) where() string {
	if in.name == "" {
		return ""
	}
	return " in " + in.name
}

// finish is Run's outcome once the input is done: quitting is no error,
// and a script fails if any of its statements did.
func (s *session) finish(err error) error {
	if err != nil && !errors.Is(err, errQuit) {
		return err
	}
	if s.interactive || s.failed == 0 {
		return nil
	}
	return fmt.Errorf("%d of %d statements failed; their errors are printed above", s.failed, s.ran)
}

// execute runs one statement under its own context, which an interrupt
// cancels, and shows its results. It returns an error only when the shell
// must stop: ctx was canceled, or a script was interrupted.
func (s *session) execute(ctx context.Context, in *input, stmt statement) error {
	s.drainInterrupts()
	s.ran++
	stmtCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var interrupted atomic.Bool
	finished, watcherDone := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(watcherDone)
		select {
		case <-s.interrupt:
			interrupted.Store(true)
			cancel()
		case <-finished:
		}
	}()

	start := time.Now()
	view, err := s.newView()
	if err == nil {
		err = s.runner.Run(stmtCtx, stmt.text, view.writer)
	}
	elapsed := time.Since(start)
	close(finished)
	<-watcherDone

	if view != nil && !interrupted.Load() && ctx.Err() == nil {
		view.show(s, elapsed, err == nil)
	}
	if s.timing {
		fmt.Fprintf(s.cfg.Err, "Time: %s\n", elapsed.Round(time.Microsecond))
	}
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	case interrupted.Load():
		s.failed++
		fmt.Fprintln(s.cfg.Err, "canceled")
		if !in.fromTerminal {
			return fmt.Errorf("statement on line %d%s: %w", stmt.line, in.where(), errInterrupted)
		}
		return nil
	}
	s.failed++
	if in.fromTerminal {
		fmt.Fprintf(s.cfg.Err, "error: %v\n", err)
	} else {
		fmt.Fprintf(s.cfg.Err, "error in the statement on line %d%s: %v\n", stmt.line, in.where(), err)
	}
	return nil
}

// drainInterrupts drops interrupts that arrived while no statement ran
// (e.g. Ctrl-C pressed just as the previous one finished, or in the
// pager), so they do not cancel the next statement.
func (s *session) drainInterrupts() {
	for {
		select {
		case <-s.interrupt:
		default:
			return
		}
	}
}

// remember adds a statement (its lines) or command typed at the terminal
// to the history as one entry, and saves the history right away, so a
// killed shell loses nothing.
func (s *session) remember(in *input, lines []string) {
	if !in.fromTerminal {
		return
	}
	entry := oneLine(lines)
	if entry == "" {
		return
	}
	if s.terminal != nil { // nil in tests that read lines from a string
		s.terminal.remember(entry)
	}
	if s.history == nil || !s.history.add(entry) {
		return
	}
	if err := s.history.save(); err != nil && !s.historyErr {
		s.historyErr = true
		fmt.Fprintf(s.cfg.Err, "warning: %v; check the app directory's permissions\n", err)
	}
}
