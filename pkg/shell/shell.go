// Package shell is skyql's SQL shell: it reads SQL from a terminal or a
// script, cuts it into statements and hands each one to a Runner (the
// engine), one at a time.
//
// Statements end at a `;` outside strings, quoted identifiers and comments,
// following the tokenizer the parser uses: '...' and "..." strings with
// backslash escapes, `...` identifiers, `-- `, `#` and `//` line comments and
// /* */ block comments. A statement may span lines and a line may hold
// several statements. Lines starting with `.` when no statement is pending
// are shell commands: .help, .quit, .exit, .timing on|off.
//
// Interactive mode (Config.Interactive, normally IsTerminal(stdin)) edits
// lines with github.com/peterh/liner on the process's terminal: history
// (persisted to Config.HistoryFile, mode 0600, at most Config.HistoryLimit
// lines), tab completion from Config.Completions, Ctrl-C at the prompt
// clears the current statement, Ctrl-C while a statement runs cancels only
// that statement (the shell prints "canceled" and prompts again), Ctrl-D on
// an empty line leaves. A failed statement prints its error and the shell
// goes on.
//
// Script mode (stdin is a pipe or file) prints no prompts and keeps no
// history. Like psql without ON_ERROR_STOP, it runs every statement even
// after one fails, printing each error with the statement's line on Err,
// and then returns an error saying how many statements failed, so
// `skyql shell < file.sql` exits non-zero when anything went wrong. The last
// statement needs no `;`. An interrupt (Config.Interrupt) cancels the
// running statement and stops the script.
package shell

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"
)

// Runner executes one complete SQL text (one statement, without its
// terminating `;`); output goes wherever the runner writes it. It must stop
// and return when ctx is canceled.
type Runner interface {
	Run(ctx context.Context, sql string) error
}

// Config says where the shell reads and writes and how it behaves.
type Config struct {
	In       io.Reader // script input; interactive mode reads the process's terminal
	Out, Err io.Writer // Out for .help, Err for errors, timings and notices

	// HistoryFile keeps interactive input across sessions, e.g.
	// <appDir>/history; empty keeps no history file.
	HistoryFile  string
	HistoryLimit int // lines kept in HistoryFile; 0 means DefaultHistoryLimit

	Prompt             string // "skyql> " when empty
	ContinuationPrompt string // shown while a statement is unfinished; "   ...> " when empty

	// Completions returns the words that may replace the partial word
	// before the cursor (keywords, provider, service and resource names);
	// optional. WordCompleter builds one from a word list.
	Completions func(prefix string) []string

	// Interactive is the caller's decision, normally IsTerminal(os.Stdin).
	Interactive bool

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
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	if cfg.Err == nil {
		cfg.Err = io.Discard
	}
	s := &session{cfg: cfg, runner: r, interactive: cfg.Interactive, interrupt: cfg.Interrupt}
	if !cfg.Interactive {
		if cfg.In == nil {
			return errors.New("shell: no input to read statements from")
		}
		return s.loop(ctx, newReaderLines(cfg.In))
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
	term := newTerminalLines(cfg, s.history)
	defer term.close()
	fmt.Fprintln(cfg.Out, `skyql shell: end statements with ";", type .help for commands, Ctrl-D to leave.`)
	return s.loop(ctx, term)
}

// session is one run of the shell.
type session struct {
	cfg         Config
	runner      Runner
	interactive bool
	interrupt   <-chan struct{}
	history     *history // nil when no history is kept
	historyErr  bool     // a save failed and was reported once
	timing      bool
	split       splitter
	ran, failed int
}

// errInterrupted ends a script whose running statement was interrupted.
var errInterrupted = errors.New("interrupted")

func (s *session) loop(ctx context.Context, src lineSource) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		prompt := s.cfg.Prompt
		if s.split.pending() {
			prompt = s.cfg.ContinuationPrompt
		}
		line, err := src.readLine(prompt)
		switch {
		case errors.Is(err, errLineAborted):
			s.split.reset()
			continue
		case errors.Is(err, io.EOF):
			return s.endOfInput(ctx)
		case err != nil:
			return fmt.Errorf("reading input: %w", err)
		}
		s.remember(line)

		if !s.split.pending() && strings.HasPrefix(strings.TrimSpace(line), ".") {
			if quit := s.command(strings.TrimSpace(line)); quit {
				return s.result()
			}
			continue
		}
		for _, stmt := range s.split.feed(line) {
			if err := s.execute(ctx, stmt); err != nil {
				return err
			}
		}
	}
}

// endOfInput runs a script's last statement when it lacks its `;`. At the
// terminal, Ctrl-D drops an unfinished statement instead: running a
// half-typed statement on the way out would surprise.
func (s *session) endOfInput(ctx context.Context) error {
	if s.interactive {
		if s.split.pending() {
			fmt.Fprintln(s.cfg.Err, "\nunfinished statement discarded")
		} else {
			fmt.Fprintln(s.cfg.Out)
		}
		return nil
	}
	last, err := s.split.finish()
	if err != nil {
		s.failed++
		fmt.Fprintf(s.cfg.Err, "error: %v\n", err)
	}
	if last != nil {
		if err := s.execute(ctx, *last); err != nil {
			return err
		}
	}
	return s.result()
}

// result is Run's outcome once the input is done.
func (s *session) result() error {
	if s.interactive || s.failed == 0 {
		return nil
	}
	return fmt.Errorf("%d of %d statements failed; their errors are printed above", s.failed, s.ran)
}

// execute runs one statement under its own context, which an interrupt
// cancels. It returns an error only when the shell must stop: ctx was
// canceled, or a script was interrupted.
func (s *session) execute(ctx context.Context, stmt statement) error {
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
	err := s.runner.Run(stmtCtx, stmt.text)
	elapsed := time.Since(start)
	close(finished)
	<-watcherDone

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
		if !s.interactive {
			return fmt.Errorf("statement on line %d: %w", stmt.line, errInterrupted)
		}
		return nil
	}
	s.failed++
	if s.interactive {
		fmt.Fprintf(s.cfg.Err, "error: %v\n", err)
	} else {
		fmt.Fprintf(s.cfg.Err, "error in the statement on line %d: %v\n", stmt.line, err)
	}
	return nil
}

// drainInterrupts drops interrupts that arrived while no statement ran
// (e.g. Ctrl-C pressed just as the previous one finished), so they do not
// cancel the next statement.
func (s *session) drainInterrupts() {
	for {
		select {
		case <-s.interrupt:
		default:
			return
		}
	}
}

// remember adds an interactive input line to the history and saves it
// right away, so a killed shell loses nothing.
func (s *session) remember(line string) {
	if s.history == nil || !s.history.add(line) {
		return
	}
	if err := s.history.save(); err != nil && !s.historyErr {
		s.historyErr = true
		fmt.Fprintf(s.cfg.Err, "warning: %v; check the app directory's permissions\n", err)
	}
}

const helpText = `Statements end with ";" and may span lines. Commands:
  .help              show this help
  .timing on|off     print each statement's elapsed time
  .quit, .exit       leave the shell (Ctrl-D on an empty line too)
Ctrl-C clears the statement being typed, or cancels the one running.
`

// command runs a dot-command and reports whether the shell should stop.
func (s *session) command(line string) (quit bool) {
	s.ran++
	fields := strings.Fields(line)
	switch {
	case fields[0] == ".help" && len(fields) == 1:
		fmt.Fprint(s.cfg.Out, helpText)
	case (fields[0] == ".quit" || fields[0] == ".exit") && len(fields) == 1:
		return true
	case fields[0] == ".timing" && len(fields) == 2 && (fields[1] == "on" || fields[1] == "off"):
		s.timing = fields[1] == "on"
	case fields[0] == ".timing":
		s.commandFailed(fmt.Sprintf("usage: .timing on|off (timing is %s)", onOff(s.timing)))
	default:
		s.commandFailed(fmt.Sprintf("unknown command %q: type .help for the list", line))
	}
	return false
}

func (s *session) commandFailed(msg string) {
	s.failed++
	fmt.Fprintf(s.cfg.Err, "error: %s\n", msg)
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
