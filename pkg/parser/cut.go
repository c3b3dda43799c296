package parser

import "strings"

// Piece is one statement cut from a longer input.
type Piece struct {
	// Text is the statement without its terminating `;`.
	Text string
	// Offset is where Text starts in the input.
	Offset int
}

// Cut splits input at each `;` outside strings, quoted identifiers and
// comments, by the same rules Parse uses, for callers that read SQL a line
// at a time (the shell). It returns the terminated statements that hold
// more than comments, and the unterminated rest of the input, which may
// end inside an open string or comment.
func Cut(input string) (pieces []Piece, rest string) {
	toks, _ := lex(input) // a lexing error only ends the tokens early: the rest is still being typed
	begin := 0
	hasSQL := false
	for _, t := range toks {
		switch {
		case t.isOp(";"):
			if hasSQL {
				pieces = append(pieces, Piece{Text: input[begin:t.start], Offset: begin})
			}
			begin, hasSQL = t.end, false
		case t.kind != tokComment:
			hasSQL = true
		}
	}
	return pieces, input[begin:]
}

// Pending reports whether text (what Cut left over) has begun a statement:
// it holds SQL, or it ends inside an open string or comment.
func Pending(text string) bool {
	toks, err := lex(text)
	if err != nil {
		return true
	}
	for _, t := range toks {
		if t.kind != tokComment {
			return true
		}
	}
	return false
}

// Unterminated returns the syntax error of text that ends inside a string,
// quoted identifier or comment, and nil otherwise.
func Unterminated(text string) error {
	if _, err := lex(text); err != nil && strings.Contains(err.Error(), "unterminated") {
		return err
	}
	return nil
}
