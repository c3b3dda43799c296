package parser

import (
	"strings"
)

// tokenKind classifies a lexeme of the user's text. The lexer follows SQLite's
// lexical rules (the text is finally executed by SQLite), not MySQL's: strings
// know no backslash escapes, `--` starts a comment without a following space,
// and double quotes delimit identifiers.
type tokenKind int

const (
	tokWord        tokenKind = iota // unquoted identifier or keyword
	tokQuotedIdent                  // "x", `x` or [x]
	tokString                       // 'x'
	tokNumber                       // 12, 1.5e3, 0x1F
	tokBlob                         // x'0A'
	tokParam                        // ?, ?1, ?NNN, :name, @name, @@name, $1, @"quoted-name"
	// tokBareName is a name SQLite would not read as one where it is
	// written: `$filter` (SQLite's named parameter syntax; the API's query
	// parameter), or `If-Match` in a write (words joined by hyphens). The
	// parser reads it as an identifier and quotes it in the SQL it sends.
	tokBareName
	tokOp      // operator or punctuation
	tokComment // -- x, # x, /* x */
)

// token is one lexeme with its byte span in the whole input.
type token struct {
	kind       tokenKind
	start, end int
	text       string // the exact source bytes
}

// is reports whether t is the unquoted word w, compared case-insensitively.
func (t token) is(w string) bool {
	return t.kind == tokWord && strings.EqualFold(t.text, w)
}

// isOp reports whether t is the operator or punctuation op.
func (t token) isOp(op string) bool {
	return t.kind == tokOp && t.text == op
}

// isIdent reports whether t can name something: a word or a quoted identifier.
func (t token) isIdent() bool {
	return t.kind == tokWord || t.kind == tokQuotedIdent || t.kind == tokBareName
}

// identName is the name an identifier token denotes: quotes removed and
// doubled quote characters collapsed.
func (t token) identName() string {
	if t.kind != tokQuotedIdent {
		return t.text
	}
	body := t.text[1 : len(t.text)-1]
	switch t.text[0] {
	case '"':
		return strings.ReplaceAll(body, `""`, `"`)
	case '`':
		return strings.ReplaceAll(body, "``", "`")
	}
	return body
}

// stringValue is the value of a string literal token: quotes removed, a
// doubled quote read as one.
func (t token) stringValue() string {
	return strings.ReplaceAll(t.text[1:len(t.text)-1], "''", "'")
}

// lex splits input into tokens. Whitespace is dropped; comments are kept so
// that optimizer hints can be read. An unterminated string, identifier or
// comment, or a byte SQLite does not accept, is a *SyntaxError. So is a NUL
// byte anywhere, even in a comment or string: SQLite stops reading at it,
// and would run a shorter statement than the one planned.
func lex(input string) ([]token, error) {
	if i := strings.IndexByte(input, 0); i >= 0 {
		return nil, newSyntaxError(input, i, "", `NUL byte (\x00) in the SQL: SQLite would stop reading there; remove it`)
	}
	var toks []token
	i := 0
	for i < len(input) {
		c := input[i]
		start := i
		kind := tokOp
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
			continue
		case c == '-' && at(input, i+1) == '-', c == '#':
			kind = tokComment
			for i < len(input) && input[i] != '\n' {
				i++
			}
		case c == '/' && at(input, i+1) == '*':
			kind = tokComment
			end := strings.Index(input[i+2:], "*/")
			if end < 0 {
				return toks, newSyntaxError(input, start, "", "unterminated /* comment: close it with */")
			}
			i += 2 + end + 2
		case c == '\'':
			kind = tokString
			var ok bool
			if i, ok = scanQuoted(input, i, '\''); !ok {
				return toks, newSyntaxError(input, start, "", "unterminated string literal: close it with '")
			}
		case c == '"' || c == '`':
			kind = tokQuotedIdent
			var ok bool
			if i, ok = scanQuoted(input, i, c); !ok {
				return toks, newSyntaxError(input, start, "", "unterminated quoted identifier: close it with "+string(c))
			}
		case c == '[':
			kind = tokQuotedIdent
			end := strings.IndexByte(input[i:], ']')
			if end < 0 {
				return toks, newSyntaxError(input, start, "", "unterminated [identifier]: close it with ]")
			}
			i += end + 1
		case (c == 'x' || c == 'X') && at(input, i+1) == '\'':
			kind = tokBlob
			var ok bool
			if i, ok = scanQuoted(input, i+1, '\''); !ok {
				return toks, newSyntaxError(input, start, "", "unterminated blob literal: close it with '")
			}
		case isDigit(c) || (c == '.' && isDigit(at(input, i+1))):
			kind = tokNumber
			i = scanNumber(input, i)
		case isWordStart(c):
			kind = tokWord
			for i < len(input) && isWordPart(input[i]) {
				i++
			}
		case c == '$' && isWordStart(at(input, i+1)):
			// `$filter`: skyql binds parameters by number only ($1, ?1), so a
			// `$` before a letter is the name of an API's query parameter.
			kind = tokBareName
			i++
			for i < len(input) && isWordPart(input[i]) {
				i++
			}
		case c == '@' && (at(input, i+1) == '"' || at(input, i+1) == '`'):
			// EXEC's @"If-Match"='...': an argument whose name is no word.
			kind = tokParam
			var ok bool
			if i, ok = scanQuoted(input, i+1, input[i+1]); !ok {
				return toks, newSyntaxError(input, start, "", "unterminated quoted argument name: close it with "+input[start+1:start+2])
			}
		case c == '?':
			kind = tokParam
			i++
			for i < len(input) && isDigit(input[i]) {
				i++
			}
		case (c == ':' || c == '$' || c == '@') && isWordPart(at(input, i+1)) ||
			c == '@' && at(input, i+1) == '@' && isWordPart(at(input, i+2)):
			kind = tokParam
			i++
			if input[i] == '@' {
				i++
			}
			for i < len(input) && isWordPart(input[i]) {
				i++
			}
		default:
			n := operatorLength(input[i:])
			if n == 0 {
				return nil, newSyntaxError(input, start, input[i:i+1], "unexpected character")
			}
			i += n
		}
		toks = append(toks, token{kind: kind, start: start, end: i, text: input[start:i]})
	}
	return toks, nil
}

// at returns input[i], or 0 past the end.
func at(input string, i int) byte {
	if i < len(input) {
		return input[i]
	}
	return 0
}

// scanQuoted scans a token delimited by q starting at input[i] == q, where a
// doubled q stands for itself. It returns the end offset and whether the
// closing delimiter was found.
func scanQuoted(input string, i int, q byte) (int, bool) {
	i++
	for i < len(input) {
		if input[i] == q {
			if at(input, i+1) == q {
				i += 2
				continue
			}
			return i + 1, true
		}
		i++
	}
	return i, false
}

func scanNumber(input string, i int) int {
	if input[i] == '0' && (at(input, i+1) == 'x' || at(input, i+1) == 'X') && isHexDigit(at(input, i+2)) {
		i += 2
		for i < len(input) && isHexDigit(input[i]) {
			i++
		}
		return i
	}
	for i < len(input) && (isDigit(input[i]) || input[i] == '.') {
		i++
	}
	if e := at(input, i); e == 'e' || e == 'E' {
		j := i + 1
		if s := at(input, j); s == '+' || s == '-' {
			j++
		}
		if isDigit(at(input, j)) {
			i = j
			for i < len(input) && isDigit(input[i]) {
				i++
			}
		}
	}
	return i
}

// operators lists multi-byte operators first so the longest match wins.
var operators = []string{"->>", "||", "->", "<=", ">=", "<>", "!=", "==", "<<", ">>",
	"(", ")", ",", ";", ".", "+", "-", "*", "/", "%", "=", "<", ">", "&", "|", "~", "!", "^"}

func operatorLength(s string) int {
	for _, op := range operators {
		if strings.HasPrefix(s, op) {
			return len(op)
		}
	}
	return 0
}

func isDigit(c byte) bool    { return c >= '0' && c <= '9' }
func isHexDigit(c byte) bool { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }
func isWordStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80
}
func isWordPart(c byte) bool { return isWordStart(c) || isDigit(c) || c == '$' }

// statementSpan is one statement of a multi-statement input: its tokens
// (comments included) and its byte span in the input, without the `;`.
type statementSpan struct {
	toks       []token
	start, end int
}

// split cuts the token stream at top-level `;` tokens. Statements holding only
// comments are dropped.
func split(toks []token) []statementSpan {
	var spans []statementSpan
	begin := 0
	flush := func(endIdx int) {
		part := toks[begin:endIdx]
		begin = endIdx + 1
		for _, t := range part {
			if t.kind != tokComment {
				spans = append(spans, statementSpan{toks: part, start: part[0].start, end: part[len(part)-1].end})
				return
			}
		}
	}
	for i, t := range toks {
		if t.isOp(";") {
			flush(i)
		}
	}
	flush(len(toks))
	return spans
}
