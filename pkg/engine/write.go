package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/skyql/skyql/pkg/executor"
	"github.com/skyql/skyql/pkg/output"
	"github.com/skyql/skyql/pkg/parser"
	"github.com/skyql/skyql/pkg/planner"
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
	plan, err := planner.PlanWrite(st, s.resource)
	if err != nil {
		return err
	}
	var (
		requests  []writeRequest
		noWait    bool
		returning string
		columns   []string
	)
	switch st := st.(type) {
	case *parser.Insert:
		noWait, returning, columns = st.NoWait, st.Returning, st.ReturningColumns
		if st.Select != nil && len(st.Select.Tables) > 0 && s.cfg.DryRun {
			return s.dryRunInsertSelect(ctx, st.Select, plan)
		}
		requests, err = s.insertRequests(ctx, st, plan.Method)
	case *parser.Update:
		noWait, returning, columns = st.NoWait, st.Returning, st.ReturningColumns
		requests, err = s.constraintRequests(ctx, plan.Constraints)
		if err == nil {
			body := map[string]any{}
			for _, a := range plan.Set {
				v, err := s.evalBodyValue(ctx, a.Value)
				if err != nil {
					return fmt.Errorf("SET %s: %w", a.Column, err)
				}
				field, _ := plan.Method.BodyField(a.Column) // PlanWrite checked it
				body[field] = v
			}
			for i := range requests {
				requests[i].body = body
			}
		}
	case *parser.Delete:
		noWait, returning, columns = st.NoWait, st.Returning, st.ReturningColumns
		requests, err = s.constraintRequests(ctx, plan.Constraints)
	case *parser.Exec:
		noWait = st.NoWait
		requests, err = s.constraintRequests(ctx, plan.Constraints)
		if err == nil && st.JSONBody != "" {
			if !json.Valid([]byte(st.JSONBody)) {
				return fmt.Errorf("@@json is not valid JSON: %.80s", st.JSONBody)
			}
			requests[0].raw = []byte(st.JSONBody)
		}
	}
	if err != nil {
		return err
	}
	if len(requests) == 0 {
		return fmt.Errorf("%s %s: no rows to write", plan.Verb, plan.Table)
	}
	calls, err := s.writeCalls(plan.Method, requests)
	if err != nil {
		return err
	}
	if s.cfg.DryRun {
		s.describeLevel(plan.Levels()[0])
		for _, c := range calls {
			if err := c.DryRun(s.cfg.Stderr); err != nil {
				return err
			}
		}
		return nil
	}
	return s.sendWrites(ctx, plan.Verb, plan.Method, calls, noWait, returning != "" || plan.Verb == "EXEC", columns, w)
}

// dryRunInsertSelect prints the dry run of INSERT ... SELECT from provider
// tables: the SELECT's requests, then the write's, which are known only
// once the SELECT's rows are.
func (s *Session) dryRunInsertSelect(ctx context.Context, sel *parser.Select, plan *planner.WritePlan) error {
	selPlan, err := planner.PlanSelect(sel, s.resource, s.planOptions())
	if err != nil {
		return err
	}
	if err := s.dryRun(ctx, selPlan.Levels()); err != nil {
		return err
	}
	s.describeLevel(plan.Levels()[0])
	return nil
}

// insertRequests turns VALUES rows (or a SELECT's rows) into requests:
// body field columns (data__<field>, or the field by name) build the body,
// the rest are parameters.
func (s *Session) insertRequests(ctx context.Context, st *parser.Insert, m *provider.Method) ([]writeRequest, error) {
	var rows [][]any
	if st.Select != nil {
		collected, err := s.collectSelect(ctx, st.Select)
		if err != nil {
			return nil, err
		}
		if len(collected.cols) != len(st.Columns) {
			// Not a dry run's empty answer: dryRunInsertSelect takes those.
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
			if field, ok := m.BodyField(col); ok {
				req.body[field] = row[j] // converted with UPDATE's values, by the schema's type
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

// constraintRequests fans a write's parameter constraints out into one
// request per combination of values. A parameter constrained twice takes
// the values both allow (vaultName = 'a' AND vaultName IN ('a', 'b') is
// 'a'), and each value once.
func (s *Session) constraintRequests(ctx context.Context, constraints []planner.ConstantBinding) ([]writeRequest, error) {
	var names []string
	allowed := map[string][]string{}
	for _, c := range constraints {
		var strs []string
		for _, e := range c.Values {
			v, err := s.evalConstant(ctx, e)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", c.Param, err)
			}
			if !slices.Contains(strs, v) {
				strs = append(strs, v)
			}
		}
		if prev, seen := allowed[c.Param]; seen {
			given := strs
			strs = slices.DeleteFunc(slices.Clone(prev), func(v string) bool { return !slices.Contains(given, v) })
		} else {
			names = append(names, c.Param)
		}
		if len(strs) == 0 {
			return nil, fmt.Errorf("WHERE leaves %s no value (its conditions on it exclude each other); nothing was sent", c.Param)
		}
		allowed[c.Param] = strs
	}
	calls := 1
	for _, name := range names {
		if calls *= len(allowed[name]); calls > s.maxCalls() {
			return nil, &planner.TooManyCallsError{Table: "the write", Calls: calls, Max: s.maxCalls()}
		}
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
		c, err := s.newCall(m, documentSpelling(m, r.params))
		if err != nil {
			return nil, err
		}
		missing := c.MissingParams()
		base, err := baseBody(m)
		if err != nil {
			return nil, err
		}
		if m.Body != nil && m.Body.Translate != "" && m.Body.Translate != "naive" {
			return nil, fmt.Errorf("%s: the document's requestBodyTranslate algorithm %q is not supported (skyql builds bodies the naive way: each column a field); nothing was sent", m.Name, m.Body.Translate)
		}
		if m.Body != nil {
			given := maps.Clone(base)
			maps.Copy(given, r.body)
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
		case len(r.body) > 0 || len(base) > 0 || (m.Body != nil && m.Body.Required):
			// INSERT's values and UPDATE's SET go through one conversion,
			// by the body schema's type of each field, over request.base.
			body := base
			for field, v := range r.body {
				typ := ""
				if m.Body != nil {
					typ = m.Body.FieldTypes[field]
				}
				if body[field], err = bodyValue(provider.BodyFieldPrefix+field, v, typ); err != nil {
					return nil, fmt.Errorf("row %d: %w", i+1, err)
				}
			}
			b, err := json.Marshal(body)
			if err != nil {
				return nil, err
			}
			c.Body = b
		}
		calls = append(calls, c)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s needs %s; nothing was sent: %s (missing parameters: reads fan out over the collections above a resource, writes do not; give each one in WHERE or VALUES)",
			m.Name, strings.Join(m.RequiredParams(), ", "), strings.Join(problems, "; "))
	}
	return calls, nil
}

// documentSpelling renames the parameters given in the other
// generation's spelling (resource_group_name) as m's document spells them.
func documentSpelling(m *provider.Method, params map[string]string) map[string]string {
	out := make(map[string]string, len(params))
	for name, v := range params {
		if p, ok := m.ParamSpelled(name); ok {
			name = p.Name
		}
		out[name] = v
	}
	return out
}

// baseBody is a new copy of the JSON object every body of m starts from
// (the document's request.base), empty when it gives none.
func baseBody(m *provider.Method) (map[string]any, error) {
	body := map[string]any{}
	if m.Body == nil || strings.TrimSpace(m.Body.Base) == "" {
		return body, nil
	}
	if err := json.Unmarshal([]byte(m.Body.Base), &body); err != nil {
		return nil, fmt.Errorf("%s: the document's request.base is not a JSON object: %v", m.Name, err)
	}
	return body, nil
}

// sendWrites sends the calls one by one (writes are not fanned out
// concurrently, so a failure stops nothing already started and the order
// of effects is the user's), reporting each row's outcome.
// columns, when given, are the response properties to print (RETURNING
// name, tags).
func (s *Session) sendWrites(ctx context.Context, verb string, m *provider.Method, calls []*executor.Call, noWait, showBody bool, columns []string, w output.Writer) error {
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
		if err := writeBodies(w, bodies, columns); err != nil {
			return err
		}
	}
	if len(failures) > 0 {
		return &WriteError{Verb: verb, Failures: failures, Total: len(calls)}
	}
	return nil
}

func (s *Session) lroProgress() func(executor.LROStatus) {
	if s.cfg.Progress == nil {
		return nil
	}
	return s.cfg.Progress.Operation
}

// writeBodies prints response bodies as rows: top-level properties as
// columns (id and name first, or the columns asked for, in their order),
// nested values as JSON.
func writeBodies(w output.Writer, bodies [][]byte, columns []string) error {
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
	names := columns
	if names == nil {
		for k := range keys {
			names = append(names, k)
		}
		provider.SortColumnNames(names)
	}
	cols := make([]output.Column, len(names))
	for i, n := range names {
		cols[i] = output.Column{Name: n}
	}
	var rows [][]any
	for _, o := range objects {
		row := make([]any, len(names))
		for i, n := range names {
			raw, ok := property(o, n)
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

// property is o's property name, matched as SQL matches column names
// when no property is spelled exactly so (RETURNING Name reads name).
func property(o map[string]json.RawMessage, name string) (json.RawMessage, bool) {
	if raw, ok := o[name]; ok {
		return raw, true
	}
	for k, raw := range o {
		if strings.EqualFold(k, name) {
			return raw, true
		}
	}
	return nil, false
}

// evalBodyValue evaluates a constant for a body field or parameter; string
// literals holding JSON objects or arrays become those values.
func (s *Session) evalBodyValue(ctx context.Context, e parser.Expr) (any, error) {
	if e.SQL == "" {
		return nil, fmt.Errorf("expression cannot be used as a value (%s)", e.Unsupported)
	}
	var v any
	if err := s.cfg.Store.ScanRow(ctx, "SELECT "+e.SQL, s.args, &v); err != nil {
		return nil, fmt.Errorf("evaluating %s: %w", e.SQL, err)
	}
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	return v, nil
}

// jsonish parses string values that hold a JSON object or array, so that
// data__properties = '{"a":1}' sends an object, not a string, when the
// body schema does not say the field's type.
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

// A SELECT of constants reads no API, so a dry run computes its rows too:
// they are the write's.
func (s *Session) collectSelect(ctx context.Context, sel *parser.Select) (*collected, error) {
	c := &collected{}
	if len(sel.Tables) == 0 {
		return c, s.query(ctx, sel.Text(), func(string) bool { return false }, c)
	}
	return c, s.runSelect(ctx, sel, c)
}
