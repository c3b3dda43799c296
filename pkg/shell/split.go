package shell

import (
	"errors"
	"strings"

	"github.com/skyql/skyql/pkg/parser"
)

// statement is one complete SQL text, without its terminating semicolon.
type statement struct {
	text string
	line int // input line the statement starts on, counting from 1
}

// splitter cuts a stream of input lines into statements at each `;` that
// is outside strings, quoted identifiers and comments. It asks the parser
// where statements end, so the shell and `skyql exec` always agree (SQLite's
// quoting: a backslash is an ordinary character, ” escapes a quote).
type splitter struct {
	buf      strings.Builder // the unterminated text so far
	line     int             // lines fed so far
	bufStart int             // input line the buffer starts on
}

// feed adds one input line (without its line ending) and returns the
// statements it completed, in order. Statements holding only blanks and
// comments are dropped.
func (s *splitter) feed(line string) []statement {
	s.line++
	if s.buf.Len() == 0 {
		s.bufStart = s.line
	}
	s.buf.WriteString(line)
	s.buf.WriteByte('\n')
	text := s.buf.String()
	pieces, rest := parser.Cut(text)
	done := make([]statement, 0, len(pieces))
	for _, p := range pieces {
		lead := len(p.Text) - len(strings.TrimLeft(p.Text, " \t\r\n"))
		done = append(done, statement{
			text: strings.TrimSpace(p.Text),
			line: s.bufStart + strings.Count(text[:p.Offset+lead], "\n"),
		})
	}
	s.bufStart += strings.Count(text[:len(text)-len(rest)], "\n")
	s.buf.Reset()
	s.buf.WriteString(rest)
	return done
}

// skipLine counts an input line that is not SQL (a shell command), so
// that statements after it have their true line numbers.
func (s *splitter) skipLine() {
	s.line++
}

// pending reports whether a statement has begun and not yet ended, so the
// shell shows the continuation prompt and does not take dot-commands.
func (s *splitter) pending() bool {
	return parser.Pending(s.buf.String())
}

// betweenTokens reports whether the unfinished statement ends outside any
// string, quoted identifier or comment, where a line cannot be part of a
// token.
func (s *splitter) betweenTokens() bool {
	return parser.Unterminated(s.buf.String()) == nil
}

// reset drops the current, unfinished statement.
func (s *splitter) reset() {
	s.buf.Reset()
}

// finish ends the input: the unterminated last statement, if any, is
// returned as complete, since a script's last statement often lacks its
// `;`. Input ending inside a string or block comment is an error.
func (s *splitter) finish() (*statement, error) {
	defer s.reset()
	text := s.buf.String()
	if err := parser.Unterminated(text); err != nil {
		var se *parser.SyntaxError
		if errors.As(err, &se) {
			se.Line += s.bufStart - 1 // the buffer starts on that input line
		}
		return nil, err
	}
	if !parser.Pending(text) {
		return nil, nil
	}
	lead := len(text) - len(strings.TrimLeft(text, " \t\r\n"))
	return &statement{text: strings.TrimSpace(text), line: s.bufStart + strings.Count(text[:lead], "\n")}, nil
}
