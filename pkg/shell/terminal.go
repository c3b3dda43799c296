package shell

import (
	"bufio"
	"errors"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"unicode"

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
// statement runs is SIGINT (cancelling it).
type terminalLines struct{ state *liner.State }

func newTerminalLines(cfg Config, h *history) *terminalLines {
	state := liner.NewLiner()
	state.SetCtrlCAborts(true)
	state.SetMultiLineMode(true)
	state.SetTabCompletionStyle(liner.TabPrints)
	if cfg.Completions != nil {
		state.SetWordCompleter(completeWord(cfg.Completions))
	}
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
	if err == nil && strings.TrimSpace(line) != "" {
		t.state.AppendHistory(line)
	}
	return line, err
}

func (t *terminalLines) close() { t.state.Close() }

// isWordRune says which runes make up a completable word: dotted names
// like azure.compute.virtual_machines complete as one word.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '.'
}

// completeWord adapts a prefix completer to liner: the word before the
// cursor is the prefix and its candidates replace it.
func completeWord(complete func(prefix string) []string) liner.WordCompleter {
	return func(line string, pos int) (string, []string, string) {
		runes := []rune(line)
		start := pos
		for start > 0 && isWordRune(runes[start-1]) {
			start--
		}
		return string(runes[:start]), complete(string(runes[start:pos])), string(runes[pos:])
	}
}

// WordCompleter returns a Completions function offering the words that
// start with the prefix, ignoring case, sorted. Upper-case words (keywords)
// are offered in lower case when the prefix is typed in lower case.
func WordCompleter(words []string) func(prefix string) []string {
	return func(prefix string) []string {
		if prefix == "" {
			return nil
		}
		lowerPrefix := strings.ToLower(prefix)
		typedLower := prefix == lowerPrefix
		var matches []string
		for _, w := range words {
			if !strings.HasPrefix(strings.ToLower(w), lowerPrefix) {
				continue
			}
			if typedLower && w == strings.ToUpper(w) {
				w = strings.ToLower(w)
			}
			matches = append(matches, w)
		}
		sort.Strings(matches)
		return matches
	}
}

// Keywords are the SQL words worth completing in skyql statements.
var Keywords = []string{
	"SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "IS", "NULL", "LIKE",
	"AS", "JOIN", "LEFT", "INNER", "ON", "GROUP", "BY", "ORDER", "ASC", "DESC",
	"HAVING", "LIMIT", "OFFSET", "DISTINCT", "COUNT", "UNION", "ALL",
	"INSERT", "INTO", "VALUES", "UPDATE", "SET", "DELETE", "EXEC", "REPLACE",
	"SHOW", "PROVIDERS", "SERVICES", "RESOURCES", "METHODS", "DESCRIBE",
}
