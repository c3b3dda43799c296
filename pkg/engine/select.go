package engine

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/skyql/skyql/pkg/executor"
	"github.com/skyql/skyql/pkg/output"
	"github.com/skyql/skyql/pkg/parser"
	"github.com/skyql/skyql/pkg/planner"
	"github.com/skyql/skyql/pkg/provider"
	"github.com/skyql/skyql/pkg/store"
)

// CallFailure is one call of a query that failed.
type CallFailure struct {
	Table string
	Call  string
	Err   error
}

// PartialError reports the calls of a query that failed or were cut short.
// With --allow-partial the rows that did arrive were printed; without it,
// none were.
type PartialError struct {
	Failures []CallFailure
	Total    int
	Printed  bool
}

func (e *PartialError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d of %d API calls failed", len(e.Failures), e.Total)
	if e.Printed {
		b.WriteString("; the rows printed are INCOMPLETE")
	} else {
		b.WriteString("; no rows were printed (use --allow-partial to see the rows that did arrive)")
	}
	b.WriteString(":")
	for _, f := range e.Failures {
		fmt.Fprintf(&b, "\n  %s %s: %v", f.Table, f.Call, f.Err)
	}
	return b.String()
}

func (s *Session) runSelect(ctx context.Context, sel *parser.Select, w output.Writer) error {
	plan, err := planner.PlanSelect(sel, s.resource)
	if err != nil {
		return err
	}
	if sel.Explain {
		return s.explain(ctx, plan, w)
	}
	if s.cfg.DryRun {
		return s.dryRunSelect(ctx, plan)
	}
	// Read before any call is looked up (see store.Instance); without it
	// the result is not kept.
	var instance string
	if s.cfg.Store.KeepsResults() {
		instance, _ = s.cfg.Store.Instance(ctx)
	}
	f, err := s.fetchPlan(ctx, plan, sel.ReadsOnlyAsJSON)
	if err != nil {
		return err
	}
	if len(f.failures) > 0 && !s.cfg.AllowPartial {
		return &PartialError{Failures: f.failures, Total: f.total}
	}
	query := sel.SQLiteText(func(ref parser.TableRef) string { return store.QuoteIdent(ref.Name.String()) })
	isJSON := func(column string) bool {
		// One step back from an AS name to the column it selects: the
		// source is a column of a FROM item, not another AS name.
		if source, renamed := sel.RenamedColumn(column); renamed {
			column = source
		}
		return column != "" && f.textJSON[column]
	}
	if len(f.failures) > 0 {
		if err := s.query(ctx, query, isJSON, w); err != nil {
			return err
		}
		return &PartialError{Failures: f.failures, Total: f.total, Printed: true}
	}
	return s.queryKept(ctx, query, isJSON, w, s.resultSlot(ctx, sel, f, instance, query))
}

// query runs SQL on the store and streams its rows to w. A result column is
// JSON to embed in typed output when SQLite says its declared type is JSON,
// or when isJSON says it is one of the JSON columns the views show as text
// (expressions, which SQLite gives no declared type).
func (s *Session) query(ctx context.Context, query string, isJSON func(column string) bool, w output.Writer) error {
	rows, err := s.cfg.Store.DB().QueryContext(ctx, query, s.args...)
	if err != nil {
		return fmt.Errorf("query failed: %w", err)
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return err
	}
	cols := make([]output.Column, len(types))
	for i, t := range types {
		cols[i] = output.Column{Name: t.Name(), JSON: strings.EqualFold(t.DatabaseTypeName(), "JSON") || isJSON(t.Name())}
	}
	if err := w.Begin(cols); err != nil {
		return err
	}
	// SQLite and the writer work in parallel: a goroutine steps through
	// the rows and hands them over in batches while this one formats them.
	batches := make(chan [][]any, 2)
	stop := make(chan struct{})
	scanned := make(chan error, 1)
	go func() {
		defer close(batches)
		scanned <- scanRows(rows, len(cols), batches, stop)
	}()
	var writeErr error
	for batch := range batches {
		for _, values := range batch {
			if writeErr == nil {
				writeErr = w.Row(values)
			}
		}
		if writeErr != nil && stop != nil {
			close(stop) // the scanner stops; the loop drains what it sent
			stop = nil
		}
	}
	if err := <-scanned; err != nil {
		return fmt.Errorf("query failed: %w", err)
	}
	if writeErr != nil {
		return writeErr
	}
	return w.End()
}

// rowBatch and rowBatchBytes bound a batch the scanner hands the writer:
// so many rows, or rows holding so many bytes of text and blobs.
const (
	rowBatch      = 256
	rowBatchBytes = 1 << 20
)

// scanRows reads rows of width columns into batches until the rows end or
// stop closes.
func scanRows(rows *sql.Rows, width int, batches chan<- [][]any, stop <-chan struct{}) error {
	ptrs := make([]any, width)
	for {
		select {
		case <-stop:
			return nil
		default:
		}
		flat := make([]any, rowBatch*width)
		batch := make([][]any, 0, rowBatch)
		size, more := 0, true
		for len(batch) < rowBatch && size < rowBatchBytes {
			if more = rows.Next(); !more {
				break
			}
			values := flat[len(batch)*width : (len(batch)+1)*width : (len(batch)+1)*width]
			for i := range values {
				ptrs[i] = &values[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			for _, v := range values {
				switch v := v.(type) {
				case string:
					size += len(v)
				case []byte:
					size += len(v)
				}
			}
			batch = append(batch, values)
		}
		if len(batch) > 0 {
			select {
			case batches <- batch:
			case <-stop:
				return nil
			}
		}
		if !more {
			return rows.Err()
		}
	}
}

// tableColumns is the store layout of a resource: the response's top-level
// properties, then the request parameters (those skyql supplies aside), so that a
// row says which vault it came from and WHERE on a parameter filters
// locally too.
func tableColumns(r *provider.Resource) []store.Column {
	var cols []store.Column
	taken := map[string]bool{}
	for _, c := range r.Columns() {
		taken[c.Name] = true
		cols = append(cols, store.Column{Name: c.Name, Kind: store.KindOf(c.Type)})
	}
	for _, m := range r.VerbMethods(provider.VerbSelect) {
		for _, p := range m.Params {
			if (p.In == "path" || p.In == "query") && !p.Supplied() && !taken[p.Name] {
				taken[p.Name] = true
				cols = append(cols, store.Column{Name: p.Name, Kind: store.KindText, Param: true})
			}
		}
	}
	return cols
}

// fetched is what fetchPlan did: the calls that failed out of how many,
// the JSON columns the views show as text, each view's definition, the
// tables behind the views, and the calls (at their generations) whose
// rows the views show.
type fetched struct {
	failures []CallFailure
	total    int
	textJSON map[string]bool
	views    map[string]string
	tables   []string
	calls    []store.CallRef
}

// fetchPlan fetches every table of the plan in order, binding each
// resource's view to the rows of its calls. jsonOnly says which columns the
// statement reads only through JSON functions (see store.BindView).
func (s *Session) fetchPlan(ctx context.Context, plan *planner.Plan, jsonOnly func(column string) bool) (fetched, error) {
	f := fetched{textJSON: map[string]bool{}, views: map[string]string{}}
	viewCalls := map[string][]int64{} // one view per resource, over every reference's calls
	for _, t := range plan.Tables {
		tbl, err := s.cfg.Store.EnsureTable(ctx, t.Resource.ID, tableColumns(t.Resource))
		if err != nil {
			return f, err
		}
		f.tables = append(f.tables, tbl.Name)
		if len(t.Joins) > 0 {
			params := make([]string, len(t.Joins))
			for i, j := range t.Joins {
				params[i] = j.Param
			}
			if err := s.cfg.Store.EnsureJoinIndex(ctx, tbl, params); err != nil {
				return f, err
			}
		}
		calls, err := s.callsFor(ctx, t)
		if err != nil {
			return f, err
		}
		refs, fails, err := s.fetchCalls(ctx, t, tbl, calls)
		if err != nil {
			return f, err
		}
		f.total += len(calls)
		f.failures = append(f.failures, fails...)
		f.calls = append(f.calls, refs...)
		for _, r := range refs {
			viewCalls[t.ViewName] = append(viewCalls[t.ViewName], r.ID)
		}
		if f.views[t.ViewName], err = s.cfg.Store.BindView(ctx, t.ViewName, tbl, viewCalls[t.ViewName], jsonOnly); err != nil {
			return f, err
		}
		for _, name := range tbl.TextJSONColumns(jsonOnly) {
			f.textJSON[name] = true
		}
	}
	return f, nil
}

// fetchCalls serves what it can from the cache and fetches the rest,
// streaming pages into the table. It returns the calls whose rows the
// query may read (complete ones, and with --allow-partial the partial ones).
func (s *Session) fetchCalls(ctx context.Context, t *planner.Table, tbl *store.Table, calls []*executor.Call) ([]store.CallRef, []CallFailure, error) {
	var refs []store.CallRef
	var toFetch []*executor.Call
	var begin []store.NewCall
	seen := map[string]bool{}
	for _, c := range calls {
		key, err := cacheKey(c)
		if err != nil {
			return nil, nil, err
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		st, ok, err := s.cfg.Store.Lookup(ctx, tbl, key)
		if err != nil {
			return nil, nil, err
		}
		if ok && st.Fresh {
			refs = append(refs, st.CallRef)
			continue
		}
		toFetch = append(toFetch, c)
		begin = append(begin, store.NewCall{Key: key, Description: c.Describe()})
	}
	if len(toFetch) == 0 {
		return refs, nil, nil
	}
	fetchRefs, err := s.cfg.Store.BeginCalls(ctx, tbl, begin)
	if err != nil {
		return nil, nil, err
	}
	ingest := s.cfg.Store.NewIngest(ctx)
	results := s.cfg.Executor.Fetch(ctx, toFetch, executor.SinkFunc(func(i int, items [][]byte) error {
		return ingest.Add(tbl, fetchRefs[i].ID, toFetch[i].Params, items)
	}))
	if err := ingest.Close(); err != nil {
		return nil, nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	var failures []CallFailure
	finished := make([]store.FinishedCall, len(results))
	for i, r := range results {
		complete := r.Err == nil && !r.Capped
		finished[i] = store.FinishedCall{ID: fetchRefs[i].ID, Complete: complete, Rows: ingest.Rows(fetchRefs[i].ID)}
		switch {
		case r.Err != nil:
			failures = append(failures, CallFailure{Table: t.Resource.ID, Call: r.Call.Describe(), Err: r.Err})
		case r.Capped:
			failures = append(failures, CallFailure{Table: t.Resource.ID, Call: r.Call.Describe(),
				Err: fmt.Errorf("stopped after %d pages (the page cap); more pages were left", r.Pages)})
		}
		if complete || s.cfg.AllowPartial {
			refs = append(refs, fetchRefs[i])
		}
	}
	if err := s.cfg.Store.FinishCalls(ctx, finished); err != nil {
		return nil, nil, err
	}
	return refs, failures, nil
}

// cacheKey identifies a call's result: the method and the exact first URL
// (base, path, every parameter, api-version).
func cacheKey(c *executor.Call) (string, error) {
	u, err := c.URL()
	if err != nil {
		return "", err
	}
	h := sha256.Sum256([]byte(c.Method.Resource.ID + "\x00" + c.Method.Name + "\x00" + u))
	return hex.EncodeToString(h[:]), nil
}

// callsFor turns a table's bindings into calls: constants evaluated, join
// values read from the source tables' rows, one call per combination.
func (s *Session) callsFor(ctx context.Context, t *planner.Table) ([]*executor.Call, error) {
	combos := []map[string]string{{}}
	for _, b := range t.Constants {
		var values []string
		for _, e := range b.Values {
			v, err := s.evalConstant(ctx, e)
			if err != nil {
				return nil, fmt.Errorf("parameter %s of %s: %w", b.Param, t.Alias(), err)
			}
			values = append(values, v)
		}
		combos = crossProduct(combos, []string{b.Param}, valuesAsTuples(values))
	}
	if len(t.Joins) > 0 {
		names, tuples, err := s.joinValues(ctx, t)
		if err != nil {
			return nil, err
		}
		combos = crossProduct(combos, names, tuples)
	}
	calls := make([]*executor.Call, 0, len(combos))
	for _, params := range combos {
		c, err := s.newCall(t.Method, params)
		if err != nil {
			return nil, err
		}
		calls = append(calls, c)
	}
	return calls, nil
}

func valuesAsTuples(values []string) [][]string {
	out := make([][]string, len(values))
	for i, v := range values {
		out[i] = []string{v}
	}
	return out
}

func crossProduct(combos []map[string]string, names []string, tuples [][]string) []map[string]string {
	var out []map[string]string
	for _, c := range combos {
		for _, tuple := range tuples {
			m := make(map[string]string, len(c)+len(names))
			for k, v := range c {
				m[k] = v
			}
			for i, n := range names {
				m[n] = tuple[i]
			}
			out = append(out, m)
		}
	}
	return out
}

// evalConstant evaluates a constant expression in SQLite, so that
// lower('X'), 'a' || 'b' or strftime(...) mean exactly what they mean in
// the query itself.
func (s *Session) evalConstant(ctx context.Context, e parser.Expr) (string, error) {
	if e.SQL == "" {
		return "", fmt.Errorf("expression cannot be used as a parameter value (%s)", e.Unsupported)
	}
	var v any
	if err := s.cfg.Store.DB().QueryRowContext(ctx, "SELECT "+e.SQL, s.args...).Scan(&v); err != nil {
		return "", fmt.Errorf("evaluating %s: %w", e.SQL, err)
	}
	str, ok := paramString(v)
	if !ok {
		return "", fmt.Errorf("%s is NULL; a parameter needs a value", e.SQL)
	}
	return str, nil
}

func paramString(v any) (string, bool) {
	switch v := v.(type) {
	case nil:
		return "", false
	case string:
		return v, true
	case []byte:
		return string(v), true
	case int64:
		return strconv.FormatInt(v, 10), true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(v), true
	}
	return fmt.Sprint(v), true
}

// joinValues reads the distinct parameter tuples a table's join bindings
// take from its source tables' rows, narrowed by the sources' own constant
// filters. Tuples with a NULL are skipped: no call can be made for them.
func (s *Session) joinValues(ctx context.Context, t *planner.Table) ([]string, [][]string, error) {
	var names, exprs, from, where []string
	for _, j := range t.Joins {
		names = append(names, j.Param)
		exprs = append(exprs, j.Expr.SQL)
	}
	for _, src := range t.Sources() {
		item := store.QuoteIdent(src.ViewName)
		if src.Ref.Alias != "" {
			item += " AS " + store.QuoteIdent(src.Ref.Alias)
		}
		from = append(from, item)
		for _, f := range src.Filters {
			if f.Left.SQL != "" && f.Right.SQL != "" {
				where = append(where, "("+f.Left.SQL+") = ("+f.Right.SQL+")")
			}
		}
	}
	q := fmt.Sprintf("SELECT DISTINCT %s FROM %s", strings.Join(exprs, ", "), strings.Join(from, ", "))
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.cfg.Store.DB().QueryContext(ctx, q, s.args...)
	if err != nil {
		return nil, nil, fmt.Errorf("reading join parameters for %s (%s): %w", t.Alias(), q, err)
	}
	defer rows.Close()
	var tuples [][]string
	vals := make([]any, len(exprs))
	ptrs := make([]any, len(exprs))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
next:
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, nil, err
		}
		tuple := make([]string, len(vals))
		for i, v := range vals {
			str, ok := paramString(v)
			if !ok || str == "" {
				continue next
			}
			tuple[i] = str
		}
		tuples = append(tuples, tuple)
	}
	return names, tuples, rows.Err()
}

// explain writes the plan: per table, the method, how many calls and where
// the parameters come from, without sending anything.
func (s *Session) explain(ctx context.Context, plan *planner.Plan, w output.Writer) error {
	if err := w.Begin([]output.Column{{Name: "table"}, {Name: "method"}, {Name: "calls"}, {Name: "parameters"}, {Name: "first_request"}}); err != nil {
		return err
	}
	for _, t := range plan.Tables {
		var params []string
		for _, b := range t.Constants {
			var vs []string
			for _, v := range b.Values {
				vs = append(vs, v.SQL)
			}
			params = append(params, b.Param+" = "+strings.Join(vs, " | "))
		}
		for _, j := range t.Joins {
			params = append(params, j.Param+" <- "+j.Expr.SQL)
		}
		var calls any = "one per row of " + joinAliases(t.Sources())
		request := ""
		if len(t.Joins) == 0 {
			cs, err := s.callsFor(ctx, t)
			if err != nil {
				return err
			}
			calls = int64(len(cs))
			if len(cs) > 0 {
				u, err := cs[0].URL()
				if err != nil {
					return err
				}
				request = t.Method.HTTPMethod + " " + u
			}
		}
		if err := w.Row([]any{t.ViewName + " AS " + t.Alias(), t.Method.Name, calls, strings.Join(params, "; "), request}); err != nil {
			return err
		}
	}
	return w.End()
}

func joinAliases(ts []*planner.Table) string {
	var names []string
	for _, t := range ts {
		names = append(names, t.Alias())
	}
	return strings.Join(names, " x ")
}

// dryRunSelect prints the first request of every call whose parameters are
// known before anything is fetched; calls fed by joins are described.
func (s *Session) dryRunSelect(ctx context.Context, plan *planner.Plan) error {
	for _, t := range plan.Tables {
		if len(t.Joins) > 0 {
			fmt.Fprintf(s.cfg.Stderr, "-- %s: %s, one call per row of %s (known only once those rows are fetched)\n",
				t.Alias(), t.Method.Name, joinAliases(t.Sources()))
			continue
		}
		calls, err := s.callsFor(ctx, t)
		if err != nil {
			return err
		}
		for _, c := range calls {
			if err := c.DryRun(s.cfg.Stderr); err != nil {
				return err
			}
		}
	}
	return nil
}
