// Package planner decides, for each provider table a query reads, which API
// method serves it and where each required parameter comes from: a
// constant in WHERE (= or IN, one call per combination), another table's
// rows through a join, or, for a parameter the statement leaves unbound,
// the rows of the collection above the resource, which it adds to the plan
// (scope fan-out). It orders the tables so that those feeding others are
// fetched first. It plans writes too (PlanWrite), which never fan out. It
// sends nothing; the engine evaluates and runs the plan.
package planner

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/skyql/skyql/pkg/parser"
	"github.com/skyql/skyql/pkg/provider"
)

// Resolver finds the resource a three-part name refers to.
type Resolver func(parser.QualifiedName) (*provider.Resource, error)

// Plan is the fetch plan of one SELECT.
type Plan struct {
	// Tables in fetch order: every table's join sources come before it.
	Tables []*Table
}

// Table is one provider table reference and how to fetch it.
type Table struct {
	Ref      parser.TableRef
	Resource *provider.Resource
	// ViewName is what the query's SQL calls the table in SQLite.
	ViewName string
	Method   *provider.Method
	// Constants are parameter values from WHERE: one call per combination.
	Constants []ConstantBinding
	// Joins are parameters taken from other tables' rows.
	Joins []JoinBinding
	// Filters are constant predicates on the table's own columns, used to
	// narrow its rows before they feed other tables.
	Filters []parser.Predicate
	// RowLimit, when not 0, is how many rows of the table answer the
	// statement (a LIMIT over rows in arrival order, whose WHERE the API
	// applies itself): the table's calls, together, may stop once that
	// many rows have arrived, however many scopes they fan out over.
	RowLimit int64
	// Scope marks a table the planner added: a collection above another
	// table, listed for the parameters the statement left unbound. The
	// statement's SQL does not read it.
	Scope bool
}

// ConstantBinding gives a parameter one or more constant values.
type ConstantBinding struct {
	Param  string
	Values []parser.Expr
}

// JoinBinding takes a parameter from an expression over another table.
type JoinBinding struct {
	Param  string
	Source *Table
	Expr   parser.Expr
}

// Alias is how the query names the table.
func (t *Table) Alias() string {
	if t.Ref.Alias != "" {
		return t.Ref.Alias
	}
	return t.ViewName
}

// Sources lists the tables this one's parameters come from, without repeats.
func (t *Table) Sources() []*Table {
	var out []*Table
	seen := map[*Table]bool{}
	for _, j := range t.Joins {
		if !seen[j.Source] {
			seen[j.Source] = true
			out = append(out, j.Source)
		}
	}
	return out
}

// MissingParamsError says which required parameters a table lacks, and
// which methods could serve it with what.
type MissingParamsError struct {
	Table   string
	Missing []string
	Methods []*provider.Method
	// FromSubqueries are the missing parameters the statement compares
	// with a subquery (`vaultName IN (SELECT ...)`), which skyql does not
	// take parameter values from.
	FromSubqueries []string
	// CycleWith is the table whose join conditions with this one were not
	// used for its parameters, because that table's came from this one's rows.
	CycleWith string
}

func (e *MissingParamsError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "cannot SELECT from %s: missing required parameter(s) %s; supply them in WHERE (e.g. %s = '...') or bind them to another table's column in a join (no collection above the resource gives them).",
		e.Table, strings.Join(e.Missing, ", "), e.Missing[0])
	for _, name := range e.FromSubqueries {
		fmt.Fprintf(&b, "\n%s IN (SELECT ...) does not give %s values: skyql takes them from a join, e.g. JOIN <the subquery's table> s ON %s = s.<its column>, with the subquery's WHERE in the ON or WHERE.",
			name, name, name)
	}
	if e.CycleWith != "" {
		fmt.Fprintf(&b, "\nIts join conditions with %s were not used: %s's parameters come from this table's rows, and both cannot come from the other. Give one of the two its parameters in WHERE, or take them from the other's id (e.g. split_part(%s.id, '/', 3) is the subscription of an Azure id).",
			e.CycleWith, e.CycleWith, e.CycleWith)
	}
	b.WriteString("\nmethods that serve SELECT, and what each needs:")
	for _, m := range e.Methods {
		fmt.Fprintf(&b, "\n  %s: %s", m.Name, strings.Join(m.UserParams(), ", "))
	}
	return b.String()
}

// userParams lists the required parameters a user has to give (those with
// a document default, like api-version, are filled in). Body fields are
// not among them: a read sends no body.
func userParams(m *provider.Method) []string {
	var out []string
	for _, name := range m.RequiredParams() {
		if p, ok := m.Param(name); !ok || p.Supplied() {
			continue
		}
		out = append(out, name)
	}
	return out
}

// Options are what planning takes besides the statement.
type Options struct {
	// Scope gives values to parameters a statement leaves unbound, used
	// before fanning out (--subscription gives subscriptionId its values).
	Scope map[string][]string
	// MaxCalls bounds the calls one table's constant parameter values may
	// multiply into; 0 means DefaultMaxCalls.
	MaxCalls int
}

// DefaultMaxCalls is the most calls a statement may plan unless told
// otherwise (--max-calls).
const DefaultMaxCalls = 10000

// TooManyCallsError refuses a statement that would make more calls than
// allowed, before any is made.
type TooManyCallsError struct {
	Table string
	Calls int
	Max   int
}

func (e *TooManyCallsError) Error() string {
	return fmt.Sprintf("%s would need %d API calls, more than the %d allowed; narrow it with WHERE (fewer parameter values, or --subscription), or allow more with --max-calls %d",
		e.Table, e.Calls, e.Max, e.Calls)
}

// PlanSelect plans a SELECT.
func PlanSelect(sel *parser.Select, resolve Resolver, opts Options) (*Plan, error) {
	if opts.MaxCalls <= 0 {
		opts.MaxCalls = DefaultMaxCalls
	}
	pl := &planning{opts: opts, scopes: map[string]*Table{}, parents: map[string]parentResource{}}
	tables := make([]*Table, len(sel.Tables))
	for i, ref := range sel.Tables {
		r, err := resolve(ref.Name)
		if err != nil {
			return nil, err
		}
		if len(readMethods(r)) == 0 {
			return nil, fmt.Errorf("%s cannot be read with SELECT: it has no SELECT method that reads (GET) (see SHOW METHODS IN %s)", r.ID, ref.Name)
		}
		tables[i] = &Table{Ref: ref, Resource: r, ViewName: ref.Name.String()}
	}
	binds := make([]*bindings, len(tables))
	for i, t := range tables {
		binds[i] = collect(t, tables)
	}
	breakCycles(tables, binds)
	for i, t := range tables {
		if err := pl.bind(t, binds[i]); err != nil {
			return nil, err
		}
	}
	ordered, err := order(append(tables, pl.added...))
	if err != nil {
		return nil, err
	}
	// A statement over one table (however many scopes it fans out over)
	// whose every arriving row is a result row needs only LIMIT of them.
	if len(tables) == 1 && sendsEveryPredicate(tables[0]) {
		tables[0].RowLimit = sel.RowLimit
	}
	return &Plan{Tables: ordered}, nil
}

// sendsEveryPredicate reports whether each of the table's predicates
// gives a parameter the calls send, so that every row that arrives is a
// row of the result.
func sendsEveryPredicate(t *Table) bool {
	for _, p := range t.Ref.Predicates {
		col := p.Left.Column
		if p.Op == "=" && (col == nil || !p.Right.IsConstant()) {
			col = p.Right.Column
			if !p.Left.IsConstant() {
				col = nil
			}
		}
		if col == nil {
			return false
		}
		if name, ok := spelledParam(t.Resource, col.Name); !ok || !sends(t, name) {
			return false
		}
	}
	return true
}

// sends reports whether every call of t sends param the value the
// statement gave it: as a constant, or taken from a column of a scope the
// planner added whose own calls sent that value (a resource group named
// in the WHERE reaches the instances through the vaults listed in it).
func sends(t *Table, param string) bool {
	for _, c := range t.Constants {
		if c.Param == param {
			return true
		}
	}
	for _, j := range t.Joins {
		if j.Param == param && j.Source.Scope && j.Expr.Column != nil && sends(j.Source, j.Expr.Column.Name) {
			return true
		}
	}
	return false
}

// planning is the state of planning one statement.
type planning struct {
	opts Options
	// scopes are the tables added to fill parameters, by what they fetch,
	// so that a collection is listed once per statement however many
	// tables fan out from it.
	scopes  map[string]*Table
	added   []*Table
	parents map[string]parentResource
}

// bindings are the parameter values a table's predicates give it.
type bindings struct {
	constants      map[string][]parser.Expr
	joins          map[string]JoinBinding
	fromSubqueries []string // parameters compared with a subquery's rows
	// cycleWith is the table whose join conditions with this one were set
	// aside because each table's parameters came from the other's rows.
	cycleWith string
}

func (b *bindings) bound(name string) bool {
	_, c := b.constants[name]
	_, j := b.joins[name]
	return c || j
}

func (b *bindings) clone() *bindings {
	c := *b
	c.constants = maps.Clone(b.constants)
	c.joins = maps.Clone(b.joins)
	return &c
}

// collect gathers a table's parameter bindings from its block's predicates,
// and the constant filters on its own columns.
//
// A parameter may be written in either generation's spelling
// (subscription_id for subscriptionId); bindings and filters use the
// document's.
func collect(t *Table, all []*Table) *bindings {
	b := &bindings{constants: map[string][]parser.Expr{}, joins: map[string]JoinBinding{}}
	self := slices.Index(all, t)
	for _, p := range t.Ref.Predicates {
		if slices.Contains(p.Preserved, self) {
			continue // an outer join's ON does not narrow its preserved side
		}
		switch p.Op {
		case "IN SELECT":
			if col := p.Left.Column; col != nil && refersTo(*col, t, all) {
				if name, ok := spelledParam(t.Resource, col.Name); ok {
					b.fromSubqueries = append(b.fromSubqueries, name)
				}
			}
		case "IN":
			col := p.Left.Column
			if col == nil || !refersTo(*col, t, all) {
				continue
			}
			name, ok := spelledParam(t.Resource, col.Name)
			if !ok {
				continue
			}
			allConst := true
			for _, v := range p.List {
				allConst = allConst && v.IsConstant()
			}
			if allConst && len(p.List) > 0 {
				b.constants[name] = append([]parser.Expr(nil), p.List...)
			}
		case "=":
			for _, side := range [][2]parser.Expr{{p.Left, p.Right}, {p.Right, p.Left}} {
				col, other := side[0].Column, side[1]
				if col == nil || !refersTo(*col, t, all) {
					continue
				}
				name, isParam := spelledParam(t.Resource, col.Name)
				if other.IsConstant() {
					if isParam {
						b.constants[name] = []parser.Expr{other}
						// The filter reads the table's own column.
						p = parser.Predicate{Op: "=", Left: parser.ColumnExpr(col.Qualifier, name), Right: other, Source: p.Source}
					}
					if p.Source != parser.FromLeftJoinOn {
						t.Filters = append(t.Filters, p)
					}
					continue
				}
				if !isParam || other.SQL == "" {
					continue
				}
				if src := singleSource(other, t, all); src != nil {
					if _, bound := b.constants[name]; !bound {
						b.joins[name] = JoinBinding{Param: name, Source: src, Expr: spelledColumn(other, src)}
					}
				}
			}
		}
	}
	return b
}

// spelledColumn is e, or when e is a bare column of src written in the
// other generation's spelling of one of src's parameters, that column as
// src's rows name it.
func spelledColumn(e parser.Expr, src *Table) parser.Expr {
	if e.Column == nil {
		return e
	}
	if name, ok := spelledParam(src.Resource, e.Column.Name); ok && name != e.Column.Name {
		return parser.ColumnExpr(e.Column.Qualifier, name)
	}
	return e
}

// breakCycles sets aside join bindings until no table's parameters come,
// through other tables, from its own rows. Of the tables on a cycle, the
// one that needs its joins least (fewest parameters left unbound without
// them) gives them up: in `subscriptions s JOIN resource_groups rg ON
// rg.subscriptionId = s.subscriptionId`, s is listed whole and rg fetched
// per subscription.
func breakCycles(tables []*Table, binds []*bindings) {
	for {
		cycle := findCycle(tables, binds)
		if cycle == nil {
			return
		}
		victim := 0
		for i := range cycle {
			if unboundWithoutJoins(tables[cycle[i]], binds[cycle[i]]) < unboundWithoutJoins(tables[cycle[victim]], binds[cycle[victim]]) {
				victim = i
			}
		}
		b := binds[cycle[victim]]
		b.cycleWith = tables[cycle[(victim+1)%len(cycle)]].Alias()
		b.joins = map[string]JoinBinding{}
	}
}

// findCycle returns the indexes of tables on a cycle of join bindings, each
// taking parameters from the next, or nil.
func findCycle(tables []*Table, binds []*bindings) []int {
	state := make([]int, len(tables)) // 1 on the path, 2 done
	var path []int
	var visit func(i int) []int
	visit = func(i int) []int {
		switch state[i] {
		case 1:
			return slices.Clone(path[slices.Index(path, i):])
		case 2:
			return nil
		}
		state[i] = 1
		path = append(path, i)
		for _, name := range slices.Sorted(maps.Keys(binds[i].joins)) {
			if c := visit(slices.Index(tables, binds[i].joins[name].Source)); c != nil {
				return c
			}
		}
		path = path[:len(path)-1]
		state[i] = 2
		return nil
	}
	for i := range tables {
		if c := visit(i); c != nil {
			return c
		}
	}
	return nil
}

func unboundWithoutJoins(t *Table, b *bindings) int {
	constantsOnly := &bindings{constants: b.constants}
	fewest := -1
	for _, m := range readMethods(t.Resource) {
		if n := len(unbound(m, constantsOnly)); fewest < 0 || n < fewest {
			fewest = n
		}
	}
	return fewest
}

// unbound lists the parameters of m a user has to give that b does not.
func unbound(m *provider.Method, b *bindings) []string {
	var out []string
	for _, p := range userParams(m) {
		if !b.bound(p) {
			out = append(out, p)
		}
	}
	return out
}

// bind picks the table's method and completes its bindings: the most
// specific read method its predicates fully bind (Get over List when the
// item name is given); else the broadest one whose missing parameters can
// be filled (ListAll over fanning out per resource group), filling them.
//
// A constant given to a parameter the rows cannot read from their id
// ($filter, $expand) must be sent, or the rows would not carry it and WHERE
// would drop them all: methods that take every such constant come first.
func (pl *planning) bind(t *Table, b *bindings) error {
	methods := readMethods(t.Resource)
	var best *provider.Method
	for _, mustSend := range [][]string{notInItemPath(t.Resource, b), nil} {
		for _, m := range methods {
			if len(unbound(m, b)) == 0 && takesAll(m, mustSend) && (best == nil || len(userParams(m)) > len(userParams(best))) {
				best = m
			}
		}
		if best != nil {
			break
		}
	}
	if best != nil {
		return pl.use(t, best, b)
	}
	ranked := slices.Clone(methods)
	slices.SortStableFunc(ranked, func(x, y *provider.Method) int {
		if c := cmp.Compare(len(unbound(x, b)), len(unbound(y, b))); c != 0 {
			return c
		}
		return cmp.Compare(len(userParams(y)), len(userParams(x)))
	})
	for _, m := range ranked {
		filled, err := pl.fill(t, m, b)
		if err != nil {
			return err
		}
		if filled != nil {
			return pl.use(t, m, filled)
		}
	}
	missing := unbound(ranked[0], b)
	var subqueries []string
	for _, name := range missing {
		if slices.Contains(b.fromSubqueries, name) {
			subqueries = append(subqueries, name)
		}
	}
	return &MissingParamsError{Table: t.Resource.ID, Missing: missing, Methods: methods, FromSubqueries: subqueries, CycleWith: b.cycleWith}
}

// notInItemPath are the parameters b gives constants that are not in the
// path of r's item method, so that a row cannot read them from its id.
func notInItemPath(r *provider.Resource, b *bindings) []string {
	var inPath []string
	if m := ItemMethod(r); m != nil {
		inPath = PathParams(m.Path)
	}
	var out []string
	for _, name := range slices.Sorted(maps.Keys(b.constants)) {
		if !slices.Contains(inPath, name) {
			out = append(out, name)
		}
	}
	return out
}

// takesAll reports whether m has every one of params.
func takesAll(m *provider.Method, params []string) bool {
	for _, name := range params {
		if _, ok := m.Param(name); !ok {
			return false
		}
	}
	return true
}

// fill completes b for method m, or returns nil when something m needs
// cannot be found. A missing parameter comes, in this order: from a table
// the table is already fetched per row of, when that table has the
// parameter too (instances joined to their vault are in the vault's
// subscription); from Options.Scope; from listing the collection above the
// resource, whose rows carry it.
func (pl *planning) fill(t *Table, m *provider.Method, b *bindings) (*bindings, error) {
	filled := b.clone()
	sources := (&Table{Joins: slices.Collect(maps.Values(b.joins))}).Sources()
	var rest []string
	for _, name := range unbound(m, b) {
		if src := sourceWithParam(sources, name); src != nil {
			filled.joins[name] = JoinBinding{Param: name, Source: src, Expr: parser.ColumnExpr(src.Alias(), name)}
			continue
		}
		if values := pl.opts.Scope[name]; len(values) > 0 {
			for _, v := range values {
				filled.constants[name] = append(filled.constants[name], parser.StringLiteral(v))
			}
			continue
		}
		rest = append(rest, name)
	}
	if len(rest) == 0 {
		return filled, nil
	}
	params := PathParams(m.Path)
	deepest := -1
	for i, p := range params {
		if slices.Contains(rest, p) {
			deepest = i
		}
	}
	for _, name := range rest {
		if i := slices.Index(params, name); i < 0 || i > deepest {
			return nil, nil // not a path parameter: no collection above gives it
		}
	}
	parent, parentParams := pl.parentOf(t.Resource, m.Path, params[deepest])
	if parent == nil {
		return nil, nil
	}
	within := params[:deepest+1]
	constants := map[string][]parser.Expr{}
	for i, name := range within {
		if c, ok := filled.constants[name]; ok {
			constants[parentParams[i]] = c
		}
	}
	scope, err := pl.scope(parent, constants)
	if err != nil {
		var missing *MissingParamsError
		if errors.As(err, &missing) {
			return nil, nil
		}
		return nil, err
	}
	// The collection's rows give every parameter of its path, constants
	// included, so that calls go only to items that exist.
	for i, name := range within {
		if _, joined := filled.joins[name]; joined {
			continue
		}
		delete(filled.constants, name)
		filled.joins[name] = JoinBinding{Param: name, Source: scope, Expr: parser.ColumnExpr(scope.Alias(), parentParams[i])}
	}
	return filled, nil
}

// sourceWithParam is the first of sources whose resource has the parameter.
func sourceWithParam(sources []*Table, name string) *Table {
	for _, s := range sources {
		if paramNames(s.Resource)[name] {
			return s
		}
	}
	return nil
}

// scope returns the table listing parent with the given constants, planning
// it on first use.
func (pl *planning) scope(parent *provider.Resource, constants map[string][]parser.Expr) (*Table, error) {
	key := parent.ID
	for _, name := range slices.Sorted(maps.Keys(constants)) {
		key += "\x00" + name
		for _, v := range constants[name] {
			key += "\x01" + v.SQL
		}
	}
	if t, ok := pl.scopes[key]; ok {
		return t, nil
	}
	t := &Table{Resource: parent, Ref: parser.TableRef{Block: -1}, Scope: true}
	if err := pl.bind(t, &bindings{constants: constants, joins: map[string]JoinBinding{}}); err != nil {
		return nil, err
	}
	// Named once the collections above it are: their numbers come first.
	n := len(pl.added) + 1
	t.ViewName = fmt.Sprintf("%s#scope%d", parent.ID, n)
	t.Ref.Alias = fmt.Sprintf("scope%d_%s", n, parent.Name)
	pl.scopes[key] = t
	pl.added = append(pl.added, t)
	return t, nil
}

// use gives the table method m and the bindings m takes, refusing constant
// values that multiply into more calls than allowed.
func (pl *planning) use(t *Table, m *provider.Method, b *bindings) error {
	t.Method = m
	calls := 1
	for _, name := range slices.Sorted(maps.Keys(b.constants)) {
		if _, ok := m.Param(name); ok {
			t.Constants = append(t.Constants, ConstantBinding{Param: name, Values: b.constants[name]})
			calls *= len(b.constants[name])
			if calls > pl.opts.MaxCalls {
				return &TooManyCallsError{Table: t.Resource.ID, Calls: constantCalls(b, m), Max: pl.opts.MaxCalls}
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(b.joins)) {
		if _, ok := m.Param(name); ok {
			t.Joins = append(t.Joins, b.joins[name])
		}
	}
	return nil
}

// constantCalls counts the combinations of m's constant parameter values.
func constantCalls(b *bindings, m *provider.Method) int {
	calls := 1
	for name, values := range b.constants {
		if _, ok := m.Param(name); ok {
			calls *= len(values)
		}
	}
	return calls
}

// paramNames are the parameters of all the resource's SELECT methods.
func paramNames(r *provider.Resource) map[string]bool {
	names := map[string]bool{}
	for _, m := range r.VerbMethods(provider.VerbSelect) {
		for _, p := range m.Params {
			if p.BoundFromWhere() {
				names[p.Name] = true
			}
		}
	}
	return names
}

// spelledParam is the document's name of the SELECT parameter name
// names, in either generation's spelling (see provider.SpellingKey).
func spelledParam(r *provider.Resource, name string) (string, bool) {
	params := paramNames(r)
	if params[name] {
		return name, true
	}
	key, found := provider.SpellingKey(name), ""
	for p := range params {
		if provider.SpellingKey(p) == key {
			if found != "" {
				return "", false
			}
			found = p
		}
	}
	return found, found != ""
}

// refersTo reports whether a column reference names table t: by alias or
// full name, or unqualified when no other table of the block has a
// parameter of that name.
func refersTo(col parser.ColumnRef, t *Table, all []*Table) bool {
	if col.Qualifier != "" {
		return strings.EqualFold(col.Qualifier, t.Alias()) || (t.Ref.Alias == "" && col.Qualifier == t.ViewName)
	}
	if _, ok := spelledParam(t.Resource, col.Name); !ok {
		return false
	}
	for _, o := range all {
		if o == t || o.Ref.Block != t.Ref.Block {
			continue
		}
		if _, ok := spelledParam(o.Resource, col.Name); ok {
			return false
		}
	}
	return true
}

// singleSource returns the one other table of the block that every column
// of e refers to, or nil.
func singleSource(e parser.Expr, t *Table, all []*Table) *Table {
	var src *Table
	for _, c := range e.Columns {
		if c.Qualifier == "" {
			return nil
		}
		var match *Table
		for _, o := range all {
			if o != t && o.Ref.Block == t.Ref.Block && (strings.EqualFold(c.Qualifier, o.Alias()) || c.Qualifier == o.ViewName) {
				match = o
			}
		}
		if match == nil || (src != nil && src != match) {
			return nil
		}
		src = match
	}
	return src
}

// order sorts tables so that sources come first, refusing cycles.
func order(tables []*Table) ([]*Table, error) {
	var out []*Table
	state := map[*Table]int{} // 1 visiting, 2 done
	var visit func(t *Table, path []string) error
	visit = func(t *Table, path []string) error {
		switch state[t] {
		case 2:
			return nil
		case 1:
			return fmt.Errorf("the tables' parameters depend on each other in a cycle (%s -> %s); give one of them its parameters in WHERE, or take them from the other's id with split_part(<alias>.id, '/', N)",
				strings.Join(path, " -> "), t.Alias())
		}
		state[t] = 1
		for _, s := range t.Sources() {
			if err := visit(s, append(path, t.Alias())); err != nil {
				return err
			}
		}
		state[t] = 2
		out = append(out, t)
		return nil
	}
	for _, t := range tables {
		if err := visit(t, nil); err != nil {
			return nil, err
		}
	}
	return out, nil
}
