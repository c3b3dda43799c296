package shell

import (
	"bufio"
	"errors"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/peterh/liner"
	"golang.org/x/term"
)

// IsTerminal reports whether in is a terminal, which is when the shell
// should run interactively. Pipes, files and /dev/null are not.
func IsTerminal(stream any) bool {
	f, ok := stream.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// NotifyInterrupt turns SIGINT into values on the returned channel, one per
// signal, for Config.Interrupt; while active, SIGINT no longer ends the
// process. stop restores the default.
func NotifyInterrupt() (interrupts <-chan struct{}, stop func()) {
	signals := make(chan os.Signal, 1)
	out := make(chan struct{}, 1)
	done := make(chan struct{})
	signal.Notify(signals, os.Interrupt)
	go func() {
		for {
			select {
			case <-signals:
				select {
				case out <- struct{}{}:
				default: // one pending interrupt is enough
				}
			case <-done:
				return
			}
		}
	}()
	return out, func() {
		signal.Stop(signals)
		close(done)
	}
}

// readerLines reads a script line by line, of any length.
type readerLines struct{ r *bufio.Reader }

func newReaderLines(r io.Reader) *readerLines { return &readerLines{bufio.NewReader(r)} }

func (l *readerLines) readLine(string) (string, error) {
	line, err := l.r.ReadString('\n')
	if err == io.EOF && line != "" {
		err = nil // the last line lacks its newline; EOF comes on the next read
	}
	return strings.TrimRight(line, "\r\n"), err
}

// terminalLines reads the terminal with line editing. liner keeps the
// terminal in raw mode with signals off only while a prompt is shown, so
// Ctrl-C at the prompt is a key (clearing the input), and Ctrl-C while a
// statement runs is SIGINT (cancelling it); results and the pager get the
// terminal as it normally is.
type terminalLines struct{ state *liner.State }

func newTerminalLines(h *history, complete liner.WordCompleter) *terminalLines {
	state := liner.NewLiner()
	state.SetCtrlCAborts(true)
	state.SetMultiLineMode(true)
	state.SetTabCompletionStyle(liner.TabPrints)
	state.SetWordCompleter(complete)
	if h != nil {
		for _, e := range h.entries {
			state.AppendHistory(e)
		}
	}
	return &terminalLines{state}
}

func (t *terminalLines) readLine(prompt string) (string, error) {
	line, err := t.state.Prompt(prompt)
	if errors.Is(err, liner.ErrPromptAborted) {
		return "", errLineAborted
	}
	return line, err
}

// remember makes an entry recallable with Up.
func (t *terminalLines) remember(entry string) { t.state.AppendHistory(entry) }

func (t *terminalLines) close() { t.state.Close() }
