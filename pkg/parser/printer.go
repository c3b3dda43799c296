package parser

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"vitess.io/vitess/go/vt/sqlparser"
)

// exprBuilder turns vitess expressions into Expr values: SQLite text for the
// supported subset, and the columns referenced.
type exprBuilder struct {
	chains []chain
}

// build converts e. An expression outside the subset gets SQL "" and a reason.
func (eb *exprBuilder) build(e sqlparser.Expr) Expr {
	p := &printer{eb: eb}
	p.expr(e, precLowest)
	out := Expr{Columns: p.columns}
	if p.unsupported != "" {
		out.Unsupported = p.unsupported
	} else {
		out.SQL = p.b.String()
	}
	if _, ok := e.(*sqlparser.ColName); ok && len(p.columns) == 1 {
		c := p.columns[0]
		out.Column = &c
	}
	return out
}

// qualifier resolves a column's qualifier, mapping provider-name placeholders
// back to the name as written (`p.s.r`).
func (eb *exprBuilder) qualifier(name string) string {
	if k, ok := placeholderIndex(name, refPrefix); ok && k < len(eb.chains) {
		return eb.chains[k].name.String()
	}
	return name
}

func placeholderIndex(name, prefix string) (int, bool) {
	if !strings.HasPrefix(name, prefix) {
		return 0, false
	}
	k, err := strconv.Atoi(name[len(prefix):])
	return k, err == nil
}

// SQLite operator precedence, loosest first.
const (
	precLowest = iota
	precOr
	precAnd
	precNot
	precEquality // = <> IS IN LIKE BETWEEN
	precCompare  // < <= > >=
	precBitwise  // & | << >>
	precAdditive
	precMultiplicative
	precConcat // || -> ->>
	precCollate
	precUnary
	precAtom
)

type printer struct {
	eb          *exprBuilder
	b           strings.Builder
	columns     []ColumnRef
	unsupported string
}

func (p *printer) fail(format string, args ...any) {
	if p.unsupported == "" {
		p.unsupported = fmt.Sprintf(format, args...)
	}
}

// open writes "(" when an operator of precedence own sits where only ctx or
// tighter may stand; the returned func closes it.
func (p *printer) open(own, ctx int) func() {
	if own < ctx {
		p.b.WriteByte('(')
		return func() { p.b.WriteByte(')') }
	}
	return func() {}
}

func (p *printer) binary(left sqlparser.Expr, op string, right sqlparser.Expr, own, ctx int) {
	closeParen := p.open(own, ctx)
	p.expr(left, own)
	p.b.WriteString(" " + op + " ")
	p.expr(right, own+1)
	closeParen()
}

func (p *printer) list(exprs []sqlparser.Expr) {
	for i, e := range exprs {
		if i > 0 {
			p.b.WriteString(", ")
		}
		p.expr(e, precLowest)
	}
}

var binaryOps = map[sqlparser.BinaryExprOperator]struct {
	sql  string
	prec int
}{
	sqlparser.BitXorOp:     {"||", precConcat}, // normalize wrote `||` as `^`
	sqlparser.MultOp:       {"*", precMultiplicative},
	sqlparser.DivOp:        {"/", precMultiplicative},
	sqlparser.ModOp:        {"%", precMultiplicative},
	sqlparser.PlusOp:       {"+", precAdditive},
	sqlparser.MinusOp:      {"-", precAdditive},
	sqlparser.BitAndOp:     {"&", precBitwise},
	sqlparser.BitOrOp:      {"|", precBitwise},
	sqlparser.ShiftLeftOp:  {"<<", precBitwise},
	sqlparser.ShiftRightOp: {">>", precBitwise},
}

var comparisonOps = map[sqlparser.ComparisonExprOperator]struct {
	sql  string
	prec int
}{
	sqlparser.EqualOp:         {"=", precEquality},
	sqlparser.NotEqualOp:      {"<>", precEquality},
	sqlparser.NullSafeEqualOp: {"IS", precEquality},
	sqlparser.LikeOp:          {"LIKE", precEquality},
	sqlparser.NotLikeOp:       {"NOT LIKE", precEquality},
	sqlparser.LessThanOp:      {"<", precCompare},
	sqlparser.GreaterThanOp:   {">", precCompare},
	sqlparser.LessEqualOp:     {"<=", precCompare},
	sqlparser.GreaterEqualOp:  {">=", precCompare},
}

var isOps = map[sqlparser.IsExprOperator]string{
	sqlparser.IsNullOp: "IS NULL", sqlparser.IsNotNullOp: "IS NOT NULL",
	sqlparser.IsTrueOp: "IS TRUE", sqlparser.IsNotTrueOp: "IS NOT TRUE",
	sqlparser.IsFalseOp: "IS FALSE", sqlparser.IsNotFalseOp: "IS NOT FALSE",
}

// castTypes maps the MySQL CAST type vitess holds back to SQLite's.
var castTypes = map[string]string{"signed": "INTEGER", "unsigned": "INTEGER", "char": "TEXT",
	"double": "REAL", "float": "REAL", "decimal": "NUMERIC", "binary": "BLOB"}

// numberedParam prefixes the names vitess is given for numbered
// parameters (?1, $1): vitess reads :1 as a column offset.
const numberedParam = "skyql_param_"

func (p *printer) expr(e sqlparser.Expr, ctx int) {
	switch e := e.(type) {
	case *sqlparser.Literal:
		switch e.Type {
		case sqlparser.StrVal:
			p.b.WriteString(quoteString(e.Val))
		case sqlparser.IntVal, sqlparser.FloatVal, sqlparser.DecimalVal, sqlparser.HexNum:
			p.b.WriteString(e.Val)
		case sqlparser.HexVal:
			p.b.WriteString("X'" + e.Val + "'")
		default:
			p.fail("literal %s is not SQLite", sqlparser.String(e))
		}
	case *sqlparser.NullVal:
		p.b.WriteString("NULL")
	case *sqlparser.Argument:
		// A numbered parameter (?1, $1): SQLite binds it by number.
		n, ok := strings.CutPrefix(e.Name, numberedParam)
		if !ok {
			p.fail("parameter %s has no number; use ?1, ?2, ...", sqlparser.String(e))
			return
		}
		p.b.WriteString("?" + n)
	case sqlparser.BoolVal:
		if e {
			p.b.WriteString("TRUE")
		} else {
			p.b.WriteString("FALSE")
		}
	case *sqlparser.ColName:
		p.column(e)
	case *sqlparser.FuncExpr:
		p.call(e)
	case *sqlparser.SubstrExpr:
		p.b.WriteString("substr(")
		args := []sqlparser.Expr{e.Name, e.From}
		if e.To != nil {
			args = append(args, e.To)
		}
		p.list(args)
		p.b.WriteByte(')')
	case *sqlparser.JSONExtractExpr:
		// Only `doc -> path` reaches here: normalize renamed json_extract().
		if len(e.PathList) != 1 {
			p.fail("-> takes one path")
			return
		}
		p.binary(e.JSONDoc, "->", e.PathList[0], precConcat, ctx)
	case *sqlparser.JSONUnquoteExpr:
		inner, ok := e.JSONValue.(*sqlparser.JSONExtractExpr)
		if !ok || len(inner.PathList) != 1 {
			p.fail("json_unquote is MySQL, not SQLite")
			return
		}
		p.binary(inner.JSONDoc, "->>", inner.PathList[0], precConcat, ctx)
	case *sqlparser.BinaryExpr:
		op, ok := binaryOps[e.Operator]
		if !ok {
			p.fail("operator %s is not SQLite", e.Operator.ToString())
			return
		}
		p.binary(e.Left, op.sql, e.Right, op.prec, ctx)
	case *sqlparser.UnaryExpr:
		op := map[sqlparser.UnaryExprOperator]string{sqlparser.UMinusOp: "-", sqlparser.UPlusOp: "+", sqlparser.TildaOp: "~"}[e.Operator]
		if op == "" {
			p.fail("operator %s is not SQLite", e.Operator.ToString())
			return
		}
		closeParen := p.open(precUnary, ctx)
		p.b.WriteString(op)
		p.expr(e.Expr, precUnary)
		closeParen()
	case *sqlparser.NotExpr:
		closeParen := p.open(precNot, ctx)
		p.b.WriteString("NOT ")
		p.expr(e.Expr, precNot)
		closeParen()
	case *sqlparser.AndExpr:
		p.binary(e.Left, "AND", e.Right, precAnd, ctx)
	case *sqlparser.OrExpr:
		p.binary(e.Left, "OR", e.Right, precOr, ctx)
	case *sqlparser.ComparisonExpr:
		p.comparison(e, ctx)
	case *sqlparser.IsExpr:
		closeParen := p.open(precEquality, ctx)
		p.expr(e.Left, precEquality+1)
		p.b.WriteString(" " + isOps[e.Right])
		closeParen()
	case *sqlparser.BetweenExpr:
		closeParen := p.open(precEquality, ctx)
		p.expr(e.Left, precEquality+1)
		if e.IsBetween {
			p.b.WriteString(" BETWEEN ")
		} else {
			p.b.WriteString(" NOT BETWEEN ")
		}
		p.expr(e.From, precEquality+1)
		p.b.WriteString(" AND ")
		p.expr(e.To, precEquality+1)
		closeParen()
	case *sqlparser.CaseExpr:
		p.b.WriteString("CASE")
		if e.Expr != nil {
			p.b.WriteByte(' ')
			p.expr(e.Expr, precLowest)
		}
		for _, w := range e.Whens {
			p.b.WriteString(" WHEN ")
			p.expr(w.Cond, precLowest)
			p.b.WriteString(" THEN ")
			p.expr(w.Val, precLowest)
		}
		if e.Else != nil {
			p.b.WriteString(" ELSE ")
			p.expr(e.Else, precLowest)
		}
		p.b.WriteString(" END")
	case *sqlparser.CastExpr:
		p.cast(e.Expr, e.Type)
	case *sqlparser.ConvertExpr:
		p.cast(e.Expr, e.Type)
	case *sqlparser.CollateExpr:
		closeParen := p.open(precCollate, ctx)
		p.expr(e.Expr, precCollate)
		p.b.WriteString(" COLLATE " + e.Collation)
		closeParen()
	case *sqlparser.CurTimeFuncExpr:
		switch name := e.Name.Lowered(); name {
		case "current_timestamp", "current_time":
			p.b.WriteString(strings.ToUpper(name))
		default:
			p.fail("%s() is MySQL, not SQLite", name)
		}
	default:
		p.fail("%s is outside the expressions skyql evaluates", sqlparser.String(e))
	}
}

func (p *printer) column(c *sqlparser.ColName) {
	name := c.Name.String()
	if _, ok := placeholderIndex(name, refPrefix); ok {
		p.fail("a three-part column reference is ambiguous; qualify columns by table alias")
		return
	}
	ref := ColumnRef{Name: name}
	if !c.Qualifier.Qualifier.IsEmpty() {
		p.fail("column %s has a schema qualifier", sqlparser.String(c))
		return
	}
	if !c.Qualifier.Name.IsEmpty() {
		ref.Qualifier = p.eb.qualifier(c.Qualifier.Name.String())
		if _, ok := placeholderIndex(c.Qualifier.Name.String(), refPrefix); ok {
			p.b.WriteString(ref.Qualifier + ".")
		} else {
			p.b.WriteString(quoteIdent(ref.Qualifier) + ".")
		}
	}
	p.b.WriteString(quoteIdent(name))
	p.columns = append(p.columns, ref)
}

func (p *printer) call(f *sqlparser.FuncExpr) {
	if !f.Qualifier.IsEmpty() {
		p.fail("function %s has a schema qualifier", sqlparser.String(f))
		return
	}
	name := strings.TrimPrefix(f.Name.String(), fnPrefix)
	if strings.EqualFold(name, "current_date") && len(f.Exprs) == 0 {
		p.b.WriteString("CURRENT_DATE")
		return
	}
	p.b.WriteString(name + "(")
	p.list(f.Exprs)
	p.b.WriteByte(')')
}

func (p *printer) cast(e sqlparser.Expr, t *sqlparser.ConvertType) {
	typ, ok := castTypes[strings.ToLower(t.Type)]
	if !ok {
		p.fail("CAST to %s is not SQLite; use INTEGER, REAL, TEXT, NUMERIC or BLOB", t.Type)
		return
	}
	p.b.WriteString("CAST(")
	p.expr(e, precLowest)
	p.b.WriteString(" AS " + typ + ")")
}

func (p *printer) comparison(e *sqlparser.ComparisonExpr, ctx int) {
	if e.Modifier != sqlparser.Missing {
		p.fail("ANY/ALL comparisons are not SQLite")
		return
	}
	switch e.Operator {
	case sqlparser.InOp, sqlparser.NotInOp:
		tuple, ok := e.Right.(sqlparser.ValTuple)
		if !ok {
			p.fail("IN with a subquery is outside the expressions skyql evaluates")
			return
		}
		closeParen := p.open(precEquality, ctx)
		p.expr(e.Left, precEquality+1)
		if e.Operator == sqlparser.InOp {
			p.b.WriteString(" IN (")
		} else {
			p.b.WriteString(" NOT IN (")
		}
		p.list(tuple)
		p.b.WriteByte(')')
		closeParen()
		return
	case sqlparser.RegexpOp, sqlparser.NotRegexpOp:
		p.fail("GLOB and REGEXP are outside the expressions skyql evaluates")
		return
	}
	op, ok := comparisonOps[e.Operator]
	if !ok {
		p.fail("operator %s is outside the expressions skyql evaluates", e.Operator.ToString())
		return
	}
	closeParen := p.open(op.prec, ctx)
	p.expr(e.Left, op.prec)
	p.b.WriteString(" " + op.sql + " ")
	p.expr(e.Right, op.prec+1)
	if e.Escape != nil {
		p.b.WriteString(" ESCAPE ")
		p.expr(e.Escape, op.prec+1)
	}
	closeParen()
}

// quoteString writes s as an SQLite string literal.
func quoteString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

var plainIdent = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// quoteIdent double-quotes a name unless it is a plain word SQLite does not reserve.
func quoteIdent(name string) string {
	if plainIdent.MatchString(name) && !sqliteKeywords[strings.ToLower(name)] {
		return name
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}
