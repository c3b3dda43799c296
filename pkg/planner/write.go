package planner

import (
	"errors"
	"fmt"
	"strings"

	"github.com/skyql/skyql/pkg/parser"
	"github.com/skyql/skyql/pkg/provider"
)

// WritePlan is the plan of a write (INSERT, REPLACE, UPDATE, DELETE,
// EXEC): the method it calls and where each call's parameters come from.
// Writes never fan out: every parameter is given by the statement.
type WritePlan struct {
	Verb   string
	Table  parser.QualifiedName
	Method *provider.Method
	// Constraints are the statement's constant conditions on parameters,
	// in order: WHERE's = and IN (UPDATE, DELETE) or EXEC's @name=value.
	// A parameter constrained twice takes the values both allow; there is
	// one call per combination of the parameters' values. INSERT takes its
	// parameters from its rows instead.
	Constraints []ConstantBinding
	// Set are UPDATE's assignments, each to a body field (data__<field>).
	Set []parser.Assignment
	// PerRow is set for INSERT and REPLACE INTO, which make one call per
	// row of their VALUES or SELECT.
	PerRow bool
}

// PlanWrite plans a write statement.
func PlanWrite(st parser.Statement, resolve Resolver) (*WritePlan, error) {
	p := &WritePlan{}
	var preds []parser.Predicate
	switch st := st.(type) {
	case *parser.Insert:
		p.Verb, p.Table, p.PerRow = "INSERT", st.Table, true
		if st.Replace {
			p.Verb = "REPLACE"
		}
	case *parser.Update:
		p.Verb, p.Table, p.Set, preds = "UPDATE", st.Table, st.Set, st.Predicates
		if st.Replace {
			p.Verb = "REPLACE"
		}
	case *parser.Delete:
		p.Verb, p.Table, preds = "DELETE", st.Table, st.Predicates
	case *parser.Exec:
		p.Verb, p.Table = "EXEC", st.Table
		for _, v := range st.Params {
			p.Constraints = append(p.Constraints, ConstantBinding{Param: v.Name, Values: []parser.Expr{v.Value}})
		}
	default:
		return nil, fmt.Errorf("%T is not a write", st)
	}
	r, err := resolve(p.Table)
	if err != nil {
		return nil, err
	}
	if exec, ok := st.(*parser.Exec); ok {
		if p.Method, err = r.FindMethod(exec.Method); err == nil {
			for i, c := range p.Constraints {
				if param, ok := p.Method.ParamSpelled(c.Param); ok {
					p.Constraints[i].Param = param.Name
				}
			}
		}
	} else {
		p.Method, err = writeMethod(r, p.Table, p.Verb)
	}
	if err != nil {
		return nil, err
	}
	for _, a := range p.Set {
		if _, ok := p.Method.BodyField(a.Column); !ok {
			return nil, fmt.Errorf("UPDATE can only SET body fields (data__<field>, or a field of %s's body by name), not %s; parameters go in WHERE", p.Method.Name, a.Column)
		}
	}
	for _, pred := range preds {
		c, err := constraint(p.Method, pred)
		if err != nil {
			return nil, err
		}
		p.Constraints = append(p.Constraints, c)
	}
	return p, nil
}

// writeMethod finds the method a write verb uses. REPLACE falls back to the
// INSERT method when that is a PUT, which replaces in ARM.
func writeMethod(r *provider.Resource, q parser.QualifiedName, verb string) (*provider.Method, error) {
	v := provider.Verb(strings.ToLower(verb))
	if ms := r.VerbMethods(v); len(ms) > 0 {
		return ms[0], nil
	}
	if v == provider.VerbReplace {
		for _, m := range r.VerbMethods(provider.VerbInsert) {
			if m.HTTPMethod == "PUT" {
				return m, nil
			}
		}
	}
	return nil, fmt.Errorf("%s does not support %s (SHOW METHODS IN %s lists what it does; EXEC runs any method)", r.ID, verb, q)
}

// constraint reads one WHERE conjunct of a write as values of one of m's
// parameters.
func constraint(m *provider.Method, p parser.Predicate) (ConstantBinding, error) {
	if p.Op == "IN SELECT" {
		return ConstantBinding{}, fmt.Errorf("WHERE of a write takes parameter values from constants, not from a subquery (%s IN (SELECT ...)): list the values, or run a SELECT first", p.Left.SQL)
	}
	col, values := p.Left.Column, p.List
	if p.Op == "=" {
		values = []parser.Expr{p.Right}
		if col == nil {
			col, values = p.Right.Column, []parser.Expr{p.Left}
		}
	}
	if col == nil {
		return ConstantBinding{}, errors.New("WHERE of a write may only compare parameters with constants")
	}
	param, ok := m.ParamSpelled(col.Name)
	if !ok {
		var params []string
		for _, p := range m.Params {
			if p.BoundFromWhere() || p.In == "header" {
				params = append(params, p.Name)
			}
		}
		return ConstantBinding{}, fmt.Errorf("WHERE of a write may only name %s's parameters (%s); %s is not one: a write cannot filter on other columns",
			m.Name, strings.Join(params, ", "), col.Name)
	}
	return ConstantBinding{Param: param.Name, Values: values}, nil
}

// Levels describes the write as a plan's one level.
func (p *WritePlan) Levels() []Level {
	l := Level{Table: p.Table.String(), Method: p.Method, Constants: p.Constraints, Params: constantParams(p.Constraints)}
	for _, a := range p.Set {
		l.Params = append(l.Params, a.Column+" := "+a.Value.SQL)
	}
	if p.PerRow {
		l.PerRowOf = []string{"its VALUES or SELECT"}
	}
	return []Level{l}
}
