// Package planner decides, for each provider table a query reads, which API
// method serves it and where each required parameter comes from: a
// constant in WHERE (= or IN, one call per combination) or another table's
// rows through a join. It orders the tables so that those feeding others
// are fetched first. It sends nothing; the engine evaluates and runs the plan.
package planner

import (
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
}

func (e *MissingParamsError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "cannot SELECT from %s: missing required parameter(s) %s; supply them in WHERE (e.g. %s = '...') or bind them to another table's column in a join.",
		e.Table, strings.Join(e.Missing, ", "), e.Missing[0])
	for _, name := range e.FromSubqueries {
		fmt.Fprintf(&b, "\n%s IN (SELECT ...) does not give %s values: skyql takes them from a join, e.g. JOIN <the subquery's table> s ON %s = s.<its column>, with the subquery's WHERE in the ON or WHERE.",
			name, name, name)
	}
	b.WriteString("\nmethods that serve SELECT, and what each needs:")
	for _, m := range e.Methods {
		fmt.Fprintf(&b, "\n  %s: %s", m.Name, strings.Join(m.UserParams(), ", "))
	}
	return b.String()
}

// PlanSelect plans a SELECT.
func PlanSelect(sel *parser.Select, resolve Resolver) (*Plan, error) {
	tables := make([]*Table, len(sel.Tables))
	for i, ref := range sel.Tables {
		r, err := resolve(ref.Name)
		if err != nil {
			return nil, err
		}
		if len(r.VerbMethods(provider.VerbSelect)) == 0 {
			return nil, fmt.Errorf("%s cannot be read with SELECT: it has no SELECT method (see SHOW METHODS IN %s)", r.ID, ref.Name)
		}
		tables[i] = &Table{Ref: ref, Resource: r, ViewName: ref.Name.String()}
	}
	for _, t := range tables {
		if err := bindTable(t, tables); err != nil {
			return nil, err
		}
	}
	ordered, err := order(tables)
	if err != nil {
		return nil, err
	}
	return &Plan{Tables: ordered}, nil
}

// bindTable collects the table's parameter bindings from its block's
// predicates and picks the most specific method they satisfy.
func bindTable(t *Table, all []*Table) error {
	params := paramNames(t.Resource)
	constants := map[string][]parser.Expr{}
	joins := map[string]JoinBinding{}
	var fromSubqueries []string // parameters compared with a subquery's rows
	self := slices.Index(all, t)
	for _, p := range t.Ref.Predicates {
		if slices.Contains(p.Preserved, self) {
			continue // an outer join's ON does not narrow its preserved side
		}
		switch p.Op {
		case "IN SELECT":
			if col := p.Left.Column; col != nil && refersTo(*col, t, all) && params[col.Name] {
				fromSubqueries = append(fromSubqueries, col.Name)
			}
		case "IN":
			col := p.Left.Column
			if col == nil || !refersTo(*col, t, all) || !params[col.Name] {
				continue
			}
			allConst := true
			for _, v := range p.List {
				allConst = allConst && v.IsConstant()
			}
			if allConst && len(p.List) > 0 {
				constants[col.Name] = append([]parser.Expr(nil), p.List...)
			}
		case "=":
			for _, side := range [][2]parser.Expr{{p.Left, p.Right}, {p.Right, p.Left}} {
				col, other := side[0].Column, side[1]
				if col == nil || !refersTo(*col, t, all) {
					continue
				}
				if other.IsConstant() {
					if params[col.Name] {
						constants[col.Name] = []parser.Expr{other}
					}
					if p.Source != parser.FromLeftJoinOn {
						t.Filters = append(t.Filters, p)
					}
					continue
				}
				if !params[col.Name] || other.SQL == "" {
					continue
				}
				if src := singleSource(other, t, all); src != nil {
					if _, bound := constants[col.Name]; !bound {
						joins[col.Name] = JoinBinding{Param: col.Name, Source: src, Expr: other}
					}
				}
			}
		}
	}
	m, missing := chooseMethod(t.Resource, func(name string) bool {
		_, c := constants[name]
		_, j := joins[name]
		return c || j
	})
	if m == nil {
		var subqueries []string
		for _, name := range missing {
			if slices.Contains(fromSubqueries, name) {
				subqueries = append(subqueries, name)
			}
		}
		return &MissingParamsError{Table: t.Resource.ID, Missing: missing, Methods: t.Resource.VerbMethods(provider.VerbSelect), FromSubqueries: subqueries}
	}
	t.Method = m
	for _, name := range slices.Sorted(maps.Keys(constants)) {
		if _, ok := m.Param(name); ok {
			t.Constants = append(t.Constants, ConstantBinding{Param: name, Values: constants[name]})
		}
	}
	for _, name := range slices.Sorted(maps.Keys(joins)) {
		if _, ok := m.Param(name); ok {
			t.Joins = append(t.Joins, joins[name])
		}
	}
	return nil
}

// chooseMethod picks, among the SELECT methods whose required parameters
// are all bound, the one that needs the most (Get over List when the item
// name is given). Otherwise it reports what the least demanding method lacks.
func chooseMethod(r *provider.Resource, bound func(string) bool) (*provider.Method, []string) {
	var best *provider.Method
	var fewestMissing []string
	for _, m := range r.VerbMethods(provider.VerbSelect) {
		var missing []string
		need := m.UserParams()
		for _, p := range need {
			if !strings.HasPrefix(p, provider.BodyFieldPrefix) && !bound(p) {
				missing = append(missing, p)
			}
		}
		if len(missing) == 0 {
			if best == nil || len(need) > len(best.UserParams()) {
				best = m
			}
			continue
		}
		if fewestMissing == nil || len(missing) < len(fewestMissing) {
			fewestMissing = missing
		}
	}
	return best, fewestMissing
}

// paramNames are the parameters of all the resource's SELECT methods.
func paramNames(r *provider.Resource) map[string]bool {
	names := map[string]bool{}
	for _, m := range r.VerbMethods(provider.VerbSelect) {
		for _, p := range m.Params {
			if p.In == "path" || p.In == "query" {
				names[p.Name] = true
			}
		}
	}
	return names
}

// refersTo reports whether a column reference names table t: by alias or
// full name, or unqualified when no other table of the block has a
// parameter of that name.
func refersTo(col parser.ColumnRef, t *Table, all []*Table) bool {
	if col.Qualifier != "" {
		return strings.EqualFold(col.Qualifier, t.Alias()) || (t.Ref.Alias == "" && col.Qualifier == t.ViewName)
	}
	if !paramNames(t.Resource)[col.Name] {
		return false
	}
	for _, o := range all {
		if o != t && o.Ref.Block == t.Ref.Block && paramNames(o.Resource)[col.Name] {
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
			return fmt.Errorf("the tables' parameters depend on each other in a cycle (%s -> %s); bind one of them to constants in WHERE",
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
