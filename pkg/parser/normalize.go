package parser

import (
	"strconv"
	"strings"
)

// Vitess parses MySQL; the user writes SQLite. normalize rewrites a statement's
// tokens into text vitess reads with the same meaning, for analysis only (the
// text SQLite runs is the user's own, see (*Select).SQLiteText):
//
//   - provider names `p.s.r` become placeholder identifiers `__skyql_ref_<n>`,
//     so each occurrence can be traced back to its bytes (MySQL has no
//     three-part table names);
//   - table-valued functions in FROM (json_each(...), pragma_x(...)) become a
//     placeholder table `__skyql_tvf_<n>`, keeping the alias;
//   - `||` becomes `^`, MySQL's tightest binary operator (SQLite has no `^`),
//     printed back as `||`; `==` becomes `=`; `IS x` becomes `<=>`;
//   - double-quoted and [bracketed] identifiers, and bare names ($filter,
//     If-Match in a write), become backquoted;
//   - backslashes in strings are doubled (SQLite strings have no escapes);
//   - functions whose MySQL form differs (json_*, trim, like, glob, char,
//     multi-argument min/max) are renamed `__skyql_fn_<name>` so vitess reads
//     them as plain calls;
//   - CAST types are mapped to MySQL's, NULLS FIRST/LAST dropped, GLOB read as
//     REGEXP, and a RETURNING tail cut off.
const (
	refPrefix = "__skyql_ref_"
	tvfPrefix = "__skyql_tvf_"
	fnPrefix  = "__skyql_fn_"
)

// segment maps a piece of normalized text to the source tokens it came from.
type segment struct {
	normStart, normEnd int
	first, last        int // indices into the significant tokens
}

// chain is a provider name `p.s.r` written in the statement, possibly followed
// by a column (`p.s.r.col`).
type chain struct {
	name       QualifiedName
	start, end int // byte span of `p.s.r` in the input
	hasColumn  bool
}

type normalized struct {
	text   string
	segs   []segment
	chains []chain
	// returning is the index of the RETURNING token, -1 without one.
	returning int
}

// sqliteCastTypes maps SQLite type names to the MySQL CAST type vitess accepts;
// printCastType maps them back.
var sqliteCastTypes = map[string]string{
	"integer": "signed", "int": "signed", "bigint": "signed", "smallint": "signed", "tinyint": "signed",
	"text": "char", "varchar": "char", "clob": "char", "string": "char",
	"real": "double", "float": "double", "double": "double",
	"numeric": "decimal", "decimal": "decimal",
	"blob": "binary",
}

// renamedFunctions are called with SQLite argument forms vitess rejects or
// reads as special syntax.
var renamedFunctions = map[string]bool{"trim": true, "ltrim": true, "rtrim": true, "like": true, "glob": true, "char": true}

// fromEnders end a FROM clause at the same parenthesis depth.
var fromEnders = map[string]bool{"where": true, "group": true, "having": true, "order": true, "limit": true,
	"union": true, "intersect": true, "except": true, "window": true, "set": true, "values": true, "select": true}

// normalize rewrites sig (a statement's tokens without comments). quote holds
// indices of words to backquote: MySQL keywords that SQLite reads as names.
func normalize(sig []token, quote map[int]bool) *normalized {
	n := &normalized{returning: -1}
	var b strings.Builder
	emit := func(s string, first, last int) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		n.segs = append(n.segs, segment{normStart: b.Len(), normEnd: b.Len() + len(s), first: first, last: last})
		b.WriteString(s)
	}
	type level struct{ inFrom, cast bool }
	stack := []level{{}}
	for i := 0; i < len(sig); i++ {
		t := sig[i]
		top := &stack[len(stack)-1]
		prevDot := i > 0 && sig[i-1].isOp(".")
		next := func(k int) token {
			if i+k < len(sig) {
				return sig[i+k]
			}
			return token{kind: tokComment}
		}
		switch {
		case len(stack) == 1 && t.is("returning"):
			n.returning = i
			n.text = b.String()
			return n
		case isChain(sig, i):
			c, _ := chainAt(sig, i)
			emit(refPrefix+strconv.Itoa(len(n.chains)), i, i+4)
			n.chains = append(n.chains, c)
			i += 4
			continue
		case t.isIdent() && next(1).isOp("(") && i > 0 &&
			(sig[i-1].is("from") || sig[i-1].is("join") || sig[i-1].isOp(",") && top.inFrom):
			end := matchParen(sig, i+1)
			if end < 0 {
				end = len(sig) - 1
			}
			// Columns `p.s.r.col` in the arguments still need their qualifier
			// rewritten in the SQLite text.
			for j := i + 2; j+4 <= end; j++ {
				if c, ok := chainAt(sig, j); ok {
					n.chains = append(n.chains, c)
					j += 4
				}
			}
			emit(tvfPrefix+strconv.Itoa(i), i, end)
			i = end
			continue
		case t.kind == tokWord && quote[i]:
			emit("`"+t.text+"`", i, i)
			continue
		}
		lower := strings.ToLower(t.text)
		switch t.kind {
		case tokWord:
			switch {
			case next(1).isOp("(") && !prevDot && (renamedFunctions[lower] || lower == "json" || strings.HasPrefix(lower, "json_") ||
				(lower == "min" || lower == "max") && argCount(sig, i+1) > 1):
				emit(fnPrefix+lower, i, i)
				continue
			case lower == "from":
				top.inFrom = true
			case fromEnders[lower]:
				top.inFrom = false
			case lower == "nulls" && (next(1).is("first") || next(1).is("last")):
				i++
				continue
			case lower == "glob":
				emit("REGEXP", i, i)
				continue
			case lower == "isnull":
				emit("IS NULL", i, i)
				continue
			case lower == "notnull":
				emit("IS NOT NULL", i, i)
				continue
			case lower == "is" && next(1).is("not") && next(2).is("distinct") && next(3).is("from"):
				emit("<=>", i, i+3)
				i += 3
				continue
			case lower == "is" && !isWordIn(next(1), "null", "not", "true", "false", "unknown", "distinct"):
				emit("<=>", i, i)
				continue
			case lower == "insert" && next(1).is("or") && next(2).is("replace"):
				emit("REPLACE", i, i+2)
				i += 2
				continue
			case top.cast && sig[i-1].is("as"):
				if mysql, ok := sqliteCastTypes[lower]; ok {
					emit(mysql, i, i)
					continue
				}
			}
		case tokQuotedIdent, tokBareName:
			emit("`"+strings.ReplaceAll(t.identName(), "`", "``")+"`", i, i)
			continue
		case tokString:
			emit(strings.ReplaceAll(t.text, `\`, `\\`), i, i)
			continue
		case tokParam:
			switch t.text[0] {
			case '?':
				if len(t.text) > 1 { // ?NNN: numbered, printed back as ?NNN
					emit(":"+numberedParam+t.text[1:], i, i)
				} else {
					emit("?", i, i)
				}
				continue
			case '$':
				emit(":"+numberedParam+t.text[1:], i, i)
				continue
			}
		case tokOp:
			switch t.text {
			case "||":
				emit("^", i, i)
				continue
			case "==":
				emit("=", i, i)
				continue
			case "(":
				stack = append(stack, level{cast: i > 0 && sig[i-1].is("cast")})
			case ")":
				if len(stack) > 1 {
					stack = stack[:len(stack)-1]
				}
			}
		}
		emit(t.text, i, i)
	}
	n.text = b.String()
	return n
}

func isWordIn(t token, words ...string) bool {
	for _, w := range words {
		if t.is(w) {
			return true
		}
	}
	return false
}

// matchParen returns the index of the `)` closing the `(` at sig[open], or -1.
func matchParen(sig []token, open int) int {
	depth := 0
	for i := open; i < len(sig); i++ {
		switch {
		case sig[i].isOp("("):
			depth++
		case sig[i].isOp(")"):
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// argCount counts the comma-separated arguments of the call whose `(` is at sig[open].
func argCount(sig []token, open int) int {
	end := matchParen(sig, open)
	if end < 0 || end == open+1 {
		return 0
	}
	count, depth := 1, 0
	for i := open + 1; i < end; i++ {
		switch {
		case sig[i].isOp("("):
			depth++
		case sig[i].isOp(")"):
			depth--
		case sig[i].isOp(",") && depth == 0:
			count++
		}
	}
	return count
}

// segmentAt returns the segment of normalized text ending at offset pos (vitess
// reports the offset just past the offending token), else the last segment
// starting before pos, else -1.
func (n *normalized) segmentAt(pos int) int {
	found := -1
	for k, s := range n.segs {
		if s.normEnd == pos {
			return k
		}
		if s.normStart < pos {
			found = k
		}
	}
	return found
}

// isChain reports whether a provider name `p.s.r` starts at sig[i].
func isChain(sig []token, i int) bool {
	_, ok := chainAt(sig, i)
	return ok
}

// chainAt reads a provider name `p.s.r` starting at sig[i]: three
// identifiers joined by dots, not itself preceded by a dot.
func chainAt(sig []token, i int) (chain, bool) {
	if i+4 >= len(sig) || (i > 0 && sig[i-1].isOp(".")) ||
		!sig[i].isIdent() || !sig[i+1].isOp(".") || !sig[i+2].isIdent() || !sig[i+3].isOp(".") || !sig[i+4].isIdent() {
		return chain{}, false
	}
	return chain{
		name:      QualifiedName{Provider: sig[i].identName(), Service: sig[i+2].identName(), Resource: sig[i+4].identName()},
		start:     sig[i].start,
		end:       sig[i+4].end,
		hasColumn: i+5 < len(sig) && sig[i+5].isOp("."),
	}, true
}
