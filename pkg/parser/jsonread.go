package parser

import "strings"

// jsonReaders are SQLite's functions that read their first argument as a
// JSON document and answer the same for JSON text and for JSONB.
// json_valid (which tells the two apart) and json_quote (which quotes text)
// are not among them.
var jsonReaders = map[string]bool{
	"json": true, "json_extract": true, "json_type": true, "json_array_length": true,
	"json_each": true, "json_tree": true,
}

// beforeJSONOperand are the tokens that may come right before `col -> path`
// or `col ->> path` with col still the operator's left operand. SQLite
// binds -> and ->> as tightly as ||, left to right, so after `||`, `->`,
// an arithmetic operator (which could be unary) or anything else not
// listed, col could be part of a larger left operand.
var beforeJSONOperand = map[string]bool{
	"(": true, ",": true, "=": true, "==": true, "!=": true, "<>": true, "<": true, "<=": true, ">": true, ">=": true,
	"select": true, "distinct": true, "all": true, "where": true, "and": true, "or": true, "not": true,
	"on": true, "when": true, "then": true, "else": true, "case": true, "by": true, "having": true,
	"is": true, "like": true, "glob": true, "between": true,
}

// ReadsOnlyAsJSON reports whether the statement reads the column named
// column only as a JSON document: every mention of the name (qualified or
// not, quoted or not) is the whole first argument of json, json_extract,
// json_type, json_array_length, json_each or json_tree, or the left operand
// of -> or ->>. A statement that selects * or t.* (which mention every
// column), joins NATURAL (which compares columns by name) or reads the
// hidden json column of json_each or json_tree (its argument as passed)
// reads columns otherwise. The answer errs towards false: false costs a faster path,
// true where it is wrong would change results.
func (s *Select) ReadsOnlyAsJSON(column string) bool {
	code, ok := s.code()
	if !ok {
		return false
	}
	mentioned := false
	for i, t := range code {
		switch {
		case t.isOp("*") && i > 0 && isStarContext(code[i-1]):
			return false
		case t.is("natural"):
			return false
		case t.isIdent() && strings.EqualFold(t.identName(), "json") && !(i+1 < len(code) && code[i+1].isOp("(")):
			// json_each and json_tree have a hidden column json that gives
			// their first argument back as it was passed.
			return false
		case t.isIdent() && strings.EqualFold(t.identName(), column):
			if !readAsJSON(code, i) {
				return false
			}
			mentioned = true
		}
	}
	return mentioned
}

// code is the statement's tokens without its comments, and false if the
// text does not lex (which Parse would have refused).
func (s *Select) code() ([]token, bool) {
	toks, err := lex(s.text)
	if err != nil {
		return nil, false
	}
	code := toks[:0:0]
	for _, t := range toks {
		if t.kind != tokComment {
			code = append(code, t)
		}
	}
	return code, true
}

// isStarContext reports whether a `*` after prev is a column wildcard
// rather than a multiplication.
func isStarContext(prev token) bool {
	return prev.is("select") || prev.is("distinct") || prev.is("all") || prev.isOp(",") || prev.isOp(".")
}

// readAsJSON checks the mention of a column at code[i].
func readAsJSON(code []token, i int) bool {
	if i+1 < len(code) && code[i+1].isOp(".") {
		return false // a qualifier, not a column: some other name
	}
	// The reference starts at the first part of `a.b.col`.
	start := i
	for start >= 2 && code[start-1].isOp(".") && code[start-2].isIdent() {
		start -= 2
	}
	if start >= 1 && code[start-1].isOp(".") {
		return false
	}
	var next, prev, fn token
	if i+1 < len(code) {
		next = code[i+1]
	}
	if start >= 1 {
		prev = code[start-1]
	}
	if start >= 2 {
		fn = code[start-2]
	}
	if next.isOp("->") || next.isOp("->>") {
		return prev.kind == tokOp && beforeJSONOperand[prev.text] ||
			prev.kind == tokWord && beforeJSONOperand[strings.ToLower(prev.text)]
	}
	return prev.isOp("(") && fn.kind == tokWord && jsonReaders[strings.ToLower(fn.text)] &&
		(next.isOp(",") || next.isOp(")"))
}
