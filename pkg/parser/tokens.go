package parser

import "strings"

// Token is one lexeme of SQL text as it is being typed, for tools such as
// the shell's completion; comments are left out.
type Token struct {
	Text  string
	Start int  // byte offset in the text
	Word  bool // an unquoted identifier or keyword
}

// Tokens lexes text by the rules Parse uses, as far as it can. When text
// ends inside a string, quoted identifier or comment, open is that
// unfinished lexeme ("'$.curr") and openStart its offset; otherwise open
// is "".
func Tokens(text string) (toks []Token, open string, openStart int) {
	lexed, err := lex(text)
	end := 0
	for _, t := range lexed {
		end = t.end
		if t.kind != tokComment {
			toks = append(toks, Token{Text: t.text, Start: t.start, Word: t.kind == tokWord})
		}
	}
	if err != nil && strings.Contains(err.Error(), "unterminated") {
		openStart = end + len(text[end:]) - len(strings.TrimLeft(text[end:], " \t\r\n\f\v"))
		open = text[openStart:]
	}
	return toks, open, openStart
}

// OneLine rewrites SQL text typed over several lines onto one line, for a
// history entry: line breaks between tokens become spaces and line
// comments (-- x, # x) block comments, so the text means what it meant.
// Line breaks inside strings stay.
func OneLine(text string) string {
	toks, err := lex(text)
	if err != nil {
		return strings.Join(strings.Fields(text), " ")
	}
	var b strings.Builder
	prev := 0
	for _, t := range toks {
		if gap := text[prev:t.start]; gap != "" {
			if strings.ContainsAny(gap, "\r\n") {
				gap = " "
			}
			if b.Len() > 0 {
				b.WriteString(gap)
			}
		}
		prev = t.end
		line := strings.HasPrefix(t.text, "--") || strings.HasPrefix(t.text, "#")
		switch {
		case t.kind == tokComment && line && strings.Contains(t.text, "*/"):
			// It cannot become a block comment, so it is left out.
		case t.kind == tokComment && line:
			body := strings.TrimPrefix(strings.TrimPrefix(t.text, "#"), "--")
			b.WriteString("/*" + strings.TrimRight(body, " \t\r") + " */")
		default:
			b.WriteString(t.text)
		}
	}
	return strings.TrimSpace(b.String())
}
