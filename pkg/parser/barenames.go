package parser

import "strings"

// The anchor tool's documents name API parameters after the API, so some
// names are not SQL identifiers: header parameters joined by hyphens
// (If-Match, x-ms-authorization-auxiliary) and OData query parameters
// ($filter, $top). Its queries write them bare where a write names a
// parameter. The lexer reads `$filter` as one bare name; hyphenated words
// are joined here, only in the parts of a write statement that name
// parameters, since elsewhere `a-b` is a subtraction.

// joinHyphenated returns toks with every run of words joined by `-` with
// nothing between them (If-Match, x-ms-client-request-id, x-ms-2) made one
// tokBareName. A run starts with a word; a space anywhere ends it.
func joinHyphenated(toks []token) []token {
	out := make([]token, 0, len(toks))
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.kind != tokWord {
			out = append(out, t)
			continue
		}
		end := i
		for end+2 < len(toks) && toks[end+1].isOp("-") && toks[end+1].start == toks[end].end &&
			toks[end+2].start == toks[end+1].end && (toks[end+2].kind == tokWord || toks[end+2].kind == tokNumber) {
			end += 2
		}
		if end == i {
			out = append(out, t)
			continue
		}
		last := toks[end]
		out = append(out, token{kind: tokBareName, start: t.start, end: last.end, text: joinedText(toks[i : end+1])})
		i = end
	}
	return out
}

func joinedText(run []token) string {
	var b strings.Builder
	for _, t := range run {
		b.WriteString(t.text)
	}
	return b.String()
}

// writeNameSpan is how many of a write statement's leading tokens may name
// parameters: an INSERT's up to its VALUES or SELECT (the table and column
// list), an UPDATE's or DELETE's up to RETURNING (SET targets and WHERE).
func writeNameSpan(sig []token) int {
	depth := 0
	insert := sig[0].is("insert") || sig[0].is("replace")
	for i, t := range sig {
		switch {
		case t.isOp("("):
			depth++
		case t.isOp(")"):
			depth--
		case depth == 0 && t.is("returning"):
			return i
		case insert && (t.is("values") || t.is("select") || t.is("with")):
			return i
		}
	}
	return len(sig)
}

// withHyphenatedNames joins the hyphenated parameter names of a write.
func withHyphenatedNames(sig []token) []token {
	n := writeNameSpan(sig)
	return append(joinHyphenated(sig[:n]), sig[n:]...)
}

// joinArgumentNames makes each EXEC argument written @If-Match (the
// lexer's @If, -, Match, with nothing between them) one parameter token.
func joinArgumentNames(sig []token) []token {
	out := make([]token, 0, len(sig))
	for i := 0; i < len(sig); i++ {
		t := sig[i]
		if t.kind == tokParam && strings.HasPrefix(t.text, "@") && !strings.HasPrefix(t.text, "@@") {
			for i+2 < len(sig) && sig[i+1].isOp("-") && sig[i+1].start == t.end && sig[i+2].start == sig[i+1].end &&
				(sig[i+2].kind == tokWord || sig[i+2].kind == tokNumber) {
				t = token{kind: tokParam, start: t.start, end: sig[i+2].end, text: t.text + "-" + sig[i+2].text}
				i += 2
			}
		}
		out = append(out, t)
	}
	return out
}

// argumentName is the parameter an EXEC argument token names: @name,
// @If-Match, or @"If-Match" with its quotes removed.
func argumentName(t token) string {
	name := t.text[1:]
	if len(name) >= 2 && (name[0] == '"' || name[0] == '`') {
		return (token{kind: tokQuotedIdent, text: name}).identName()
	}
	return name
}
