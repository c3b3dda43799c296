package server

import (
	"strings"
)

// The server reads SQL only as far as it must before handing it on: to
// split a Query message into statements, number its parameters, tell a
// catalog query from a skyql one and translate PostgreSQL's catalog
// dialect into SQLite's. A lexer is enough for all four; the statements
// themselves are parsed by skyql's parser or by SQLite.

type tokenKind int

const (
	tokSpace  tokenKind = iota // white space and comments
	tokWord                    // a keyword or a bare identifier
	tokQuoted                  // a "quoted identifier"
	tokString                  // a 'string' (or E'string', $$string$$)
	tokNumber                  // 42, 4.2e1
	tokParam                   // $1
	tokOp                      // operator characters: ~ !~ :: <= ||
	tokPunct                   // ( ) , ; . [ ]
)

type token struct {
	kind tokenKind
	text string
}

// isOpChar reports the characters PostgreSQL builds operators of.
func isOpChar(c byte) bool { return strings.IndexByte("+-*/<>=~!@#%^&|`?:", c) >= 0 }

func isWordChar(c byte) bool {
	return c == '_' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// lex splits text into tokens; concatenating their texts gives text back.
// An unterminated string or comment runs to the end, where the parser
// that reads the statement reports it.
func lex(text string) []token {
	var toks []token
	for i := 0; i < len(text); {
		c, start := text[i], i
		kind := tokPunct
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			kind = tokSpace
			for i < len(text) && strings.IndexByte(" \t\n\r\f", text[i]) >= 0 {
				i++
			}
		case strings.HasPrefix(text[i:], "--"):
			kind = tokSpace
			if n := strings.IndexByte(text[i:], '\n'); n >= 0 {
				i += n
			} else {
				i = len(text)
			}
		case strings.HasPrefix(text[i:], "/*"):
			kind = tokSpace
			if n := strings.Index(text[i+2:], "*/"); n >= 0 {
				i += n + 4
			} else {
				i = len(text)
			}
		case c == '\'' || (c == 'E' || c == 'e') && i+1 < len(text) && text[i+1] == '\'':
			kind = tokString
			i = quotedEnd(text, i+strings.IndexByte(text[i:], '\''), '\'', c != '\'')
		case c == '"':
			kind = tokQuoted
			i = quotedEnd(text, i, '"', false)
		case (c == '$' || c == '?') && i+1 < len(text) && text[i+1] >= '0' && text[i+1] <= '9':
			kind = tokParam
			for i++; i < len(text) && text[i] >= '0' && text[i] <= '9'; i++ {
			}
		case c == '$':
			// A dollar-quoted string: $$...$$ or $tag$...$tag$.
			end := strings.IndexByte(text[i+1:], '$')
			if end < 0 {
				kind, i = tokOp, i+1
				break
			}
			tag := text[i : i+end+2]
			kind = tokString
			if n := strings.Index(text[i+len(tag):], tag); n >= 0 {
				i += len(tag) + n + len(tag)
			} else {
				i = len(text)
			}
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(text) && text[i+1] >= '0' && text[i+1] <= '9':
			kind = tokNumber
			for i < len(text) && (text[i] >= '0' && text[i] <= '9' || text[i] == '.' ||
				(text[i] == 'e' || text[i] == 'E') || (text[i] == '+' || text[i] == '-') && (text[i-1] == 'e' || text[i-1] == 'E')) {
				i++
			}
		case isWordChar(c):
			kind = tokWord
			for i < len(text) && isWordChar(text[i]) {
				i++
			}
		case isOpChar(c):
			kind = tokOp
			for i < len(text) && isOpChar(text[i]) && !strings.HasPrefix(text[i:], "--") && !strings.HasPrefix(text[i:], "/*") {
				i++
			}
		default:
			i++
		}
		toks = append(toks, token{kind, text[start:i]})
	}
	return toks
}

// quotedEnd returns the index after the quote closing the quoted text
// starting at open; a doubled quote is one character, as is a backslash
// escape in an E” string.
func quotedEnd(text string, open int, quote byte, backslashes bool) int {
	for i := open + 1; i < len(text); i++ {
		switch {
		case backslashes && text[i] == '\\':
			i++
		case text[i] == quote:
			if i+1 < len(text) && text[i+1] == quote {
				i++
				continue
			}
			return i + 1
		}
	}
	return len(text)
}

// splitStatements splits a Query message's text at its semicolons; empty
// statements are dropped.
func splitStatements(text string) []string {
	var stmts []string
	var b strings.Builder
	flush := func() {
		if strings.TrimSpace(b.String()) != "" && !onlySpace(lex(b.String())) {
			stmts = append(stmts, strings.TrimSpace(b.String()))
		}
		b.Reset()
	}
	depth := 0 // a semicolon inside parentheses (CREATE ... AS (...)) does not end one
	for _, t := range lex(text) {
		switch {
		case t.text == "(":
			depth++
		case t.text == ")":
			depth--
		case t.text == ";" && depth <= 0:
			flush()
			continue
		}
		b.WriteString(t.text)
	}
	flush()
	return stmts
}

func onlySpace(toks []token) bool {
	for _, t := range toks {
		if t.kind != tokSpace {
			return false
		}
	}
	return true
}

// words are a statement's tokens without white space and comments.
func words(text string) []token {
	var out []token
	for _, t := range lex(text) {
		if t.kind != tokSpace {
			out = append(out, t)
		}
	}
	return out
}

// firstWord is a statement's first keyword, upper case.
func firstWord(text string) string {
	for _, t := range words(text) {
		if t.kind == tokWord {
			return strings.ToUpper(t.text)
		}
		if t.text != "(" {
			return ""
		}
	}
	return ""
}

// numberParams turns PostgreSQL's $1, $2, ... into SQLite's ?1, ?2, ...
// (SQLite reads $1 as a parameter named "1", which Go's database/sql
// cannot bind), and reports the highest number used.
func numberParams(text string) (string, int) {
	var b strings.Builder
	highest := 0
	for _, t := range lex(text) {
		if t.kind == tokParam && t.text[0] == '$' {
			n := 0
			for _, d := range t.text[1:] {
				n = min(n*10+int(d-'0'), 1<<16)
			}
			highest = max(highest, n)
			b.WriteString("?" + t.text[1:])
			continue
		}
		b.WriteString(t.text)
	}
	return b.String(), highest
}
