package parser

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// SyntaxError is a statement skyql cannot read. Line and Column are 1-based and
// refer to the original input given to Parse (Column counts characters, not
// bytes). Near is the offending token as written, empty at the end of input.
type SyntaxError struct {
	Line, Column int
	Near         string
	Msg          string
	// lineText is the input line holding the error, shown with a caret.
	lineText string
}

// Error renders the position, the offending line, and a caret under the column:
//
//	syntax error at line 2, column 7 near ")"
//	  WHERE )
//	        ^
func (e *SyntaxError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s at line %d, column %d", e.Msg, e.Line, e.Column)
	if e.Near != "" {
		fmt.Fprintf(&b, " near %q", e.Near)
	}
	if e.lineText != "" {
		b.WriteString("\n  ")
		b.WriteString(e.lineText)
		b.WriteString("\n  ")
		// Copy tabs so the caret lines up whatever the terminal's tab width.
		col := 1
		for _, r := range e.lineText {
			if col >= e.Column {
				break
			}
			if r == '\t' {
				b.WriteByte('\t')
			} else {
				b.WriteByte(' ')
			}
			col++
		}
		b.WriteByte('^')
	}
	return b.String()
}

// newSyntaxError builds a SyntaxError for byte offset pos of input.
func newSyntaxError(input string, pos int, near, msg string) *SyntaxError {
	if pos > len(input) {
		pos = len(input)
	}
	if pos < 0 {
		pos = 0
	}
	lineStart := strings.LastIndexByte(input[:pos], '\n') + 1
	lineEnd := strings.IndexByte(input[pos:], '\n')
	if lineEnd < 0 {
		lineEnd = len(input)
	} else {
		lineEnd += pos
	}
	if utf8.RuneCountInString(near) > 40 {
		near = string([]rune(near)[:40]) + "..."
	}
	// A NUL is shown as U+FFFD: one character, so the caret still lines up.
	lineText := strings.ReplaceAll(strings.TrimRight(input[lineStart:lineEnd], "\r"), "\x00", "\uFFFD")
	return &SyntaxError{
		Line:     strings.Count(input[:pos], "\n") + 1,
		Column:   utf8.RuneCountInString(input[lineStart:pos]) + 1,
		Near:     near,
		Msg:      msg,
		lineText: lineText,
	}
}
