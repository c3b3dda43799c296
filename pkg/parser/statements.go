package parser

import "strings"

// Statement is one parsed statement. Its concrete type is one of *Select,
// *Insert, *Update, *Delete, *Exec, *Show, *Describe or *Registry.
type Statement interface {
	// Text is the statement's original text, without the separating `;`.
	Text() string
	// Offset is the byte offset of Text in the input given to Parse.
	Offset() int
	statement()
}

// source is the original text of a statement and where it starts.
type source struct {
	text   string
	offset int
}

// Text is the statement's original text, without the separating `;`.
func (s source) Text() string { return s.text }

// Offset is the byte offset of the statement in the input given to Parse.
func (s source) Offset() int { return s.offset }

func (source) statement() {}

// QualifiedName names a provider resource, `provider.service.resource`. SHOW
// statements use partial names: only Provider, or Provider and Service.
type QualifiedName struct {
	Provider, Service, Resource string
}

// String joins the non-empty parts with dots.
func (q QualifiedName) String() string {
	parts := make([]string, 0, 3)
	for _, p := range []string{q.Provider, q.Service, q.Resource} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ".")
}

// ColumnRef is a column as written: Qualifier is the table alias or name before
// the dot (a provider table's full name `p.s.r` when written that way), empty
// for a bare column.
type ColumnRef struct {
	Qualifier, Name string
}

// Expr is an expression of the statement, rendered for SQLite.
type Expr struct {
	// SQL is the expression in SQLite's dialect, empty when the expression uses
	// a construct outside the supported subset (see Unsupported).
	SQL string
	// Column is set when the expression is a bare column reference.
	Column *ColumnRef
	// Columns lists every column the expression references, in order of appearance.
	Columns []ColumnRef
	// Unsupported says which construct kept SQL empty.
	Unsupported string
}

// IsConstant reports whether the expression is renderable and references no
// column, so it can be evaluated before any table is fetched.
func (e Expr) IsConstant() bool { return e.SQL != "" && len(e.Columns) == 0 }

// ColumnExpr is the expression `qualifier.name`, quoted for SQLite: the
// planner's reference to a column of a table it added to the statement.
// An empty qualifier gives the bare column.
func ColumnExpr(qualifier, name string) Expr {
	ref := ColumnRef{Qualifier: qualifier, Name: name}
	sql := quoteIdent(name)
	if qualifier != "" {
		sql = quoteIdent(qualifier) + "." + sql
	}
	return Expr{SQL: sql, Column: &ref, Columns: []ColumnRef{ref}}
}

// StringLiteral is the SQL string literal of v: a value given outside the
// statement (--subscription) where the statement would have a constant.
func StringLiteral(v string) Expr {
	return Expr{SQL: "'" + strings.ReplaceAll(v, "'", "''") + "'"}
}

// PredicateSource says which clause a predicate came from.
type PredicateSource string

const (
	// FromWhere is a conjunct of the query block's WHERE clause.
	FromWhere PredicateSource = "WHERE"
	// FromJoinOn is a conjunct of an inner join's ON condition.
	FromJoinOn PredicateSource = "JOIN ON"
	// FromLeftJoinOn is a conjunct of an outer (LEFT or RIGHT) join's ON
	// condition: it restricts the joined side only and never removes rows of
	// the preserved side.
	FromLeftJoinOn PredicateSource = "LEFT JOIN ON"
)

// Predicate is a top-level AND conjunct of the form `a = b`, `a IN (x, y)`
// or `a IN (SELECT ...)`. Other conjuncts are not reported. For "=", the
// column may be on either side.
type Predicate struct {
	Op          string // "=", "IN", or "IN SELECT" for a subquery
	Left, Right Expr   // Right is unset for IN
	List        []Expr // the IN list
	Source      PredicateSource
	// Preserved are, for an outer join's ON conjunct, the indexes in
	// Select.Tables of the tables on the join's preserved side, whose rows
	// the conjunct does not narrow.
	Preserved []int
}

// TableRef is a reference to a provider table (`provider.service.resource`)
// anywhere in a query: main query, CTEs, subqueries, union arms, joins.
type TableRef struct {
	Name  QualifiedName
	Alias string
	// Start and End are the byte span of the name in the statement's Text.
	Start, End int
	// Block numbers the query block (one SELECT ... FROM ... WHERE) holding the
	// reference; references with the same Block are joined together.
	Block int
	// Predicates are the block's WHERE conjuncts and its joins' ON conjuncts.
	Predicates []Predicate
}

// Select is a query: SELECT, a compound (UNION, ...), a WITH query, or
// EXPLAIN of one of these.
type Select struct {
	source
	// Explain is set for `EXPLAIN SELECT ...`; Text still includes EXPLAIN.
	Explain bool
	Tables  []TableRef
	// Hints are the words of optimizer hint comments (`/*+ NOWAIT */`), upper-cased.
	Hints []string
	// qualifiedColumns are 4-part column references `p.s.r.col`, whose
	// qualifier SQLiteText rewrites with the table it names.
	qualifiedColumns []qualifierSpan
	// names are the identifiers that may name columns (see SQLiteTextWithColumns).
	names []nameSpan
	// hashComments are the offsets of `#` comments, which SQLite does not know.
	hashComments []int
	// renamed maps names given with AS to the column they select (see RenamedColumn).
	renamed map[string]string
	// RowLimit is, when the result is the first rows of the statement's one
	// table in the order they arrive, how many rows that takes (LIMIT plus
	// OFFSET); 0 otherwise. It is set for one SELECT over one table with a
	// constant LIMIT and without ORDER BY, GROUP BY, HAVING, DISTINCT,
	// aggregates, window functions, subqueries, WITH or UNION, whose WHERE
	// is made only of the Predicates reported (= and IN).
	RowLimit int64
}

// nameSpan is an identifier of a query's text; bare is set for a name
// SQLite would not read as one unquoted (`$filter`).
type nameSpan struct {
	name       string
	bare       bool
	start, end int
}

// qualifierSpan is the `p.s.r` part of a column reference `p.s.r.col`.
type qualifierSpan struct {
	name       QualifiedName
	start, end int
}

// Assignment is one `column = value` of an UPDATE.
type Assignment struct {
	Column string
	Value  Expr
}

// Insert is INSERT INTO or REPLACE INTO a provider table.
type Insert struct {
	source
	Table   QualifiedName
	Replace bool
	Columns []string
	// Rows are the VALUES tuples; nil when the rows come from Select.
	Rows   [][]Expr
	Select *Select
	// Returning is the text after RETURNING, empty without the clause.
	Returning string
	// ReturningColumns are the properties RETURNING names, nil for * (or
	// without RETURNING).
	ReturningColumns []string
	NoWait           bool
}

// Update is UPDATE of a provider table, or the anchor tool's REPLACE ...
// SET ... WHERE (Replace), which replaces the resource with a PUT.
type Update struct {
	source
	Table            QualifiedName
	Replace          bool
	Set              []Assignment
	Predicates       []Predicate
	Returning        string
	ReturningColumns []string
	NoWait           bool
}

// Delete is DELETE FROM a provider table.
type Delete struct {
	source
	Table            QualifiedName
	Predicates       []Predicate
	Returning        string
	ReturningColumns []string
	NoWait           bool
}

// NamedValue is one `@name=value` argument of EXEC.
type NamedValue struct {
	Name  string
	Value Expr
}

// Exec calls a method of a provider resource directly:
// `EXEC p.s.r.Method @a='x', @b=2 @@json='{...}'`.
type Exec struct {
	source
	Table  QualifiedName
	Method string
	Params []NamedValue
	// JSONBody is the value of @@json: the whole request body.
	JSONBody string
	NoWait   bool
}

// Show lists providers, services, resources or methods, or prints an INSERT
// template (Kind "INSERT").
type Show struct {
	source
	Kind     string // PROVIDERS, SERVICES, RESOURCES, METHODS or INSERT
	Extended bool
	Target   QualifiedName
	Like     string
}

// Describe lists the columns of a provider resource.
type Describe struct {
	source
	Target   QualifiedName
	Extended bool
}

// Registry lists or pulls providers from the registry.
type Registry struct {
	source
	Action   string // LIST or PULL
	Provider string
	Version  string
}
