package engine

import (
	"fmt"
	"sort"
	"strings"

	"github.com/skyql/skyql/pkg/parser"
	"github.com/skyql/skyql/pkg/provider"
	"github.com/skyql/skyql/pkg/store"
)

// maxViewDepth bounds views over views, so a view that reads itself
// (directly or through others) is an error instead of a loop.
const maxViewDepth = 8

// expandViews replaces each view resource a query reads with its
// definition as a subquery, until no view is left; the subqueries' own
// provider tables are then planned and fetched like any other.
func (s *Session) expandViews(sel *parser.Select) (*parser.Select, error) {
	for depth := 0; ; depth++ {
		type edit struct {
			start, end int
			text       string
		}
		var edits []edit
		for _, ref := range sel.Tables {
			r, err := s.resource(ref.Name)
			if err != nil || !r.IsView() {
				continue // not a view: the planner reports unknown tables
			}
			if depth >= maxViewDepth {
				return nil, fmt.Errorf("view %s: views nest more than %d deep; does a view read itself?", ref.Name, maxViewDepth)
			}
			ddl, err := viewSQL(r)
			if err != nil {
				return nil, err
			}
			// The newline keeps a trailing -- comment of the definition
			// from swallowing the parenthesis.
			text := "(" + ddl + "\n)"
			if ref.Alias == "" {
				text += " AS " + store.QuoteIdent(ref.Name.Resource)
			}
			edits = append(edits, edit{ref.Start, ref.End, text})
		}
		if len(edits) == 0 {
			return sel, nil
		}
		sort.Slice(edits, func(i, j int) bool { return edits[i].start > edits[j].start })
		text := sel.Text()
		for _, e := range edits {
			text = text[:e.start] + e.text + text[e.end:]
		}
		stmts, err := parser.Parse(text)
		if err != nil {
			return nil, fmt.Errorf("expanding views: %w", err)
		}
		next, ok := stmts[0].(*parser.Select)
		if len(stmts) != 1 || !ok {
			return nil, fmt.Errorf("expanding views: a view's definition is not one SELECT")
		}
		sel = next
	}
}

// viewSQL picks the definition skyql runs: the first written for SQLite
// (or for no dialect in particular) that needs no parameters, else the
// first Postgres one, translated.
func viewSQL(r *provider.Resource) (string, error) {
	views, err := r.Views()
	if err != nil {
		return "", err
	}
	var dialects []string
	for _, v := range views {
		dialects = append(dialects, dialectName(v))
		if len(v.RequiredParams) > 0 {
			continue
		}
		switch v.Dialect {
		case "", "sqlite3", "sqlite":
			return trimDDL(v.DDL), nil
		}
	}
	for _, v := range views {
		if len(v.RequiredParams) == 0 && (v.Dialect == "postgres" || v.Dialect == "postgresql") {
			sql, err := translatePostgres(trimDDL(v.DDL))
			if err != nil {
				return "", fmt.Errorf("view %s is defined only for PostgreSQL, and %v; skyql runs SQLite", r.ID, err)
			}
			return sql, nil
		}
	}
	for _, v := range views {
		if len(v.RequiredParams) > 0 {
			return "", fmt.Errorf("view %s applies only when a query gives %s, which skyql does not support yet; query the resources it reads instead:\n%s",
				r.ID, strings.Join(v.RequiredParams, ", "), strings.TrimSpace(v.DDL))
		}
	}
	return "", fmt.Errorf("view %s is defined only for %s; skyql runs SQLite views and translates PostgreSQL ones", r.ID, strings.Join(dialects, ", "))
}

func dialectName(v provider.View) string {
	if v.Dialect == "" {
		return "no dialect"
	}
	return v.Dialect
}

func trimDDL(ddl string) string {
	return strings.TrimRight(strings.TrimSpace(ddl), ";")
}
