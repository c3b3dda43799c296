package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/skyql/skyql/pkg/executor"
	"github.com/skyql/skyql/pkg/output"
	"github.com/skyql/skyql/pkg/parser"
	"github.com/skyql/skyql/pkg/provider"
)

// writeRequest is one API call a write statement makes.
type writeRequest struct {
	params map[string]string
	body   map[string]any
	raw    []byte // a whole body given as @@json
}

// WriteFailure is one failed row of a multi-row write.
type WriteFailure struct {
	Row  int
	Call string
	Err  error
}

// WriteError reports the rows of a write statement that failed; the other
// rows were done.
type WriteError struct {
	Verb     string
	Failures []WriteFailure
	Total    int
}

func (e *WriteError) Error() string {
	if e.Total == 1 && len(e.Failures) == 1 {
		return e.Failures[0].Err.Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d of %d rows failed (the others succeeded):", e.Verb, len(e.Failures), e.Total)
	for _, f := range e.Failures {
		fmt.Fprintf(&b, "\n  row %d %s: %v", f.Row, f.Call, f.Err)
	}
	return b.String()
}

func (s *Session) runWrite(ctx context.Context, st parser.Statement, w output.Writer) error {
	var (
		table     parser.QualifiedName
		method    *provider.Method
		requests  []writeRequest
		noWait    bool
		returning string
		verb      string
		err       error
	)
	switch st := st.(type) {
	case *parser.Insert:
		table, noWait, returning = st.Table, st.NoWait, st.Returning
		verb = "INSERT"
		if st.Replace {
			verb = "REPLACE"
		}
		if method, err = s.writeMethod(st.Table, verb); err != nil {
			return err
		}
		requests, err = s.insertRequests(ctx, st)
	case *parser.Update:
		table, noWait, returning, verb = st.Table, st.NoWait, st.Returning, "UPDATE"
		if method, err = s.writeMethod(st.Table, verb); err != nil {
			return err
		}
		requests, err = s.predicateRequests(ctx, method, st.Predicates)
		if err == nil {
			body := map[string]any{}
			for _, a := range st.Set {
				field, ok := strings.CutPrefix(a.Column, provider.BodyFieldPrefix)
				if !ok {
					return fmt.Errorf("UPDATE can only SET body fields (data__<field>), not %s; parameters go in WHERE", a.Column)
				}
				v, err := s.evalBodyValue(ctx, a.Value)
				if err != nil {
					return fmt.Errorf("SET %s: %w", a.Column, err)
				}
				body[field] = v
			}
			for i := range requests {
				requests[i].body = body
			}
		}
	case *parser.Delete:
		table, noWait, returning, verb = st.Table, st.NoWait, st.Returning, "DELETE"
		if method, err = s.writeMethod(st.Table, verb); err != nil {
			return err
		}
		requests, err = s.predicateRequests(ctx, method, st.Predicates)
	case *parser.Exec:
		table, noWait, verb = st.Table, st.NoWait, "EXEC"
		r, rerr := s.resource(st.Table)
		if rerr != nil {
			return rerr
		}
		if method, err = r.FindMethod(st.Method); err != nil {
			return err
		}
		req := writeRequest{params: map[string]string{}}
		for _, p := range st.Params {
			v, err := s.evalConstant(ctx, p.Value)
			if err != nil {
				return fmt.Errorf("@%s: %w", p.Name, err)
			}
			req.params[p.Name] = v
		}
		if st.JSONBody != "" {
			if !json.Valid([]byte(st.JSONBody)) {
				return fmt.Errorf("@@json is not valid JSON: %.80s", st.JSONBody)
			}
			req.raw = []byte(st.JSONBody)
		}
		requests = []writeRequest{req}
	}
	if err != nil {
		return err
	}
	if len(requests) == 0 {
		return fmt.Errorf("%s %s: no rows to write", verb, table)
	}
	calls, err := s.writeCalls(method, requests)
	if err != nil {
		return err
	}
	if s.cfg.DryRun {
		for _, c := range calls {
			if err := c.DryRun(s.cfg.Stderr); err != nil {
				return err
			}
		}
		return nil
	}
	return s.sendWrites(ctx, verb, method, calls, noWait, returning != "" || verb == "EXEC", w)
}

// writeMethod finds the method a write verb uses. REPLACE falls back to the
// INSERT method when that is a PUT, which replaces in ARM.
func (s *Session) writeMethod(q parser.QualifiedName, verb string) (*provider.Method, error) {
	r, err := s.resource(q)
	if err != nil {
		return nil, err
	}
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

// insertRequests turns VALUES rows (or a SELECT's rows) into requests:
// data__ columns build the body, the rest are parameters.
func (s *Session) insertRequests(ctx context.Context, st *parser.Insert) ([]writeRequest, error) {
	var rows [][]any
	if st.Select != nil {
		collected, err := s.collectSelect(ctx, st.Select)
		if err != nil {
			return nil, err
		}
		if len(collected.cols) != len(st.Columns) {
			return nil, fmt.Errorf("INSERT names %d columns but its SELECT returns %d", len(st.Columns), len(collected.cols))
		}
		rows = collected.rows
	} else {
		for i, exprs := range st.Rows {
			if len(exprs) != len(st.Columns) {
				return nil, fmt.Errorf("VALUES row %d has %d values for %d columns", i+1, len(exprs), len(st.Columns))
			}
			row := make([]any, len(exprs))
			for j, e := range exprs {
				v, err := s.evalBodyValue(ctx, e)
				if err != nil {
					return nil, fmt.Errorf("row %d, column %s: %w", i+1, st.Columns[j], err)
				}
				row[j] = v
			}
			rows = append(rows, row)
		}
	}
	var out []writeRequest
	for _, row := range rows {
		req := writeRequest{params: map[string]string{}, body: map[string]any{}}
		for j, col := range st.Columns {
			if field, ok := strings.CutPrefix(col, provider.BodyFieldPrefix); ok {
				req.body[field] = jsonish(row[j])
			} else {
				str, ok := paramString(row[j])
				if !ok {
					return nil, fmt.Errorf("parameter %s is NULL", col)
				}
				req.params[col] = str
			}
		}
		out = append(out, req)
	}
	return out, nil
}

// predicateRequests fans WHERE equalities and IN lists out into one
// request per combination of values, for UPDATE and DELETE. A parameter
// constrained twice takes the values both allow (vaultName = 'a' AND
// vaultName IN ('a', 'b') is 'a'), and each value once.
func (s *Session) predicateRequests(ctx context.Context, m *provider.Method, preds []parser.Predicate) ([]writeRequest, error) {
	var names []string
	allowed := map[string][]string{}
	for _, p := range preds {
		col, values := p.Left.Column, p.List
		if p.Op == "IN SELECT" {
			return nil, fmt.Errorf("WHERE of a write takes parameter values from constants, not from a subquery (%s IN (SELECT ...)): list the values, or run a SELECT first", p.Left.SQL)
		}
		if p.Op == "=" {
			values = []parser.Expr{p.Right}
			if col == nil {
				col, values = p.Right.Column, []parser.Expr{p.Left}
			}
		}
		if col == nil {
			return nil, fmt.Errorf("WHERE of a write may only compare parameters with constants")
		}
		if _, ok := m.Param(col.Name); !ok {
			var params []string
			for _, p := range m.Params {
				if p.In == "path" || p.In == "query" {
					params = append(params, p.Name)
				}
			}
			return nil, fmt.Errorf("WHERE of a write may only name %s's parameters (%s); %s is not one: a write cannot filter on other columns",
				m.Name, strings.Join(params, ", "), col.Name)
		}
		var strs []string
		for _, e := range values {
			v, err := s.evalConstant(ctx, e)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", col.Name, err)
			}
			if !slices.Contains(strs, v) {
				strs = append(strs, v)
			}
		}
		if prev, seen := allowed[col.Name]; seen {
			given := strs
			strs = slices.DeleteFunc(slices.Clone(prev), func(v string) bool { return !slices.Contains(given, v) })
		} else {
			names = append(names, col.Name)
		}
		if len(strs) == 0 {
			return nil, fmt.Errorf("WHERE leaves %s no value (its conditions on it exclude each other); nothing was sent", col.Name)
		}
		allowed[col.Name] = strs
	}
	combos := []map[string]string{{}}
	for _, name := range names {
		combos = crossProduct(combos, []string{name}, valuesAsTuples(allowed[name]))
	}
	out := make([]writeRequest, len(combos))
	for i, c := range combos {
		out[i] = writeRequest{params: c}
	}
	return out, nil
}

// writeCalls builds the calls and checks every required parameter and body
// field of every row before any call is made.
func (s *Session) writeCalls(m *provider.Method, reqs []writeRequest) ([]*executor.Call, error) {
	var calls []*executor.Call
	var problems []string
	for i, r := range reqs {
		c, err := s.newCall(m, r.params)
		if err != nil {
			return nil, err
		}
		missing := c.MissingParams()
		if m.Body != nil {
			given := r.body
			if r.raw != nil {
				given = map[string]any{}
				if err := json.Unmarshal(r.raw, &given); err != nil {
					return nil, fmt.Errorf("@@json must be a JSON object for %s: %v", m.Name, err)
				}
			}
			for _, f := range m.Body.RequiredFields {
				if _, ok := given[f]; !ok {
					missing = append(missing, provider.BodyFieldPrefix+f)
				}
			}
		}
		if len(missing) > 0 {
			problems = append(problems, fmt.Sprintf("row %d lacks %s", i+1, strings.Join(missing, ", ")))
			continue
		}
		switch {
		case r.raw != nil:
			c.Body = r.raw
		case len(r.body) > 0 || (m.Body != nil && m.Body.Required):
			b, err := json.Marshal(r.body)
			if err != nil {
				return nil, err
			}
			c.Body = b
		}
		calls = append(calls, c)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s needs %s; nothing was sent: %s",
			m.Name, strings.Join(m.RequiredParams(), ", "), strings.Join(problems, "; "))
	}
	return calls, nil
}

// sendWrites sends the calls one by one (writes are not fanned out
// concurrently, so a failure stops nothing already started and the order
// of effects is the user's), reporting each row's outcome.
func (s *Session) sendWrites(ctx context.Context, verb string, m *provider.Method, calls []*executor.Call, noWait, showBody bool, w output.Writer) error {
	var failures []WriteFailure
	var bodies [][]byte
	noWait = noWait || s.cfg.NoWait
	progress := s.lroProgress()
	for i, c := range calls {
		out, err := s.cfg.Executor.Send(ctx, c, executor.SendOptions{NoWait: noWait, Progress: progress})
		if progress != nil {
			fmt.Fprint(s.cfg.Stderr, "\r\033[K")
		}
		if len(calls) > 1 {
			outcome := "ok"
			if err != nil {
				outcome = "FAILED: " + err.Error()
			}
			fmt.Fprintf(s.cfg.Stderr, "row %d %s: %s\n", i+1, c.Describe(), outcome)
		}
		if err != nil {
			failures = append(failures, WriteFailure{Row: i + 1, Call: c.Describe(), Err: err})
			continue
		}
		if out.OperationURL != "" {
			fmt.Fprintf(s.cfg.Stderr, "%s accepted; not waiting (NOWAIT). Follow it at: %s\n", c.Describe(), out.OperationURL)
		}
		if len(out.Body) > 0 {
			bodies = append(bodies, out.Body)
		}
	}
	if err := s.cfg.Store.Invalidate(ctx, m.Resource.ID); err != nil {
		return err
	}
	done := len(calls) - len(failures)
	fmt.Fprintf(s.cfg.Stderr, "%s %s: %d of %d request(s) succeeded\n", verb, m.Resource.ID, done, len(calls))
	if showBody && len(bodies) > 0 {
		if err := writeBodies(w, bodies); err != nil {
			return err
		}
	}
	if len(failures) > 0 {
		return &WriteError{Verb: verb, Failures: failures, Total: len(calls)}
	}
	return nil
}

func (s *Session) lroProgress() func(executor.LROStatus) {
	if !s.cfg.Progress {
		return nil
	}
	return func(st executor.LROStatus) {
		fmt.Fprintf(s.cfg.Stderr, "\r%s: %s (poll %d)   ", st.Call, st.Status, st.Polls)
	}
}

// writeBodies prints response bodies as rows: top-level properties as
// columns (id and name first), nested values as JSON.
func writeBodies(w output.Writer, bodies [][]byte) error {
	var objects []map[string]json.RawMessage
	for _, b := range bodies {
		var one map[string]json.RawMessage
		if json.Unmarshal(b, &one) == nil {
			objects = append(objects, one)
			continue
		}
		var many []map[string]json.RawMessage
		if json.Unmarshal(b, &many) == nil {
			objects = append(objects, many...)
		}
	}
	keys := map[string]bool{}
	for _, o := range objects {
		for k := range o {
			keys[k] = true
		}
	}
	var names []string
	for k := range keys {
		names = append(names, k)
	}
	provider.SortColumnNames(names)
	cols := make([]output.Column, len(names))
	for i, n := range names {
		cols[i] = output.Column{Name: n}
	}
	var rows [][]any
	for _, o := range objects {
		row := make([]any, len(names))
		for i, n := range names {
			raw, ok := o[n]
			if !ok {
				continue
			}
			var v any
			_ = json.Unmarshal(raw, &v)
			switch v.(type) {
			case map[string]any, []any:
				cols[i].JSON = true
				row[i] = string(raw)
			case float64:
				var n json.Number
				_ = json.Unmarshal(raw, &n)
				if iv, err := n.Int64(); err == nil {
					row[i] = iv
				} else {
					row[i] = v
				}
			default:
				row[i] = v
			}
		}
		rows = append(rows, row)
	}
	return writeResult(w, cols, rows)
}

// evalBodyValue evaluates a constant for a body field or parameter; string
// literals holding JSON objects or arrays become those values.
func (s *Session) evalBodyValue(ctx context.Context, e parser.Expr) (any, error) {
	if e.SQL == "" {
		return nil, fmt.Errorf("expression cannot be used as a value (%s)", e.Unsupported)
	}
	var v any
	if err := s.cfg.Store.DB().QueryRowContext(ctx, "SELECT "+e.SQL, s.args...).Scan(&v); err != nil {
		return nil, fmt.Errorf("evaluating %s: %w", e.SQL, err)
	}
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	return v, nil
}

// jsonish parses string values that hold a JSON object or array, so that
// data__properties = '{"a":1}' sends an object, not a string.
func jsonish(v any) any {
	str, ok := v.(string)
	if !ok {
		return v
	}
	t := strings.TrimSpace(str)
	if len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		var parsed any
		if json.Unmarshal([]byte(t), &parsed) == nil {
			return parsed
		}
	}
	return v
}

// collected holds a small query result in memory (INSERT ... SELECT).
type collected struct {
	cols []output.Column
	rows [][]any
}

func (c *collected) Begin(cols []output.Column) error { c.cols = cols; return nil }
func (c *collected) Row(values []any) error {
	c.rows = append(c.rows, append([]any(nil), values...))
	return nil
}
func (c *collected) End() error { return nil }

func (s *Session) collectSelect(ctx context.Context, sel *parser.Select) (*collected, error) {
	c := &collected{}
	return c, s.runSelect(ctx, sel, c)
}
