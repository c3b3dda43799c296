package server

import (
	"strings"
)

// Catalog queries are PostgreSQL; the catalog database is SQLite. The
// translation works on tokens and covers PostgreSQL's syntax that
// SQLite lacks, in general rather than per query:
//
//   - casts, expr::type: CAST(expr AS ...) for plain types; reg* casts
//     become lookups (pg_regclass) that turn names into oids and back;
//   - OPERATOR(pg_catalog.op) is op; ~, !~, ~*, !~* are REGEXP matches;
//     ILIKE and ~~ are LIKE (SQLite's LIKE ignores ASCII case already);
//   - pg_catalog. before a name is dropped (the tables are SQLite's main
//     schema, the functions are registered), COLLATE clauses are dropped;
//   - E'...' strings are read, ARRAY[...] and ARRAY(subquery) are JSON
//     arrays and x = ANY(array) an IN over one; IS [NOT] DISTINCT FROM is IS [NOT];
//   - a function in FROM is a subquery: unnest(array) and
//     generate_series(a, b) give rows, others one (string_to_array(...) s);
//   - current_user and its kin, keywords in PostgreSQL, are calls.

// keywordCalls are PostgreSQL's functions called without parentheses.
var keywordCalls = map[string]bool{"current_user": true, "session_user": true, "current_role": true,
	"current_catalog": true, "current_schema": true, "user": true}

// translate rewrites a catalog query for SQLite.
func translate(text string) string {
	in := lex(text)
	var out []token
	emit := func(kind tokenKind, s string) { out = append(out, token{kind, s}) }
	next := func(i int) int { // the index of the next token that is not space
		for i++; i < len(in) && in[i].kind == tokSpace; i++ {
		}
		return i
	}
	at := func(i int) string {
		if i < len(in) {
			return in[i].text
		}
		return ""
	}
	for i := 0; i < len(in); i++ {
		t := in[i]
		upper := strings.ToUpper(t.text)
		switch {
		case t.kind == tokWord && upper == "OPERATOR" && at(next(i)) == "(":
			// OPERATOR(schema.op): the op alone.
			j := next(i)
			var op string
			for j = next(j); j < len(in) && in[j].text != ")"; j = next(j) {
				if in[j].kind == tokOp {
					op = in[j].text
				}
			}
			in[j] = token{tokOp, op}
			i = j - 1
		case t.kind == tokWord && strings.EqualFold(t.text, "pg_catalog") && at(next(i)) == ".":
			i = next(i) // the dot; the name follows
		case t.kind == tokWord && upper == "COLLATE":
			// COLLATE name or schema.name
			j := next(i)
			if k := next(j); at(k) == "." {
				j = next(k)
			}
			i = j
		case t.kind == tokOp && t.text == "::":
			i = cast(in, i, &out, next)
		case t.kind == tokOp && (t.text == "~" || t.text == "~*") && isOperand(out):
			emit(tokWord, " REGEXP ")
			if t.text == "~*" {
				emit(tokString, "'(?i)' || ")
			}
		case t.kind == tokOp && (t.text == "!~" || t.text == "!~*"):
			emit(tokWord, " NOT REGEXP ")
			if t.text == "!~*" {
				emit(tokString, "'(?i)' || ")
			}
		case t.kind == tokOp && (t.text == "~~" || t.text == "~~*"):
			emit(tokWord, " LIKE ")
		case t.kind == tokOp && (t.text == "!~~" || t.text == "!~~*"):
			emit(tokWord, " NOT LIKE ")
		case t.kind == tokWord && upper == "ILIKE":
			emit(tokWord, "LIKE")
		case t.kind == tokString && (t.text[0] == 'E' || t.text[0] == 'e' || t.text[0] == '$'):
			emit(tokString, sqliteString(unquoteString(t.text)))
		case t.kind == tokWord && upper == "ARRAY" && at(next(i)) == "[":
			emit(tokWord, "json_array(")
			depth := 0
			for i = next(i) + 1; i < len(in); i++ {
				if in[i].text == "[" {
					depth++
				} else if in[i].text == "]" {
					if depth == 0 {
						break
					}
					depth--
				}
				emit(in[i].kind, in[i].text)
			}
			emit(tokPunct, ")")
		case t.kind == tokWord && at(next(i)) == "(" && !afterDot(out) && !keywords[upper] && inFrom(out):
			// A function in FROM is a table: one column, named as its
			// alias (unnest(a) x: column x) or else after the function.
			// Set-returning ones make a row per value, others one row.
			open := next(i)
			end := matching(in, open)
			alias, aliased := strings.ToLower(t.text), false
			if k := next(end); k < len(in) && strings.EqualFold(in[k].text, "AS") {
				alias, aliased = in[next(k)].text, true
			} else if k < len(in) && in[k].kind == tokWord && !clauseWords[strings.ToUpper(in[k].text)] {
				alias, aliased = in[k].text, true
			}
			args := splitArgs(in[open+1 : end])
			var rows string
			switch {
			case upper == "UNNEST" && len(args) == 1:
				rows = "SELECT value AS " + alias + " FROM json_each(" + translate(args[0]) + ")"
			case upper == "GENERATE_SERIES" && len(args) == 2:
				rows = "WITH RECURSIVE series(n) AS (SELECT " + translate(args[0]) + " UNION ALL SELECT n + 1 FROM series WHERE n < " +
					translate(args[1]) + ") SELECT n AS " + alias + " FROM series"
			default:
				rows = "SELECT " + translate(joinRaw(in[i:end+1])) + " AS " + alias
			}
			emit(tokWord, "("+rows+")")
			if !aliased {
				emit(tokWord, " "+alias)
			}
			i = end
		case t.kind == tokPunct && t.text == "[" && isOperand(out):
			// expr[i]: an array element (arrays are JSON; PostgreSQL counts from 1).
			end := matching(in, i)
			start := operandStart(out)
			operand := joinRaw(out[start:])
			out = append(out[:start], token{tokWord, "json_extract(" + operand + ", '$[' || ((" + translate(joinRaw(in[i+1:end])) + ") - 1) || ']')"})
			i = end
		case t.kind == tokWord && upper == "STRING_AGG" && at(next(i)) == "(":
			emit(tokWord, "group_concat")
		case t.kind == tokWord && upper == "ARRAY_AGG" && at(next(i)) == "(":
			emit(tokWord, "json_group_array")
		case t.kind == tokWord && upper == "ARRAY" && at(next(i)) == "(":
			// ARRAY(subquery): a JSON array of the subquery's rows.
			open := next(i)
			end := matching(in, open)
			emit(tokWord, "(WITH array_rows(element) AS (")
			out = append(out, token{tokWord, translate(joinRaw(in[open+1 : end]))})
			emit(tokWord, ") SELECT json_group_array(element) FROM array_rows)")
			i = end
		case t.kind == tokWord && (upper == "ANY" || upper == "ALL" || upper == "SOME") && at(next(i)) == "(" && len(out) > 0:
			// = ANY (array) -> IN (SELECT value FROM json_each(array));
			// <> ALL (array) -> NOT IN (...).
			k := len(out) - 1
			for k >= 0 && out[k].kind == tokSpace {
				k--
			}
			if k < 0 || out[k].kind != tokOp {
				emit(t.kind, t.text)
				continue
			}
			switch op := out[k].text; {
			case op == "=" && upper != "ALL":
				out = append(out[:k], token{tokWord, " IN "})
			case (op == "<>" || op == "!=") && upper == "ALL":
				out = append(out[:k], token{tokWord, " NOT IN "})
			default:
				emit(t.kind, t.text)
				continue
			}
			end := matching(in, next(i))
			emit(tokWord, "(SELECT value FROM json_each"+translate(joinRaw(in[next(i):end+1]))+")")
			i = end
		case t.kind == tokWord && upper == "IS" && strings.EqualFold(at(next(i)), "DISTINCT"):
			emit(tokWord, "IS NOT") // IS DISTINCT FROM
			i = next(next(i))
		case t.kind == tokWord && upper == "IS" && strings.EqualFold(at(next(i)), "NOT") && strings.EqualFold(at(next(next(i))), "DISTINCT"):
			emit(tokWord, "IS") // IS NOT DISTINCT FROM
			i = next(next(next(i)))
		case t.kind == tokWord && keywordCalls[strings.ToLower(t.text)] && at(next(i)) != "(" && !afterDot(out):
			emit(tokWord, strings.ToLower(t.text)+"()")
		default:
			emit(t.kind, t.text)
		}
	}
	return joinRaw(out)
}

// isOperand reports whether the output so far ends with an operand, so
// that ~ is the binary (regex) operator, not bitwise NOT.
func isOperand(out []token) bool {
	for k := len(out) - 1; k >= 0; k-- {
		switch out[k].kind {
		case tokSpace:
			continue
		case tokWord:
			switch strings.ToUpper(out[k].text) {
			case "AND", "OR", "NOT", "WHERE", "SELECT", "ON", "WHEN", "THEN", "ELSE", "CASE":
				return false
			}
			return true
		case tokQuoted, tokString, tokNumber, tokParam:
			return true
		case tokPunct:
			return out[k].text == ")"
		}
		return false
	}
	return false
}

// inFrom reports whether the output so far ends inside a FROM clause
// (of the innermost query): its last clause keyword is FROM or JOIN.
func inFrom(out []token) bool {
	depth := 0
	for k := len(out) - 1; k >= 0; k-- {
		switch t := out[k]; {
		case t.text == ")":
			depth++
		case t.text == "(":
			if depth == 0 {
				return false // the start of a subquery or call
			}
			depth--
		case depth == 0 && t.kind == tokWord:
			switch strings.ToUpper(t.text) {
			case "FROM", "JOIN":
				return true
			case "SELECT", "WHERE", "ON", "GROUP", "ORDER", "HAVING", "LIMIT", "UNION", "USING", "SET", "VALUES":
				return false
			}
		}
	}
	return false
}

func afterDot(out []token) bool {
	return len(out) > 0 && out[len(out)-1].text == "."
}

// matching returns the index of the parenthesis closing the one at open.
func matching(in []token, open int) int {
	depth := 0
	for j := open; j < len(in); j++ {
		switch in[j].text {
		case "(", "[":
			depth++
		case ")", "]":
			if depth--; depth == 0 {
				return j
			}
		}
	}
	return len(in) - 1
}

// cast rewrites "operand :: type" (the operand already in out, the ::
// at in[i]) and returns the index of the type's last token.
func cast(in []token, i int, out *[]token, next func(int) int) int {
	// The type: words (double precision, character varying, schema.name),
	// a quoted name ("char"), then (n) and [] if present.
	var name []string
	j := next(i)
	for j < len(in) && (in[j].kind == tokWord || in[j].kind == tokQuoted) {
		part := strings.ToLower(unquoteName(in[j].text))
		if part != "pg_catalog" {
			name = append(name, part)
		}
		k := next(j)
		if k < len(in) && in[k].text == "." {
			j = next(k)
			name = nil
			continue
		}
		if k < len(in) && in[k].kind == tokWord && typeContinues(name, in[k].text) {
			j = k
			continue
		}
		break
	}
	last := j
	if k := next(last); k < len(in) && in[k].text == "(" {
		last = matching(in, k)
	}
	isArray := false
	if k := next(last); k < len(in) && in[k].text == "[" {
		last, isArray = matching(in, k), true
	}
	typ := strings.Join(name, " ")

	o := *out
	start := operandStart(o)
	operand := joinRaw(o[start:])
	var rewritten string
	switch {
	case isArray:
		rewritten = operand
	case typ == "regclass" || typ == "regnamespace" || typ == "regtype" || typ == "regproc" || typ == "regprocedure" || typ == "regrole":
		fn := "pg_" + strings.TrimSuffix(typ, "edure")
		if typ == "regrole" {
			fn = "pg_regproc" // a role is named as it is
		}
		rewritten = fn + "(" + operand + ")"
	case typ == "bool" || typ == "boolean":
		rewritten = "pg_bool(" + operand + ")"
	default:
		if affinity := sqliteAffinity(typ); affinity != "" {
			rewritten = "CAST(" + operand + " AS " + affinity + ")"
		} else {
			rewritten = operand
		}
	}
	*out = append(o[:start], token{tokWord, rewritten})
	return last
}

// clauseWords end a FROM item: a word after one that is not among them
// is its alias.
var clauseWords = map[string]bool{"WHERE": true, "JOIN": true, "LEFT": true, "RIGHT": true, "INNER": true,
	"FULL": true, "CROSS": true, "ON": true, "ORDER": true, "GROUP": true, "LIMIT": true, "UNION": true,
	"HAVING": true, "AS": true, "USING": true, "OFFSET": true, "WINDOW": true, "EXCEPT": true, "INTERSECT": true}

// keywords are the words before a parenthesis that are not functions.
var keywords = map[string]bool{"ON": true, "AND": true, "OR": true, "NOT": true, "IN": true, "EXISTS": true,
	"LATERAL": true, "SELECT": true, "WHERE": true, "USING": true, "AS": true, "VALUES": true, "JOIN": true,
	"FROM": true, "ANY": true, "ALL": true, "SOME": true, "CASE": true, "WHEN": true, "THEN": true, "ELSE": true}

// splitArgs splits a function's argument tokens at its top-level commas.
func splitArgs(toks []token) []string {
	var args []string
	depth, from := 0, 0
	for j, t := range toks {
		switch t.text {
		case "(", "[":
			depth++
		case ")", "]":
			depth--
		case ",":
			if depth == 0 {
				args = append(args, joinRaw(toks[from:j]))
				from = j + 1
			}
		}
	}
	return append(args, joinRaw(toks[from:]))
}

// operandStart returns where the operand that out ends with starts: a
// name (a.b.c), a literal, or a parenthesized expression or call.
func operandStart(o []token) int {
	start := len(o)
	for start > 0 && o[start-1].kind == tokSpace {
		start--
	}
	switch {
	case start == 0:
	case o[start-1].text == ")" || o[start-1].text == "]":
		depth := 0
		for start--; start >= 0; start-- {
			if o[start].text == ")" || o[start].text == "]" {
				depth++
			} else if o[start].text == "(" || o[start].text == "[" {
				if depth--; depth == 0 {
					break
				}
			}
		}
		start = max(start, 0)
		if start > 0 && (o[start-1].kind == tokWord || strings.HasSuffix(o[start-1].text, "()")) {
			start-- // a function call's name
		}
	default:
		start--
		for start >= 2 && o[start-1].text == "." && (o[start-2].kind == tokWord || o[start-2].kind == tokQuoted) {
			start -= 2
		}
	}
	return start
}

// typeContinues reports whether word continues a multi-word type name.
func typeContinues(name []string, word string) bool {
	w := strings.ToLower(word)
	switch strings.Join(name, " ") {
	case "double":
		return w == "precision"
	case "character", "char", "bit":
		return w == "varying"
	case "timestamp", "time":
		return w == "with" || w == "without"
	case "timestamp with", "timestamp without", "time with", "time without":
		return w == "time"
	case "timestamp with time", "timestamp without time", "time with time", "time without time":
		return w == "zone"
	}
	return false
}

// sqliteAffinity is the SQLite type a PostgreSQL cast converts to; ""
// leaves the value as it is.
func sqliteAffinity(typ string) string {
	switch typ {
	case "int", "int2", "int4", "int8", "integer", "smallint", "bigint", "oid", "xid", "cid", "tid":
		return "INTEGER"
	case "float4", "float8", "real", "double precision", "numeric", "decimal":
		return "REAL"
	case "text", "varchar", "character varying", "char", "character", "bpchar", "name", "unknown":
		return "TEXT"
	}
	return ""
}

// sqliteString quotes s as a SQLite string literal.
func sqliteString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
