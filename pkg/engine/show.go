package engine

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/skyql/skyql/pkg/output"
	"github.com/skyql/skyql/pkg/parser"
	"github.com/skyql/skyql/pkg/provider"
)

// writeRows writes a small, fully known result of plain columns.
func writeRows(w output.Writer, names []string, rows [][]any) error {
	cols := make([]output.Column, len(names))
	for i, n := range names {
		cols[i] = output.Column{Name: n}
	}
	return writeResult(w, cols, rows)
}

// writeResult writes a small, fully known result.
func writeResult(w output.Writer, cols []output.Column, rows [][]any) error {
	if err := w.Begin(cols); err != nil {
		return err
	}
	for _, r := range rows {
		if err := w.Row(r); err != nil {
			return err
		}
	}
	return w.End()
}

// likeMatcher implements SQL LIKE ('%' any run, '_' one character), case
// insensitive as in SQLite; an empty pattern matches everything.
func likeMatcher(pattern string) func(string) bool {
	if pattern == "" {
		return func(string) bool { return true }
	}
	var b strings.Builder
	b.WriteString("(?is)^")
	for _, r := range pattern {
		switch r {
		case '%':
			b.WriteString(".*")
		case '_':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	re := regexp.MustCompile(b.String())
	return re.MatchString
}

func (s *Session) runShow(ctx context.Context, st *parser.Show, w output.Writer) error {
	match := likeMatcher(st.Like)
	switch st.Kind {
	case "PROVIDERS":
		infos, err := s.cfg.Catalog.Providers()
		if err != nil {
			return err
		}
		var rows [][]any
		for _, p := range infos {
			if match(p.Name) {
				rows = append(rows, []any{p.Name, p.Version, p.Origin, p.From, p.InUse})
			}
		}
		return writeRows(w, []string{"name", "version", "origin", "from", "in_use"}, rows)
	case "SERVICES":
		p, err := s.provider(st.Target.Provider)
		if err != nil {
			return err
		}
		var rows [][]any
		for _, name := range p.ServiceNames() {
			info, _ := p.ServiceInfo(name)
			if match(name) {
				rows = append(rows, []any{name, p.Name + "." + name, info.Title, info.Description})
			}
		}
		return writeRows(w, []string{"name", "id", "title", "description"}, rows)
	case "RESOURCES":
		if st.Target.Service == "" {
			return fmt.Errorf("SHOW RESOURCES needs a service: SHOW RESOURCES IN %s.<service> (SHOW SERVICES IN %s lists them)", st.Target.Provider, st.Target.Provider)
		}
		svc, err := s.service(st.Target)
		if err != nil {
			return err
		}
		var rows [][]any
		for _, name := range svc.ResourceNames() {
			r, _ := svc.Resource(name)
			if match(name) {
				rows = append(rows, []any{name, r.ID, r.Description})
			}
		}
		return writeRows(w, []string{"name", "id", "description"}, rows)
	case "METHODS":
		r, err := s.fullResource(st.Target, "SHOW METHODS IN")
		if err != nil {
			return err
		}
		var rows [][]any
		for _, m := range orderedMethods(r) {
			if match(m.Name) {
				rows = append(rows, []any{m.Name, strings.Join(m.UserParams(), ", "), strings.ToUpper(string(m.Verb)), m.Description})
			}
		}
		return writeRows(w, []string{"MethodName", "RequiredParams", "SQLVerb", "description"}, rows)
	case "INSERT":
		r, err := s.fullResource(st.Target, "SHOW INSERT INTO")
		if err != nil {
			return err
		}
		tmpl, err := insertTemplate(r)
		if err != nil {
			return err
		}
		// One row per line: every format then shows the template as lines
		// to copy, where one multi-line value would print as "\n" escapes.
		var rows [][]any
		for _, line := range strings.Split(tmpl, "\n") {
			rows = append(rows, []any{line})
		}
		return writeRows(w, []string{"insert_statement"}, rows)
	}
	return fmt.Errorf("SHOW %s is not supported", st.Kind)
}

// orderedMethods lists methods as the docs pages do: by verb, then name.
func orderedMethods(r *provider.Resource) []*provider.Method {
	var out []*provider.Method
	for _, v := range []provider.Verb{provider.VerbSelect, provider.VerbInsert, provider.VerbDelete, provider.VerbUpdate, provider.VerbReplace, provider.VerbExec} {
		for _, m := range r.Methods() {
			if m.Verb == v {
				out = append(out, m)
			}
		}
	}
	return out
}

func (s *Session) fullResource(q parser.QualifiedName, stmt string) (*provider.Resource, error) {
	if q.Resource == "" {
		return nil, fmt.Errorf("%s needs a resource: %s <provider>.<service>.<resource>", stmt, stmt)
	}
	return s.resource(q)
}

func (s *Session) runDescribe(ctx context.Context, st *parser.Describe, w output.Writer) error {
	r, err := s.fullResource(st.Target, "DESCRIBE")
	if err != nil {
		return err
	}
	names := []string{"name", "type", "description"}
	if st.Extended {
		names = append(names, "kind", "required_by")
	}
	var rows [][]any
	if r.IsView() {
		cols, err := s.viewColumns(ctx, st.Target)
		if err != nil {
			return err
		}
		for _, c := range cols {
			row := []any{c, "", "column of the view"}
			if st.Extended {
				row = append(row, "column", "")
			}
			rows = append(rows, row)
		}
		return writeRows(w, names, rows)
	}
	for _, c := range tableColumns(r) {
		if !c.Param {
			continue
		}
		row := []any{c.Name, paramType(r, c.Name), paramDescription(r, c.Name)}
		if st.Extended {
			row = append(row, "parameter", strings.Join(methodsRequiring(r, c.Name), ", "))
		}
		rows = append(rows, row)
	}
	for _, c := range r.Columns() {
		row := []any{c.Name, c.Type, c.Description}
		if st.Extended {
			row = append(row, "column", "")
		}
		rows = append(rows, row)
	}
	if st.Extended {
		// The nested fields of object columns, named by the expression
		// that reads them, so that they can be copied into a query.
		for _, c := range r.Columns() {
			if c.Type != "object" {
				continue
			}
			fields, err := r.Fields(c.Name)
			if err != nil {
				return err
			}
			for _, f := range fields {
				rows = append(rows, []any{fmt.Sprintf("%s ->> '%s'", c.Name, f.Path), f.Type, f.Description, "field", ""})
			}
		}
	}
	return writeRows(w, names, rows)
}

func paramType(r *provider.Resource, name string) string {
	for _, m := range r.VerbMethods(provider.VerbSelect) {
		if p, ok := m.Param(name); ok {
			return p.Type
		}
	}
	return "string"
}

func paramDescription(r *provider.Resource, name string) string {
	for _, m := range r.VerbMethods(provider.VerbSelect) {
		if p, ok := m.Param(name); ok && p.Description != "" {
			return p.Description
		}
	}
	return ""
}

func methodsRequiring(r *provider.Resource, param string) []string {
	var out []string
	for _, m := range r.VerbMethods(provider.VerbSelect) {
		for _, p := range m.RequiredParams() {
			if p == param {
				out = append(out, m.Name)
			}
		}
	}
	return out
}

func (s *Session) runRegistry(ctx context.Context, st *parser.Registry, w output.Writer) error {
	if s.cfg.Registry == nil {
		return errors.New("no registry is configured: pass --registry '{\"url\":\"https://...\"}'")
	}
	switch st.Action {
	case "LIST":
		infos, err := s.cfg.Registry.List(ctx, st.Provider)
		if err != nil {
			return err
		}
		var rows [][]any
		for _, p := range infos {
			rows = append(rows, []any{p.Name, p.Version})
		}
		return writeRows(w, []string{"provider", "version"}, rows)
	case "PULL":
		info, err := s.cfg.Registry.Pull(ctx, st.Provider, st.Version)
		if err != nil {
			return err
		}
		s.mu.Lock()
		delete(s.providers, info.Name)
		s.mu.Unlock()
		return writeRows(w, []string{"provider", "version", "origin"}, [][]any{{info.Name, info.Version, info.Origin}})
	}
	return fmt.Errorf("REGISTRY %s is not supported", st.Action)
}
