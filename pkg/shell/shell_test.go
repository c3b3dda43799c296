package shell

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/skyql/skyql/pkg/output"
)

// recordingRunner is a small real Runner: it records every statement,
// writes the result listed for it in results (one column, "value"), fails
// the ones listed in failing, and blocks on blocking until its context
// ends.
type recordingRunner struct {
	mu       sync.Mutex
	ran      []string
	results  map[string][]string
	failing  map[string]bool
	blocking string
	started  chan struct{} // closed when the blocking statement starts
}

func (r *recordingRunner) Run(ctx context.Context, sql string, w output.Writer) error {
	r.mu.Lock()
	r.ran = append(r.ran, sql)
	r.mu.Unlock()
	if values, ok := r.results[sql]; ok {
		if err := w.Begin([]output.Column{{Name: "value"}}); err != nil {
			return err
		}
		for _, v := range values {
			if err := w.Row([]any{v}); err != nil {
				return err
			}
		}
		if err := w.End(); err != nil {
			return err
		}
	}
	if sql == r.blocking {
		close(r.started)
		<-ctx.Done()
		return fmt.Errorf("statement stopped: %w", ctx.Err())
	}
	if r.failing[sql] {
		return fmt.Errorf("no such table in %q", sql)
	}
	return nil
}

func (r *recordingRunner) statements() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.ran...)
}

func runScript(t *testing.T, script string, r Runner) (err error, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = Run(context.Background(), Config{In: strings.NewReader(script), Out: &out, Err: &errOut}, r)
	return err, out.String(), errOut.String()
}

func TestScriptSplitsStatementsAtSemicolonsOutsideStringsAndComments(t *testing.T) {
	tests := []struct {
		name   string
		script string
		want   []string
	}{
		{"one per line", "SELECT 1;\nSELECT 2;\n", []string{"SELECT 1", "SELECT 2"}},
		{"several on a line", "SELECT 1; SELECT 2;SELECT 3;", []string{"SELECT 1", "SELECT 2", "SELECT 3"}},
		{"multi-line statement", "SELECT name\n  FROM azure.compute.vms\n  WHERE subscriptionId = 's'\n;\n",
			[]string{"SELECT name\n  FROM azure.compute.vms\n  WHERE subscriptionId = 's'"}},
		{"semicolon in single quotes", "SELECT 'a;b' AS x;", []string{"SELECT 'a;b' AS x"}},
		{"semicolon in double quotes", `SELECT "a;b";`, []string{`SELECT "a;b"`}},
		{"semicolon in backticks", "SELECT `odd;name` FROM t;", []string{"SELECT `odd;name` FROM t"}},
		{"doubled quote", "SELECT 'it''s; fine';", []string{"SELECT 'it''s; fine'"}},
		{"backslash is an ordinary character, as in SQLite", `SELECT 'C:\'; SELECT 2;`, []string{`SELECT 'C:\'`, "SELECT 2"}},
		{"string spanning lines", "SELECT 'line one;\nline two';", []string{"SELECT 'line one;\nline two'"}},
		{"dash comment", "SELECT 1 -- not here; nor here\n;", []string{"SELECT 1 -- not here; nor here"}},
		{"hash comment", "SELECT 1 # a;b\n, 2;", []string{"SELECT 1 # a;b\n, 2"}},
		{"two slashes are no comment in SQLite", "SELECT 1 // a;b\n;", []string{"SELECT 1 // a", "b"}},
		{"block comment across lines", "SELECT /* a;\n b; */ 1;", []string{"SELECT /* a;\n b; */ 1"}},
		{"double dash starts a comment, as in SQLite", "SELECT 3--1;\n;", []string{"SELECT 3--1;"}},
		{"empty statements and comment-only text dropped", ";;\n-- just a note;\n/* x; */;\nSELECT 1;", []string{"SELECT 1"}},
		{"last statement needs no semicolon", "SELECT 1;\nSELECT 2", []string{"SELECT 1", "SELECT 2"}},
		{"windows line endings", "SELECT 1\r\n;\r\n", []string{"SELECT 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recordingRunner{}
			err, _, stderr := runScript(t, tt.script, r)
			if err != nil {
				t.Fatalf("Run: %v (stderr %q)", err, stderr)
			}
			if got := r.statements(); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("statements\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestScriptRunsOnAfterAFailureAndReturnsAnError(t *testing.T) {
	r := &recordingRunner{failing: map[string]bool{"SELECT * FROM missing": true}}
	err, _, stderr := runScript(t, "SELECT 1;\n\nSELECT * FROM missing;\nSELECT 3;\n", r)
	if err == nil || !strings.Contains(err.Error(), "1 of 3 statements failed") {
		t.Fatalf("Run returned %v, want a count of failed statements", err)
	}
	if got, want := r.statements(), []string{"SELECT 1", "SELECT * FROM missing", "SELECT 3"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("statements %q, want %q", got, want)
	}
	if !strings.Contains(stderr, `error in the statement on line 3: no such table in "SELECT * FROM missing"`) {
		t.Fatalf("stderr lacks the error with its line: %q", stderr)
	}
}

func TestScriptEndingInsideAStringIsAnError(t *testing.T) {
	r := &recordingRunner{}
	err, _, stderr := runScript(t, "SELECT 1;\nSELECT 'oops;\n", r)
	if err == nil {
		t.Fatal("Run succeeded on an unterminated string")
	}
	if !strings.Contains(stderr, "unterminated string literal: close it with ' at line 2, column 8") {
		t.Fatalf("stderr %q does not explain the unterminated string", stderr)
	}
	if got := r.statements(); !reflect.DeepEqual(got, []string{"SELECT 1"}) {
		t.Fatalf("statements %q, want only the complete one", got)
	}
}

func TestScriptDotCommands(t *testing.T) {
	r := &recordingRunner{}
	err, stdout, stderr := runScript(t, ".help\n.timing on\nSELECT 1;\n.timing off\nSELECT 2;\n.quit\nSELECT 3;\n", r)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if !strings.Contains(stdout, `\timing, .timing [on|off]`) {
		t.Errorf(".help printed %q", stdout)
	}
	if n := strings.Count(stderr, "Time: "); n != 1 {
		t.Errorf("timing lines %d, want 1 (only while on): %q", n, stderr)
	}
	if got := r.statements(); !reflect.DeepEqual(got, []string{"SELECT 1", "SELECT 2"}) {
		t.Errorf("statements %q: .quit should stop before SELECT 3", got)
	}
}

func TestScriptUnknownDotCommandFails(t *testing.T) {
	err, _, stderr := runScript(t, ".tabels\nSELECT 1;\n", &recordingRunner{})
	if err == nil || !strings.Contains(stderr, `unknown command ".tabels": type help or \? for the list`) {
		t.Fatalf("Run returned %v, stderr %q", err, stderr)
	}
}

func TestDotLineInsideAStatementIsSQL(t *testing.T) {
	r := &recordingRunner{}
	if err, _, stderr := runScript(t, "SELECT 1\n.5;\n", r); err != nil {
		t.Fatalf("Run: %v (%s)", err, stderr)
	}
	if got := r.statements(); !reflect.DeepEqual(got, []string{"SELECT 1\n.5"}) {
		t.Fatalf("statements %q", got)
	}
}

// interruptWhenStarted sends one interrupt once the blocking statement runs.
func interruptWhenStarted(r *recordingRunner) <-chan struct{} {
	interrupts := make(chan struct{}, 1)
	go func() {
		<-r.started
		interrupts <- struct{}{}
	}()
	return interrupts
}

func TestInterruptCancelsTheRunningStatementAndStopsAScript(t *testing.T) {
	r := &recordingRunner{blocking: "SELECT slow", started: make(chan struct{})}
	var errOut bytes.Buffer
	cfg := Config{In: strings.NewReader("SELECT slow;\nSELECT after;\n"), Err: &errOut, Interrupt: interruptWhenStarted(r)}
	err := Run(context.Background(), cfg, r)
	if !errors.Is(err, errInterrupted) {
		t.Fatalf("Run returned %v, want interrupted", err)
	}
	if !strings.Contains(errOut.String(), "canceled") {
		t.Errorf("stderr %q does not say canceled", errOut.String())
	}
	if got := r.statements(); !reflect.DeepEqual(got, []string{"SELECT slow"}) {
		t.Errorf("statements %q: the script should stop at the interrupt", got)
	}
}

func TestInteractiveSessionSurvivesAnInterrupt(t *testing.T) {
	r := &recordingRunner{blocking: "SELECT slow", started: make(chan struct{})}
	var errOut bytes.Buffer
	s := newSession(Config{Format: "table", Prompt: defaultPrompt, ContinuationPrompt: defaultContinuationPrompt, Out: &bytes.Buffer{}, Err: &errOut, Interactive: true}, r)
	s.interrupt = interruptWhenStarted(r)
	err := s.loop(context.Background(), &input{src: newReaderLines(strings.NewReader("SELECT slow;\nSELECT after;\n")), fromTerminal: true})
	if err != nil {
		t.Fatalf("loop returned %v; the shell should survive an interrupt", err)
	}
	if got := r.statements(); !reflect.DeepEqual(got, []string{"SELECT slow", "SELECT after"}) {
		t.Errorf("statements %q", got)
	}
	if got := errOut.String(); !strings.HasPrefix(got, "canceled\n(done, ") || strings.Contains(got, "error") {
		t.Errorf("stderr %q, want canceled, then the next statement's footer", got)
	}
}

func TestCanceledContextStopsTheShell(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r := &recordingRunner{blocking: "SELECT slow", started: make(chan struct{})}
	go func() {
		<-r.started
		cancel()
	}()
	err := Run(ctx, Config{In: strings.NewReader("SELECT slow;\nSELECT after;\n")}, r)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v, want context.Canceled", err)
	}
	if got := r.statements(); !reflect.DeepEqual(got, []string{"SELECT slow"}) {
		t.Errorf("statements %q", got)
	}
}

func TestHistoryIsPrivateBoundedAndReloaded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app", "history")
	h, err := loadHistory(path, 3)
	if err != nil {
		t.Fatalf("loading a missing history: %v", err)
	}
	for _, line := range []string{"SELECT 1;", "SELECT 1;", "  ", "SELECT 2;", "SELECT 'two\nlines';", "SELECT 3;", "SELECT 4;", "SELECT 5;"} {
		h.add(line)
	}
	if err := h.save(); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Fatalf("history file mode %o, want 600", mode)
	}
	again, err := loadHistory(path, 3)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"SELECT 3;", "SELECT 4;", "SELECT 5;"}; !reflect.DeepEqual(again.entries, want) {
		t.Fatalf("reloaded %q, want the last 3 entries %q", again.entries, want)
	}
}

func TestHistorySaveTightensAnExistingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history")
	if err := os.WriteFile(path, []byte("SELECT 1;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	h, err := loadHistory(path, DefaultHistoryLimit)
	if err != nil {
		t.Fatal(err)
	}
	h.add("SELECT 2;")
	if err := h.save(); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Fatalf("history file mode %o, want 600", mode)
	}
	data, _ := os.ReadFile(path)
	if string(data) != "SELECT 1;\nSELECT 2;\n" {
		t.Fatalf("history %q", data)
	}
}

func TestPipesAndFilesAreNotTerminals(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	for _, in := range []io.Reader{r, devNull, strings.NewReader("")} {
		if IsTerminal(in) {
			t.Errorf("%T counted as a terminal", in)
		}
	}
}

func TestHistoryKeepsWholeStatementsAndCommands(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history")
	s := newSession(Config{Format: "table", Out: io.Discard, Err: io.Discard, Interactive: true}, &recordingRunner{})
	s.history = &history{path: path, limit: DefaultHistoryLimit}
	s.interrupt = make(chan struct{})
	lines := "SELECT name -- which\n  FROM t\n WHERE a = 1;\n\\x on\nSELECT 1; SELECT 2;\n"
	if err := s.loop(context.Background(), &input{src: newReaderLines(strings.NewReader(lines)), fromTerminal: true}); err != nil {
		t.Fatal(err)
	}
	again, err := loadHistory(path, DefaultHistoryLimit)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"SELECT name /* which */ FROM t WHERE a = 1;", `\x on`, "SELECT 1; SELECT 2;"}
	if !reflect.DeepEqual(again.entries, want) {
		t.Errorf("history %q, want %q", again.entries, want)
	}
}
