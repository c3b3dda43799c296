package parser

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"vitess.io/vitess/go/vt/sqlparser"
)

var vitess = sync.OnceValues(func() (*sqlparser.Parser, error) {
	return sqlparser.New(sqlparser.Options{})
})

// Parse reads input, one or more statements separated by `;`, and returns
// them in order. Empty statements are skipped. The first statement that cannot
// be read stops parsing with a *SyntaxError (or, for a construct skyql does not
// run, an error saying which).
func Parse(input string) ([]Statement, error) {
	toks, err := lex(input)
	if err != nil {
		return nil, err
	}
	var out []Statement
	for _, span := range split(toks) {
		st, err := parseStatement(input, span)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

// stmtContext is one statement being parsed.
type stmtContext struct {
	input    string
	src      source
	sig      []token // tokens without comments
	comments []token
}

func (c *stmtContext) errorAt(t token, msg string) error {
	return newSyntaxError(c.input, t.start, t.text, msg)
}

// errorAtEnd reports a statement that stops before it is complete.
func (c *stmtContext) errorAtEnd(msg string) error {
	return newSyntaxError(c.input, c.src.offset+len(c.src.text), "", msg)
}

func parseStatement(input string, span statementSpan) (Statement, error) {
	c := &stmtContext{input: input, src: source{text: input[span.start:span.end], offset: span.start}}
	for _, t := range span.toks {
		if t.kind == tokComment {
			c.comments = append(c.comments, t)
		} else {
			c.sig = append(c.sig, t)
		}
	}
	first := c.sig[0]
	switch {
	case first.is("select"), first.is("with"), first.is("values"), first.isOp("("):
		return c.query(false)
	case first.is("explain"):
		return c.query(true)
	case first.is("replace") && replacesWithSet(c.sig):
		c.sig = withHyphenatedNames(c.sig)
		return c.update(true)
	case first.is("insert"), first.is("replace"):
		c.sig = withHyphenatedNames(c.sig)
		return c.insert()
	case first.is("update"):
		c.sig = withHyphenatedNames(c.sig)
		return c.update(false)
	case first.is("delete"):
		c.sig = withHyphenatedNames(c.sig)
		return c.delete()
	case first.is("exec"), first.is("execute"):
		return c.exec()
	case first.is("show"):
		return c.show()
	case first.is("describe"), first.is("desc"):
		return c.describe()
	case first.is("registry"):
		return c.registry()
	}
	return nil, c.errorAt(first, "unsupported statement: skyql runs SELECT, INSERT, REPLACE, UPDATE, DELETE, EXEC, SHOW, DESCRIBE and REGISTRY")
}

var vitessError = regexp.MustCompile(`at position (\d+)(?: near '(.*)')?`)

// vitessParse normalizes sig and parses it with vitess. prefix is prepended
// to the normalized text (to parse a bare expression as `select <expr>`). A
// syntax error is mapped back to the original token. When vitess stumbles on a
// word SQLite reads as a name (a MySQL keyword such as `key`), the word is
// backquoted and the parse retried.
func (c *stmtContext) vitessParse(sig []token, prefix string) (sqlparser.Statement, *normalized, error) {
	p, err := vitess()
	if err != nil {
		return nil, nil, fmt.Errorf("initialize the SQL parser: %w", err)
	}
	quote := map[int]bool{}
	for {
		n := normalize(sig, quote)
		// The trailing space tells an error at the last token (vitess then
		// reports the offset just past it) from one at the end of input.
		stmt, err := p.Parse(prefix + n.text + " ")
		if err == nil {
			return stmt, n, nil
		}
		m := vitessError.FindStringSubmatch(err.Error())
		if m == nil {
			return nil, nil, c.errorAt(sig[0], "cannot read statement: "+strings.TrimSpace(lastLine(err.Error())))
		}
		pos, _ := strconv.Atoi(m[1])
		pos -= 1 + len(prefix)
		k := n.segmentAt(pos)
		if k < 0 {
			return nil, nil, c.errorAt(sig[0], "syntax error")
		}
		if pos > len(n.text) {
			// vitess wanted more: the error is after the last token read.
			last := sig[len(sig)-1]
			if n.returning > 0 {
				last = sig[n.returning-1]
			}
			return nil, nil, newSyntaxError(c.input, last.end, "", "incomplete statement")
		}
		seg := n.segs[k]
		t := sig[seg.first]
		if seg.first == seg.last && t.kind == tokWord && !quote[seg.first] && !sqliteReserved[strings.ToLower(t.text)] {
			quote[seg.first] = true
			continue
		}
		near := c.input[t.start:sig[seg.last].end]
		return nil, nil, newSyntaxError(c.input, t.start, near, "syntax error")
	}
}

func lastLine(s string) string {
	if i := strings.LastIndexByte(strings.TrimSpace(s), '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

func (c *stmtContext) query(explain bool) (Statement, error) {
	sig := c.sig
	if explain {
		sig = sig[1:]
		if len(sig) == 0 {
			return nil, c.errorAtEnd("EXPLAIN needs a query after it")
		}
	}
	stmt, n, err := c.vitessParse(sig, "")
	if err != nil {
		return nil, err
	}
	if n.returning >= 0 {
		return nil, c.errorAt(sig[n.returning], "RETURNING belongs to INSERT, UPDATE and DELETE")
	}
	if ex, ok := stmt.(*sqlparser.ExplainStmt); ok {
		stmt, explain = ex.Statement, true
	}
	ts, ok := stmt.(sqlparser.TableStatement)
	if !ok {
		return nil, c.errorAt(sig[0], "EXPLAIN takes a query (SELECT, WITH or a compound)")
	}
	s, err := buildSelect(c.input, c.src, ts, n, sig, c.comments)
	if err != nil {
		return nil, err
	}
	s.Explain = explain
	return s, nil
}

// target resolves the table of INSERT, UPDATE or DELETE, which must be a
// provider table.
func (c *stmtContext) target(te sqlparser.TableExpr, n *normalized, verb string) (QualifiedName, error) {
	if at, ok := te.(*sqlparser.AliasedTableExpr); ok {
		if tn, ok := at.Expr.(sqlparser.TableName); ok && tn.Qualifier.IsEmpty() {
			if k, ok := placeholderIndex(tn.Name.String(), refPrefix); ok && k < len(n.chains) {
				return n.chains[k].name, nil
			}
		}
	}
	return QualifiedName{}, c.errorAt(c.sig[0], verb+" needs a provider table named provider.service.resource, e.g. "+verb+" azure.compute.virtual_machines")
}

// returning is the text after RETURNING, or "".
func (c *stmtContext) returning(n *normalized) string {
	if n.returning < 0 || n.returning+1 >= len(c.sig) {
		return ""
	}
	return c.input[c.sig[n.returning+1].start:c.sig[len(c.sig)-1].end]
}

// returningColumns reads RETURNING's list: the names of the response's
// properties to print, nil for `*` or without RETURNING.
func (c *stmtContext) returningColumns(n *normalized) ([]string, error) {
	if n.returning < 0 {
		return nil, nil
	}
	list := c.sig[n.returning+1:]
	if len(list) == 1 && list[0].isOp("*") {
		return nil, nil
	}
	var names []string
	for i, t := range list {
		if i%2 == 1 {
			if !t.isOp(",") {
				return nil, c.errorAt(t, "RETURNING takes * or property names separated by commas (RETURNING name, tags)")
			}
			continue
		}
		if !t.isIdent() {
			return nil, c.errorAt(t, "RETURNING takes * or property names separated by commas (RETURNING name, tags)")
		}
		names = append(names, t.identName())
	}
	if len(names) == 0 || len(list)%2 == 0 {
		return nil, c.errorAtEnd("RETURNING needs * or property names after it (RETURNING name, tags)")
	}
	return names, nil
}

func (c *stmtContext) insert() (Statement, error) {
	stmt, n, err := c.vitessParse(c.sig, "")
	if err != nil {
		return nil, err
	}
	ins, ok := stmt.(*sqlparser.Insert)
	if !ok {
		return nil, c.errorAt(c.sig[0], "unsupported INSERT form")
	}
	out := &Insert{source: c.src, Replace: ins.Action == sqlparser.ReplaceAct, Returning: c.returning(n),
		NoWait: hasHint(c.comments, "NOWAIT")}
	if out.ReturningColumns, err = c.returningColumns(n); err != nil {
		return nil, err
	}
	if out.Table, err = c.target(ins.Table, n, strings.ToUpper(c.sig[0].text)+" INTO"); err != nil {
		return nil, err
	}
	if c.sig[0].is("insert") && len(c.sig) > 2 && c.sig[1].is("or") && c.sig[2].is("replace") {
		out.Replace = true
	}
	for _, col := range ins.Columns {
		out.Columns = append(out.Columns, col.String())
	}
	switch rows := ins.Rows.(type) {
	case sqlparser.Values:
		eb := &exprBuilder{chains: n.chains}
		for _, tuple := range rows {
			row := make([]Expr, 0, len(tuple))
			for _, e := range tuple {
				row = append(row, eb.build(e))
			}
			out.Rows = append(out.Rows, row)
		}
	case sqlparser.TableStatement:
		if out.Select, err = c.insertSelect(rows, n); err != nil {
			return nil, err
		}
	}
	if len(out.Columns) > 0 {
		for i, row := range out.Rows {
			if len(row) != len(out.Columns) {
				return nil, c.errorAt(c.sig[0], fmt.Sprintf("VALUES row %d has %d values for %d columns", i+1, len(row), len(out.Columns)))
			}
		}
	}
	return out, nil
}

// insertSelect analyzes the query of INSERT ... SELECT as a statement of its
// own, whose text runs from its first word to RETURNING or the end.
func (c *stmtContext) insertSelect(ts sqlparser.TableStatement, n *normalized) (*Select, error) {
	end := len(c.sig)
	if n.returning >= 0 {
		end = n.returning
	}
	depth := 0
	for i, t := range c.sig[:end] {
		switch {
		case t.isOp("("):
			depth++
		case t.isOp(")"):
			depth--
		case depth == 0 && (t.is("select") || t.is("with")):
			start := t.start
			if i > 0 && c.sig[i-1].isOp("(") {
				start = c.sig[i-1].start
			}
			src := source{text: c.input[start:c.sig[end-1].end], offset: start}
			return buildSelect(c.input, src, ts, n, c.sig, c.comments)
		}
	}
	return nil, c.errorAt(c.sig[0], "INSERT needs VALUES or a SELECT")
}

// replacesWithSet reports the anchor tool's `REPLACE p.s.r SET ... WHERE
// ...`: a REPLACE whose table is followed by SET rather than a column list,
// VALUES or SELECT.
func replacesWithSet(sig []token) bool {
	for _, t := range sig[1:] {
		switch {
		case t.is("set"):
			return true
		case t.is("values"), t.is("select"), t.is("with"), t.isOp("("):
			return false
		}
	}
	return false
}

// update reads UPDATE, and with replace the anchor tool's REPLACE ... SET,
// which vitess reads as the UPDATE it is spelled like.
func (c *stmtContext) update(replace bool) (Statement, error) {
	sig := c.sig
	verb := "UPDATE"
	if replace {
		verb = "REPLACE"
		rest := sig[1:]
		if len(rest) > 0 && rest[0].is("into") {
			rest = rest[1:]
		}
		sig = append([]token{{kind: tokWord, start: sig[0].start, end: sig[0].end, text: "UPDATE"}}, rest...)
		c.sig = sig // RETURNING is found by its index in the tokens vitess read
	}
	stmt, n, err := c.vitessParse(sig, "")
	if err != nil {
		return nil, err
	}
	up, ok := stmt.(*sqlparser.Update)
	if !ok || len(up.TableExprs) != 1 {
		return nil, c.errorAt(c.sig[0], verb+" takes one provider table")
	}
	out := &Update{source: c.src, Replace: replace, Returning: c.returning(n), NoWait: hasHint(c.comments, "NOWAIT")}
	if out.ReturningColumns, err = c.returningColumns(n); err != nil {
		return nil, err
	}
	if out.Table, err = c.target(up.TableExprs[0], n, verb); err != nil {
		return nil, err
	}
	a := &analyzer{eb: &exprBuilder{chains: n.chains}}
	for _, set := range up.Exprs {
		out.Set = append(out.Set, Assignment{Column: set.Name.Name.String(), Value: a.eb.build(set.Expr)})
	}
	if up.Where != nil {
		out.Predicates = a.predicates(up.Where.Expr, FromWhere)
	}
	return out, nil
}

func (c *stmtContext) delete() (Statement, error) {
	stmt, n, err := c.vitessParse(c.sig, "")
	if err != nil {
		return nil, err
	}
	del, ok := stmt.(*sqlparser.Delete)
	if !ok || len(del.TableExprs) != 1 || len(del.Targets) > 0 {
		return nil, c.errorAt(c.sig[0], "DELETE takes one provider table: DELETE FROM provider.service.resource WHERE ...")
	}
	out := &Delete{source: c.src, Returning: c.returning(n), NoWait: hasHint(c.comments, "NOWAIT")}
	if out.ReturningColumns, err = c.returningColumns(n); err != nil {
		return nil, err
	}
	if out.Table, err = c.target(del.TableExprs[0], n, "DELETE FROM"); err != nil {
		return nil, err
	}
	if del.Where != nil {
		a := &analyzer{eb: &exprBuilder{chains: n.chains}}
		out.Predicates = a.predicates(del.Where.Expr, FromWhere)
	}
	return out, nil
}

// expression parses tokens holding one expression (an EXEC argument).
func (c *stmtContext) expression(toks []token) (Expr, error) {
	stmt, n, err := c.vitessParse(toks, "select ")
	if err != nil {
		return Expr{}, err
	}
	sel, ok := stmt.(*sqlparser.Select)
	if !ok || n.returning >= 0 || !fromDual(sel) || sel.Where != nil || len(sel.SelectExprs.Exprs) != 1 {
		return Expr{}, c.errorAt(toks[0], "expected one value")
	}
	ae, ok := sel.SelectExprs.Exprs[0].(*sqlparser.AliasedExpr)
	if !ok {
		return Expr{}, c.errorAt(toks[0], "expected one value")
	}
	if !ae.As.IsEmpty() {
		return Expr{}, c.errorAt(toks[len(toks)-1], "expected , or @name=value after the value")
	}
	return (&exprBuilder{chains: n.chains}).build(ae.Expr), nil
}

// fromDual reports whether a SELECT reads no table (vitess adds `dual`).
func fromDual(sel *sqlparser.Select) bool {
	if len(sel.From) == 0 {
		return true
	}
	return len(sel.From) == 1 && sqlparser.String(sel.From[0]) == "dual"
}
