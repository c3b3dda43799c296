package parser

import (
	"regexp"
	"sort"
	"strconv"
	"strings"

	"vitess.io/vitess/go/vt/sqlparser"
)

// analyzer walks a vitess tree built from normalized text and collects the
// provider tables and the predicates of each query block.
type analyzer struct {
	input  string
	eb     *exprBuilder
	blocks int
	tables []TableRef // spans relative to the input given to Parse
	err    error
}

func (a *analyzer) statement(ts sqlparser.TableStatement) {
	switch s := ts.(type) {
	case *sqlparser.Select:
		a.with(s.With)
		a.block(s)
	case *sqlparser.Union:
		a.with(s.With)
		a.statement(s.Left)
		a.statement(s.Right)
	}
}

func (a *analyzer) with(w *sqlparser.With) {
	if w == nil {
		return
	}
	for _, cte := range w.CTEs {
		a.statement(cte.Subquery)
	}
}

// block handles one SELECT ... FROM ... WHERE: its tables share the WHERE
// conjuncts and the ON conjuncts of its joins.
func (a *analyzer) block(s *sqlparser.Select) {
	id := a.blocks
	a.blocks++
	first := len(a.tables)
	if s.SelectExprs != nil {
		a.subqueries(s.SelectExprs)
	}
	var on []Predicate
	for _, te := range s.From {
		a.tableExpr(te, id, &on)
	}
	var preds []Predicate
	if s.Where != nil {
		preds = a.predicates(s.Where.Expr, FromWhere)
		a.subqueries(s.Where)
	}
	preds = append(preds, on...)
	for i := first; i < len(a.tables); i++ {
		if a.tables[i].Block == id {
			a.tables[i].Predicates = preds
		}
	}
	if s.Having != nil {
		a.subqueries(s.Having)
	}
}

func (a *analyzer) tableExpr(te sqlparser.TableExpr, block int, on *[]Predicate) {
	switch t := te.(type) {
	case *sqlparser.AliasedTableExpr:
		switch x := t.Expr.(type) {
		case sqlparser.TableName:
			if ref, ok := a.tableRef(x); ok {
				ref.Alias = t.As.String()
				ref.Block = block
				a.tables = append(a.tables, ref)
			}
		case *sqlparser.DerivedTable:
			a.statement(x.Select)
		}
	case *sqlparser.JoinTableExpr:
		left := len(a.tables)
		a.tableExpr(t.LeftExpr, block, on)
		right := len(a.tables)
		a.tableExpr(t.RightExpr, block, on)
		if t.Condition != nil && t.Condition.On != nil {
			source := FromJoinOn
			var preserved []int
			switch t.Join {
			case sqlparser.LeftJoinType:
				source, preserved = FromLeftJoinOn, indexes(left, right)
			case sqlparser.RightJoinType:
				source, preserved = FromLeftJoinOn, indexes(right, len(a.tables))
			}
			preds := a.predicates(t.Condition.On, source)
			for i := range preds {
				preds[i].Preserved = preserved
			}
			*on = append(*on, preds...)
			a.subqueries(t.Condition.On)
		}
	case *sqlparser.ParenTableExpr:
		for _, inner := range t.Exprs {
			a.tableExpr(inner, block, on)
		}
	}
}

// tableRef resolves a table name that stands for a provider name `p.s.r`.
func (a *analyzer) tableRef(t sqlparser.TableName) (TableRef, bool) {
	if k, ok := placeholderIndex(t.Qualifier.String(), refPrefix); ok && k < len(a.eb.chains) {
		c := a.eb.chains[k]
		a.fail(newSyntaxError(a.input, c.start, c.name.String()+"."+t.Name.String(),
			"table name has four parts: a provider table is named provider.service.resource"))
		return TableRef{}, false
	}
	k, ok := placeholderIndex(t.Name.String(), refPrefix)
	if !ok || k >= len(a.eb.chains) {
		return TableRef{}, false
	}
	c := a.eb.chains[k]
	return TableRef{Name: c.name, Start: c.start, End: c.end}, true
}

func (a *analyzer) fail(err error) {
	if a.err == nil {
		a.err = err
	}
}

// subqueries analyzes the queries nested in an expression.
func (a *analyzer) subqueries(node sqlparser.SQLNode) {
	_ = sqlparser.Walk(func(n sqlparser.SQLNode) (bool, error) {
		if sq, ok := n.(*sqlparser.Subquery); ok {
			a.statement(sq.Select)
			return false, nil
		}
		return true, nil
	}, node)
}

// predicates returns the `=` and `IN (list)` conjuncts of e.
func (a *analyzer) predicates(e sqlparser.Expr, source PredicateSource) []Predicate {
	var out []Predicate
	for _, c := range conjuncts(e, nil) {
		if or, ok := c.(*sqlparser.OrExpr); ok {
			if p, ok := a.equalityChoice(or, source); ok {
				out = append(out, p)
			}
			continue
		}
		cmp, ok := c.(*sqlparser.ComparisonExpr)
		if !ok || cmp.Modifier != sqlparser.Missing {
			continue
		}
		switch cmp.Operator {
		case sqlparser.EqualOp:
			out = append(out, Predicate{Op: "=", Left: a.eb.build(cmp.Left), Right: a.eb.build(cmp.Right), Source: source})
		case sqlparser.InOp:
			if _, ok := cmp.Right.(*sqlparser.Subquery); ok {
				out = append(out, Predicate{Op: "IN SELECT", Left: a.eb.build(cmp.Left), Source: source})
				continue
			}
			tuple, ok := cmp.Right.(sqlparser.ValTuple)
			if !ok {
				continue
			}
			p := Predicate{Op: "IN", Left: a.eb.build(cmp.Left), Source: source}
			for _, item := range tuple {
				p.List = append(p.List, a.eb.build(item))
			}
			out = append(out, p)
		}
	}
	return out
}

// equalityChoice reads `col = x OR col = y OR ...` (one column, compared
// with something else in every disjunct) as `col IN (x, y, ...)`.
func (a *analyzer) equalityChoice(or *sqlparser.OrExpr, source PredicateSource) (Predicate, bool) {
	var col *sqlparser.ColName
	p := Predicate{Op: "IN", Source: source}
	for _, d := range disjuncts(or, nil) {
		cmp, ok := d.(*sqlparser.ComparisonExpr)
		if !ok || cmp.Operator != sqlparser.EqualOp || cmp.Modifier != sqlparser.Missing {
			return p, false
		}
		c, other := columnSide(cmp)
		if c == nil || (col != nil && !sqlparser.Equals.RefOfColName(c, col)) {
			return p, false
		}
		col = c
		p.List = append(p.List, a.eb.build(other))
	}
	p.Left = a.eb.build(col)
	return p, true
}

// columnSide returns the column of `col = x` or `x = col`, and x.
func columnSide(cmp *sqlparser.ComparisonExpr) (*sqlparser.ColName, sqlparser.Expr) {
	if c, ok := cmp.Left.(*sqlparser.ColName); ok {
		if _, both := cmp.Right.(*sqlparser.ColName); !both {
			return c, cmp.Right
		}
	}
	if c, ok := cmp.Right.(*sqlparser.ColName); ok {
		if _, both := cmp.Left.(*sqlparser.ColName); !both {
			return c, cmp.Left
		}
	}
	return nil, nil
}

func disjuncts(e sqlparser.Expr, acc []sqlparser.Expr) []sqlparser.Expr {
	if or, ok := e.(*sqlparser.OrExpr); ok {
		return disjuncts(or.Right, disjuncts(or.Left, acc))
	}
	return append(acc, e)
}

// indexes is from, from+1, ..., to-1.
func indexes(from, to int) []int {
	var out []int
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}

func conjuncts(e sqlparser.Expr, acc []sqlparser.Expr) []sqlparser.Expr {
	if and, ok := e.(*sqlparser.AndExpr); ok {
		return conjuncts(and.Right, conjuncts(and.Left, acc))
	}
	return append(acc, e)
}

// buildSelect analyzes a query whose text is src and whose vitess tree is ts.
func buildSelect(input string, src source, ts sqlparser.TableStatement, n *normalized, sig, comments []token) (*Select, error) {
	a := &analyzer{input: input, eb: &exprBuilder{chains: n.chains}}
	a.statement(ts)
	if a.err != nil {
		return nil, a.err
	}
	s := &Select{source: src, Tables: a.tables, renamed: renamedColumns(ts)}
	if len(s.Tables) == 1 {
		s.RowLimit = rowLimit(ts, len(s.Tables[0].Predicates))
	}
	for i := range s.Tables {
		s.Tables[i].Start -= src.offset
		s.Tables[i].End -= src.offset
	}
	used := map[int]bool{}
	for _, t := range a.tables {
		used[t.Start+src.offset] = true
	}
	for _, c := range n.chains {
		if c.hasColumn && !used[c.start] && c.start >= src.offset && c.end <= src.offset+len(src.text) {
			s.qualifiedColumns = append(s.qualifiedColumns, qualifierSpan{name: c.name, start: c.start - src.offset, end: c.end - src.offset})
		}
	}
	for _, c := range comments {
		if c.text[0] == '#' && c.start >= src.offset && c.end <= src.offset+len(src.text) {
			s.hashComments = append(s.hashComments, c.start-src.offset)
		}
	}
	s.names = nameSpans(sig, n.chains, src)
	s.Hints = hints(comments)
	return s, nil
}

// dollarName is an API's $-parameter ($filter), not a JSON path ("$.a").
var dollarName = regexp.MustCompile(`^\$[A-Za-z_][A-Za-z0-9_]*$`)

// nameSpans are the names in src that may be columns: identifiers not
// called as functions, not given with AS and not part of a provider
// table's name.
func nameSpans(sig []token, chains []chain, src source) []nameSpan {
	var out []nameSpan
	for i, t := range sig {
		if !t.isIdent() || t.start < src.offset || t.end > src.offset+len(src.text) ||
			i+1 < len(sig) && sig[i+1].isOp("(") || i > 0 && sig[i-1].is("as") {
			continue
		}
		inChain := false
		for _, c := range chains {
			inChain = inChain || t.start >= c.start && t.end <= c.end
		}
		if !inChain {
			// "$filter" is the same name as $filter; SQLite would read it as a
			// string where no column has the name.
			bare := t.kind == tokBareName || t.kind == tokQuotedIdent && dollarName.MatchString(t.identName())
			out = append(out, nameSpan{name: t.identName(), bare: bare, start: t.start - src.offset, end: t.end - src.offset})
		}
	}
	return out
}

// rowLimit is Select.RowLimit of a statement whose one table has
// predicates reported predicates.
func rowLimit(ts sqlparser.TableStatement, predicates int) int64 {
	sel, ok := ts.(*sqlparser.Select)
	if !ok || sel.Limit == nil || sel.With != nil || sel.Distinct || sel.GroupBy != nil || sel.Having != nil ||
		len(sel.OrderBy) > 0 || len(sel.Windows) > 0 || len(sel.From) != 1 || sqlparser.ContainsAggregation(sel) {
		return 0
	}
	if _, table := sel.From[0].(*sqlparser.AliasedTableExpr); !table {
		return 0 // a join, if only with json_each
	}
	if sel.Where != nil && len(conjuncts(sel.Where.Expr, nil)) != predicates {
		return 0
	}
	arrivalOrder := true
	_ = sqlparser.Walk(func(n sqlparser.SQLNode) (bool, error) {
		switch n := n.(type) {
		case *sqlparser.Subquery, *sqlparser.OverClause:
			arrivalOrder = false
		case *sqlparser.FuncExpr:
			// SQLite's aggregates that vitess does not know as such.
			switch n.Name.Lowered() {
			case "total", "group_concat", "string_agg", "json_group_array", "json_group_object", "jsonb_group_array", "jsonb_group_object", "min", "max", "count", "sum", "avg":
				arrivalOrder = false
			}
		}
		return arrivalOrder, nil
	}, sel)
	count, offset := limitValue(sel.Limit.Rowcount), limitValue(sel.Limit.Offset)
	if !arrivalOrder || count <= 0 || offset < 0 {
		return 0
	}
	return count + offset
}

// limitValue is the value of a LIMIT or OFFSET given as an integer
// literal: 0 when absent, -1 for anything else.
func limitValue(e sqlparser.Expr) int64 {
	if e == nil {
		return 0
	}
	lit, ok := e.(*sqlparser.Literal)
	if !ok || lit.Type != sqlparser.IntVal {
		return -1
	}
	n, err := strconv.ParseInt(lit.Val, 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// renamedColumns maps the names given with AS in any select list of the
// statement (subqueries and CTEs included, since a query can select a
// renamed column through them) to the plain column each selects, or to ""
// for an expression, or where one name is given to different things.
func renamedColumns(ts sqlparser.TableStatement) map[string]string {
	out := map[string]string{}
	_ = sqlparser.Walk(func(n sqlparser.SQLNode) (bool, error) {
		sel, ok := n.(*sqlparser.Select)
		if !ok || sel.SelectExprs == nil {
			return true, nil
		}
		for _, e := range sel.SelectExprs.Exprs {
			ae, ok := e.(*sqlparser.AliasedExpr)
			if !ok || ae.As.IsEmpty() {
				continue
			}
			source := ""
			if col, ok := ae.Expr.(*sqlparser.ColName); ok {
				source = col.Name.String()
			}
			if prev, seen := out[ae.As.String()]; seen && prev != source {
				source = ""
			}
			out[ae.As.String()] = source
		}
		return true, nil
	}, ts)
	return out
}

// RenamedColumn says what a name given with AS somewhere in the statement
// stands for: the plain column it selects (SELECT properties AS p: p
// selects properties), or "" for an expression or an ambiguous name. ok
// is false for names never given with AS.
func (s *Select) RenamedColumn(name string) (column string, ok bool) {
	column, ok = s.renamed[name]
	return column, ok
}

// SQLiteText returns Text with every provider table name replaced by
// rename(ref) and nothing else changed, except that:
//   - a column written `p.s.r.col` gets the table's alias, or rename(ref) when
//     the table has none (so rename should return a plain table name for
//     unaliased tables), in place of `p.s.r`;
//   - a `#` comment, which SQLite does not know, starts with `--` instead.
//   - a bare name (`$filter`) is backquoted, so SQLite reads the column
//     and not a parameter to bind.
func (s *Select) SQLiteText(rename func(TableRef) string) string {
	return s.SQLiteTextWithColumns(rename, nil)
}

// SQLiteTextWithColumns is SQLiteText that also writes each name column
// renames (ok true) as the name it returns: a parameter written in
// another spelling (subscription_id) as its table's column
// (subscriptionId). column may be nil.
func (s *Select) SQLiteTextWithColumns(rename func(TableRef) string, column func(name string) (string, bool)) string {
	type edit struct {
		start, end int
		text       string
	}
	var edits []edit
	for _, t := range s.Tables {
		edits = append(edits, edit{t.Start, t.End, rename(t)})
	}
	for _, n := range s.names {
		if column != nil {
			if to, ok := column(n.name); ok {
				edits = append(edits, edit{n.start, n.end, quoteIdent(to)})
				continue
			}
		}
		if n.bare {
			// Backquoted, not double-quoted: SQLite reads "$filter" as a
			// string when no column has the name, and WHERE would quietly
			// compare two strings.
			edits = append(edits, edit{n.start, n.end, "`" + strings.ReplaceAll(n.name, "`", "``") + "`"})
		}
	}
	for _, q := range s.qualifiedColumns {
		for _, t := range s.Tables {
			if t.Name == q.name {
				text := t.Alias
				if text == "" {
					text = rename(t)
				}
				edits = append(edits, edit{q.start, q.end, text})
				break
			}
		}
	}
	for _, h := range s.hashComments {
		edits = append(edits, edit{h, h + 1, "--"})
	}
	sort.Slice(edits, func(i, j int) bool { return edits[i].start < edits[j].start })
	var b strings.Builder
	last := 0
	for _, e := range edits {
		b.WriteString(s.text[last:e.start])
		b.WriteString(e.text)
		last = e.end
	}
	b.WriteString(s.text[last:])
	return b.String()
}

// hints returns the upper-cased words of optimizer hint comments `/*+ ... */`.
func hints(comments []token) []string {
	var out []string
	for _, c := range comments {
		if strings.HasPrefix(c.text, "/*+") {
			out = append(out, strings.Fields(strings.ToUpper(c.text[3:len(c.text)-2]))...)
		}
	}
	return out
}

func hasHint(comments []token, word string) bool {
	for _, h := range hints(comments) {
		if h == word {
			return true
		}
	}
	return false
}
