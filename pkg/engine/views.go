package engine

import (
	"context"
	"fmt"
	"regexp"
	"slices"
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
			ddl, err := viewSQL(r, viewBindings(ref))
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

// viewBindings are the constants the query compares the view's columns
// with (WHERE Identifier = 'x'), by lower-cased column name.
func viewBindings(ref parser.TableRef) map[string]string {
	out := map[string]string{}
	for _, p := range ref.Predicates {
		if p.Op != "=" {
			continue
		}
		col, value := p.Left.Column, p.Right
		if col == nil {
			col, value = p.Right.Column, p.Left
		}
		if col == nil || !value.IsConstant() {
			continue
		}
		if col.Qualifier != "" && !strings.EqualFold(col.Qualifier, ref.Alias) && !strings.EqualFold(col.Qualifier, ref.Name.Resource) {
			continue
		}
		out[strings.ToLower(col.Name)] = value.SQL
	}
	return out
}

// viewSQL picks the definition skyql runs: the first written for SQLite
// (or for no dialect in particular) whose required parameters the query
// binds, else such a Postgres one, translated. The query's constants
// replace the definition's own for the same columns, so a view is a
// template: the registry's views compare a parameter with a sample value
// ('stackql', '<TemplateName>') for a query to override.
func viewSQL(r *provider.Resource, bindings map[string]string) (string, error) {
	views, err := r.Views()
	if err != nil {
		return "", err
	}
	bound := func(v provider.View) bool {
		return !slices.ContainsFunc(v.RequiredParams, func(p string) bool { _, ok := bindings[strings.ToLower(p)]; return !ok })
	}
	var dialects []string
	for _, v := range views {
		dialects = append(dialects, dialectName(v))
		switch v.Dialect {
		case "", "sqlite3", "sqlite":
			if bound(v) {
				return bindView(trimDDL(v.DDL), bindings), nil
			}
		}
	}
	for _, v := range views {
		if bound(v) && (v.Dialect == "postgres" || v.Dialect == "postgresql") {
			sql, err := translatePostgres(trimDDL(v.DDL))
			if err != nil {
				return "", fmt.Errorf("view %s is defined only for PostgreSQL, and %v; skyql runs SQLite", r.ID, err)
			}
			return bindView(sql, bindings), nil
		}
	}
	for _, v := range views {
		if !bound(v) {
			return "", fmt.Errorf("view %s needs %s: give each in WHERE (%s = '...')",
				r.ID, strings.Join(v.RequiredParams, ", "), v.RequiredParams[0])
		}
	}
	return "", fmt.Errorf("view %s is defined only for %s; skyql runs SQLite views and translates PostgreSQL ones", r.ID, strings.Join(dialects, ", "))
}

// bindView replaces each `column = '<literal>'` or `column IN ('<literal>',
// ...)` of a definition whose column the query binds with `column = value`.
func bindView(ddl string, bindings map[string]string) string {
	const literal = `'(?:[^']|'')*'`
	for col, value := range bindings {
		re := regexp.MustCompile(`(?i)\b(` + regexp.QuoteMeta(col) + `)\s*(?:=\s*` + literal + `|IN\s*\(\s*` + literal + `(?:\s*,\s*` + literal + `)*\s*\))`)
		ddl = re.ReplaceAllStringFunc(ddl, func(m string) string {
			return re.FindStringSubmatch(m)[1] + " = " + value
		})
	}
	return ddl
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

// viewColumns are the columns a view's rows have, found without calling
// any API: SQLite prepares its definition with each provider table it
// reads replaced by an empty one of that table's columns.
func (s *Session) viewColumns(ctx context.Context, q parser.QualifiedName) ([]string, error) {
	// A definition that needs parameters is described as if given them.
	query := "SELECT * FROM " + q.String()
	if r, err := s.resource(q); err == nil {
		if views, err := r.Views(); err == nil && len(views) > 0 {
			sep := " WHERE "
			for _, p := range views[0].RequiredParams {
				query += sep + store.QuoteIdent(p) + " = NULL"
				sep = " AND "
			}
		}
	}
	stmts, err := parser.Parse(query)
	if err != nil {
		return nil, err
	}
	sel, err := s.expandViews(stmts[0].(*parser.Select))
	if err != nil {
		return nil, err
	}
	var missing error
	text := sel.SQLiteText(func(ref parser.TableRef) string {
		r, err := s.resource(ref.Name)
		if err != nil {
			missing = err
			return store.QuoteIdent(ref.Name.String())
		}
		var cols []string
		for _, c := range tableColumns(r) {
			cols = append(cols, "NULL AS "+store.QuoteIdent(c.Name))
		}
		if len(cols) == 0 {
			cols = []string{"NULL"}
		}
		return "(SELECT " + strings.Join(cols, ", ") + " WHERE 0)"
	})
	if missing != nil {
		return nil, fmt.Errorf("view %s: %w", q, missing)
	}
	rows, err := s.cfg.Store.Query(ctx, text+" LIMIT 0")
	if err != nil {
		return nil, fmt.Errorf("view %s: its definition does not run: %w", q, err)
	}
	defer rows.Close()
	return rows.Columns()
}
