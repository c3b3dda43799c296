package shell

import (
	"fmt"
	"strings"
)

// lexState is where the splitter is inside the SQL text. The rules follow
// the tokenizer the parser uses (vitess): strings in '...' and "..." with
// backslash escapes and doubled delimiters, identifiers in `...`, line
// comments starting with `-- ` (dash dash whitespace), `#` or `//`, and
// block comments `/* ... */`.
type lexState int

const (
	inCode lexState = iota
	inSingleQuote
	inDoubleQuote
	inBacktick
	inLineComment
	inBlockComment
)

// statement is one complete SQL text, without its terminating semicolon.
type statement struct {
	text string
	line int // input line the statement starts on, counting from 1
}

// splitter cuts a stream of input lines into statements at each `;` that
// is outside strings, quoted identifiers and comments.
type splitter struct {
	text       strings.Builder // the current statement so far
	state      lexState
	escaped    bool // the previous rune was a backslash inside a string
	hasSQL     bool // the current statement holds more than blanks and comments
	line       int  // lines fed so far
	startLine  int  // line of the current statement's first non-blank rune
	openedLine int  // line where the open string or block comment began
}

// feed adds one input line (without its line ending) and returns the
// statements it completed, in order. Statements holding only blanks and
// comments are dropped.
func (s *splitter) feed(line string) []statement {
	s.line++
	var done []statement
	runes := []rune(line + "\n")
	for i := 0; i < len(runes); i++ {
		r := runes[i]
		next := rune(0)
		if i+1 < len(runes) {
			next = runes[i+1]
		}
		switch s.state {
		case inSingleQuote, inDoubleQuote, inBacktick:
			s.text.WriteRune(r)
			s.scanQuoted(r)
		case inLineComment:
			s.text.WriteRune(r)
			if r == '\n' {
				s.state = inCode
			}
		case inBlockComment:
			s.text.WriteRune(r)
			if r == '*' && next == '/' {
				s.text.WriteRune(next)
				i++
				s.state = inCode
			}
		case inCode:
			if r == ';' {
				if s.hasSQL {
					done = append(done, statement{text: strings.TrimSpace(s.text.String()), line: s.startLine})
				}
				s.reset()
				continue
			}
			s.text.WriteRune(r)
			switch {
			case r == '-' && next == '-' && i+2 < len(runes) && isSpace(runes[i+2]),
				r == '/' && next == '/',
				r == '#':
				s.state = inLineComment
			case r == '/' && next == '*':
				s.text.WriteRune(next)
				i++
				s.state = inBlockComment
				s.openedLine = s.line
			case r == '\'' || r == '"' || r == '`':
				s.state = map[rune]lexState{'\'': inSingleQuote, '"': inDoubleQuote, '`': inBacktick}[r]
				s.openedLine = s.line
				s.markSQL()
			case !isSpace(r):
				s.markSQL()
			}
		}
	}
	return done
}

// scanQuoted advances over r inside a string or quoted identifier. A
// doubled delimiter needs no special case: it closes and reopens the quote.
func (s *splitter) scanQuoted(r rune) {
	if s.escaped {
		s.escaped = false
		return
	}
	switch {
	case r == '\\' && s.state != inBacktick:
		s.escaped = true
	case r == '\'' && s.state == inSingleQuote,
		r == '"' && s.state == inDoubleQuote,
		r == '`' && s.state == inBacktick:
		s.state = inCode
	}
}

func (s *splitter) markSQL() {
	if !s.hasSQL {
		s.hasSQL = true
		s.startLine = s.line
	}
}

func isSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' }

// pending reports whether a statement has begun and not yet ended, so the
// shell shows the continuation prompt and does not take dot-commands.
func (s *splitter) pending() bool {
	return s.hasSQL || s.state == inBlockComment
}

// reset drops the current, unfinished statement.
func (s *splitter) reset() {
	s.text.Reset()
	s.state = inCode
	s.escaped = false
	s.hasSQL = false
}

// finish ends the input: the unterminated last statement, if any, is
// returned as complete, since a script's last statement often lacks its
// `;`. Input ending inside a string or block comment is an error.
func (s *splitter) finish() (*statement, error) {
	defer s.reset()
	switch s.state {
	case inSingleQuote, inDoubleQuote, inBacktick:
		quote := map[lexState]string{inSingleQuote: "'", inDoubleQuote: `"`, inBacktick: "`"}[s.state]
		return nil, fmt.Errorf("input ended inside the %s-quoted text opened on line %d: close it with %s", quote, s.openedLine, quote)
	case inBlockComment:
		return nil, fmt.Errorf("input ended inside the /* comment opened on line %d: close it with */", s.openedLine)
	}
	if !s.hasSQL {
		return nil, nil
	}
	return &statement{text: strings.TrimSpace(s.text.String()), line: s.startLine}, nil
}
