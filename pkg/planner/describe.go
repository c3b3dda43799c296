package planner

import (
	"fmt"
	"strings"

	"github.com/skyql/skyql/pkg/provider"
)

// Level is one level of a plan as EXPLAIN and --dry-run describe it: a
// table, or a write's target, and the calls its method makes.
type Level struct {
	// Table is how the statement names the table (or, for a collection the
	// planner lists to fan out, its resource and the name the plan gives it).
	Table  string
	Method *provider.Method
	// PerRowOf names the tables one call is made per row of; empty when
	// the calls are known before anything is fetched: one per combination
	// of Constants.
	PerRowOf  []string
	Constants []ConstantBinding
	// Params says where each parameter comes from: "name = value | value"
	// for constants, "name <- expression" for another table's rows.
	Params []string
}

// Levels describes the plan, one level per table in fetch order.
func (p *Plan) Levels() []Level {
	levels := make([]Level, len(p.Tables))
	for i, t := range p.Tables {
		l := Level{Table: t.ViewName + " AS " + t.Alias(), Method: t.Method, Constants: t.Constants, Params: constantParams(t.Constants)}
		if t.Scope {
			l.Table = t.Resource.ID + " AS " + t.Alias()
		}
		for _, src := range t.Sources() {
			l.PerRowOf = append(l.PerRowOf, src.Alias())
		}
		for _, j := range t.Joins {
			l.Params = append(l.Params, j.Param+" <- "+j.Expr.SQL)
		}
		levels[i] = l
	}
	return levels
}

// constantParams describes constant bindings as "name = value | value".
func constantParams(constants []ConstantBinding) []string {
	var out []string
	for _, b := range constants {
		vs := make([]string, len(b.Values))
		for i, v := range b.Values {
			vs[i] = v.SQL
		}
		out = append(out, b.Param+" = "+strings.Join(vs, " | "))
	}
	return out
}

// Calls says how many calls the level makes, in words: "one per row of
// X", or "one per combination of constants".
func (l Level) Calls() string {
	if len(l.PerRowOf) > 0 {
		return "one per row of " + strings.Join(l.PerRowOf, " x ")
	}
	return "one per combination of constants"
}

// String is the level on one line.
func (l Level) String() string {
	line := fmt.Sprintf("%s: %s %s %s, %s", l.Table, l.Method.Name, l.Method.HTTPMethod, l.Method.Path, l.Calls())
	if len(l.Params) > 0 {
		line += "; " + strings.Join(l.Params, "; ")
	}
	return line
}
