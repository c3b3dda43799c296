package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

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
	sel, err := s.expandViews(sel)
	if err != nil {
		return err
	}
	plan, err := planner.PlanSelect(sel, s.resource, s.planOptions())
	if err != nil {
		return err
	}
	if sel.Explain {
		return s.explain(ctx, plan.Levels(), w)
	}
	if s.cfg.DryRun {
		return s.dryRun(ctx, plan.Levels())
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
	query := sel.SQLiteTextWithColumns(func(ref parser.TableRef) string { return store.QuoteIdent(ref.Name.String()) }, paramSpellings(sel, plan))
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
			return suggestColumn(err, plan)
		}
		return &PartialError{Failures: f.failures, Total: f.total, Printed: true}
	}
	return suggestColumn(s.queryKept(ctx, query, isJSON, w, s.resultSlot(ctx, sel, f, instance, query)), plan)
}

// paramSpellings maps a name the statement writes in the other
// generation's spelling of a parameter column of one of its tables
// (subscription_id for subscriptionId) to the column. Names that are
// columns as written, names given with AS, and spellings two columns
// share are left alone.
func paramSpellings(sel *parser.Select, plan *planner.Plan) func(string) (string, bool) {
	exact := map[string]bool{}
	byKey := map[string]string{}
	for _, t := range plan.Tables {
		if t.Scope {
			continue
		}
		for _, c := range tableColumns(t.Resource) {
			exact[strings.ToLower(c.Name)] = true
			if !c.Param {
				continue
			}
			key := provider.SpellingKey(c.Name)
			if prev, seen := byKey[key]; seen && prev != c.Name {
				byKey[key] = ""
			} else {
				byKey[key] = c.Name
			}
		}
	}
	return func(name string) (string, bool) {
		if exact[strings.ToLower(name)] {
			return "", false
		}
		if _, renamed := sel.RenamedColumn(name); renamed {
			return "", false
		}
		column := byKey[provider.SpellingKey(name)]
		return column, column != ""
	}
}

// suggestColumn adds "did you mean" to SQLite's "no such column: x" from
// the columns and parameters of the query's tables.
func suggestColumn(err error, plan *planner.Plan) error {
	const noSuchColumn = "no such column: "
	if err == nil {
		return nil
	}
	_, name, found := strings.Cut(err.Error(), noSuchColumn)
	if !found {
		return err
	}
	name = strings.Fields(name + " ")[0]
	if i := strings.LastIndexByte(name, '.'); i >= 0 { // alias.column
		name = name[i+1:]
	}
	var names []string
	for _, t := range plan.Tables {
		for _, c := range tableColumns(t.Resource) {
			names = append(names, c.Name)
		}
	}
	if n := provider.Nearest(name, names); n != "" {
		return fmt.Errorf("%w; did you mean %s?", err, n)
	}
	if strings.HasPrefix(name, "$") {
		var tables []string
		for _, t := range plan.Tables {
			if !t.Scope {
				tables = append(tables, t.Resource.ID)
			}
		}
		return fmt.Errorf("%w: no method that reads %s takes a query parameter %s (DESCRIBE %s lists its columns and parameters)",
			err, strings.Join(tables, " or "), name, tables[0])
	}
	return err
}

// query runs SQL on the store and streams its rows to w. A result column is
// JSON to embed in typed output when SQLite says its declared type is JSON,
// or when isJSON says it is one of the JSON columns the views show as text
// (expressions, which SQLite gives no declared type).
func (s *Session) query(ctx context.Context, query string, isJSON func(column string) bool, w output.Writer) error {
	rows, err := s.cfg.Store.Query(ctx, query, s.args...)
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
func scanRows(rows *store.Rows, width int, batches chan<- [][]any, stop <-chan struct{}) error {
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

func (s *Session) planOptions() planner.Options {
	return planner.Options{Scope: s.cfg.Scope, MaxCalls: s.cfg.MaxCalls}
}

// tableColumns is the store layout of a resource: the response's top-level
// properties, then the request parameters (those skyql supplies aside), so that a
// row says which vault it came from and WHERE on a parameter filters
// locally too. A parameter the call did not carry (the vault of a backup
// vault listed by subscription) is read from the row's id, at its place in
// the resource's item path.
func tableColumns(r *provider.Resource) []store.Column {
	var cols []store.Column
	taken := map[string]bool{}
	// SQLite's names are case-insensitive: a parameter Sid beside a property sid
	// would be a duplicate column.
	for _, c := range r.Columns() {
		taken[strings.ToLower(c.Name)] = true
		cols = append(cols, store.Column{Name: c.Name, Kind: store.KindOf(c.Type)})
	}
	var itemPath []string
	if m := planner.ItemMethod(r); m != nil {
		itemPath = strings.Split(m.Path, "/")
	}
	for _, m := range r.VerbMethods(provider.VerbSelect) {
		for _, p := range m.Params {
			if p.BoundFromWhere() && !p.Supplied() && !taken[strings.ToLower(p.Name)] {
				taken[strings.ToLower(p.Name)] = true
				// Typed as declared, so an integer itemId comes back as 123, not "123".
				kind := store.KindOf(p.Type)
				if kind == store.KindJSON {
					kind = store.KindText // an array or object parameter travels as text
				}
				c := store.Column{Name: p.Name, Kind: kind, Param: true}
				if i := slices.Index(itemPath, "{"+p.Name+"}"); i > 0 {
					c.IDSegment, c.IDLabel = i, itemPath[i-1]
				}
				cols = append(cols, c)
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
	viewCalls := map[string][]store.ViewCall{} // one view per resource, over every reference's calls
	for i, t := range plan.Tables {
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
		if limit := s.maxCalls(); f.total+len(calls) > limit {
			return f, &planner.TooManyCallsError{Table: t.Alias(), Calls: f.total + len(calls), Max: limit}
		}
		if s.cfg.Progress != nil && len(plan.Tables) > 1 {
			s.cfg.Progress.Level(i+1, len(plan.Tables), t.Alias(), t.Method.Name, len(calls))
		}
		refs, fails, err := s.fetchCalls(ctx, t, tbl, calls, showsSent(plan, t))
		if err != nil {
			return f, err
		}
		f.total += len(calls)
		f.failures = append(f.failures, fails...)
		for _, r := range refs {
			f.calls = append(f.calls, r.CallRef)
		}
		viewCalls[t.ViewName] = append(viewCalls[t.ViewName], refs...)
		if f.views[t.ViewName], err = s.cfg.Store.BindView(ctx, t.ViewName, tbl, viewCalls[t.ViewName], jsonOnly); err != nil {
			return f, err
		}
		for _, name := range tbl.TextJSONColumns(jsonOnly) {
			f.textJSON[name] = true
		}
	}
	return f, nil
}

// showsSent names the parameters of t whose values its view may show as
// its calls sent them (see store.BindView): those WHERE gives constants
// for, when t is the statement's only provider table. A join, or a second
// reference to the same resource, could look rows up by the parameter
// column through an index, which a value picked by generation would take
// away. Only parameters in the URL qualify: the URL names a call's rows
// in the cache (cacheKey), so rows a call finds there were written with
// the same values; a header's would be the value of whichever call wrote
// them.
func showsSent(plan *planner.Plan, t *planner.Table) []string {
	for _, other := range plan.Tables {
		if other != t && !other.Scope {
			return nil
		}
	}
	var names []string
	for _, c := range t.Constants {
		if p, ok := t.Method.Param(c.Param); ok && (p.In == "path" || p.In == "query") {
			names = append(names, c.Param)
		}
	}
	return names
}

// fetchCalls has the store materialize the calls' rows in tbl: served
// from the cache, fetched, or shared with another session fetching them.
// It returns the calls whose rows the query may read (complete ones, and
// with --allow-partial the partial ones), each with the values it sent of
// the parameters shown names (see store.ViewCall).
func (s *Session) fetchCalls(ctx context.Context, t *planner.Table, tbl *store.Table, calls []*executor.Call, shown []string) ([]store.ViewCall, []CallFailure, error) {
	requests := make([]store.Call, len(calls))
	for i, c := range calls {
		key, err := cacheKey(c)
		if err != nil {
			return nil, nil, err
		}
		requests[i] = store.Call{Key: key, Description: c.Describe(), Params: c.Params}
	}
	// The rows of a LIMIT statement arrive in no promised order, so any
	// RowLimit of them, from whichever calls, answer it: the first call to
	// reach the count stops the others, and calls not yet started never go.
	var arrived atomic.Int64
	enough := func() bool { return t.RowLimit > 0 && arrived.Load() >= t.RowLimit }
	results, err := s.cfg.Store.Materialize(ctx, tbl, requests, func(ctx context.Context, indexes []int, add func(int, [][]byte) error) []error {
		errs := make([]error, len(indexes))
		if enough() {
			for k := range errs {
				errs[k] = errEnoughRows
			}
			return errs
		}
		batch := make([]*executor.Call, len(indexes))
		for k, i := range indexes {
			batch[k] = calls[i]
		}
		fetchCtx, stop := context.WithCancelCause(ctx)
		defer stop(nil)
		fetched := s.cfg.Executor.Fetch(fetchCtx, batch, executor.SinkFunc(func(k int, items [][]byte) error {
			if err := add(indexes[k], items); err != nil {
				return err
			}
			if t.RowLimit > 0 && arrived.Add(int64(len(items))) >= t.RowLimit {
				stop(errEnoughRows)
				return errEnoughRows
			}
			return nil
		}))
		for k, r := range fetched {
			errs[k] = r.Err
			if errors.Is(r.Err, context.Canceled) && ctx.Err() == nil && errors.Is(context.Cause(fetchCtx), errEnoughRows) {
				errs[k] = errEnoughRows // cancelled because another call had the rows; a real failure stays one
			}
			if r.Err == nil && r.Capped {
				errs[k] = fmt.Errorf("stopped after %d pages (the page cap, --max-pages); more pages were left", r.Pages)
			}
		}
		return errs
	})
	if err != nil {
		return nil, nil, err
	}
	var refs []store.ViewCall
	var failures []CallFailure
	var empty []int // calls to scopes that cannot hold the resource
	seen := map[store.CallRef]bool{}
	for i, r := range results {
		if seen[r.CallRef] {
			continue // the same call twice
		}
		seen[r.CallRef] = true
		ref := store.ViewCall{CallRef: r.CallRef}
		for _, name := range shown {
			if v, ok := requests[i].Params[name]; ok {
				if ref.Sent == nil {
					ref.Sent = map[string]string{}
				}
				ref.Sent[name] = v
			}
		}
		switch {
		case r.Err == nil:
			refs = append(refs, ref)
		case errors.Is(r.Err, errEnoughRows):
			// The statement has its rows; the call is not complete, so the
			// store does not reuse it, but this statement reads what arrived.
			refs = append(refs, ref)
		case outOfScope(r.Err) || (fannedOut(t) && notFound(r.Err)):
			empty = append(empty, i)
		default:
			failures = append(failures, CallFailure{Table: t.Resource.ID, Call: calls[i].Describe(), Err: r.Err})
			if s.cfg.AllowPartial {
				refs = append(refs, ref)
			}
		}
	}
	if len(empty) > 0 {
		others := ""
		if len(empty) > 1 {
			others = fmt.Sprintf(" and %d more like it", len(empty)-1)
		}
		first := empty[0]
		fmt.Fprintf(s.cfg.Stderr, "skyql: notice: no %s in the scope of %s%s: counted as empty (%v)\n", t.Resource.ID, calls[first].Describe(), others, results[first].Err)
	}
	return refs, failures, nil
}

// errEnoughRows stops a call's paging once the statement has the rows it
// needs (planner.Table.RowLimit).
var errEnoughRows = errors.New("enough rows for the statement's LIMIT")

// outOfScope reports an answer that says the resource type cannot exist
// in the call's scope: a subscription not registered for the type's
// resource provider, or a disabled one. Such a scope holds nothing of the
// type, so fanning out over it finds nothing rather than failing.
func outOfScope(err error) bool {
	var api *executor.APIError
	if !errors.As(err, &api) || api.StatusCode != http.StatusConflict {
		return false
	}
	switch api.Code {
	case "MissingSubscriptionRegistration", "SubscriptionNotRegistered", "ReadOnlyDisabledSubscription", "DisabledSubscription":
		return true
	}
	return false
}

// fannedOut reports a table some of whose parameters come from a
// collection the planner listed: a call to a scope without the item the
// statement named (WHERE resourceGroupName = 'x', in a subscription
// without that group) finds nothing rather than failing.
func fannedOut(t *planner.Table) bool {
	return slices.ContainsFunc(t.Sources(), func(src *planner.Table) bool { return src.Scope })
}

func notFound(err error) bool {
	var api *executor.APIError
	return errors.As(err, &api) && api.StatusCode == http.StatusNotFound
}

// maxCalls is the most calls a statement may make.
func (s *Session) maxCalls() int {
	if s.cfg.MaxCalls > 0 {
		return s.cfg.MaxCalls
	}
	return planner.DefaultMaxCalls
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
	combos, err := s.constantCombos(ctx, t.Alias(), t.Constants)
	if err != nil {
		return nil, err
	}
	if len(t.Joins) > 0 {
		names, tuples, err := s.joinValues(ctx, t)
		if err != nil {
			return nil, err
		}
		if n := len(combos) * len(tuples); n > s.maxCalls() {
			return nil, &planner.TooManyCallsError{Table: t.Alias(), Calls: n, Max: s.maxCalls()}
		}
		combos = crossProduct(combos, names, tuples)
	}
	return s.newCalls(t.Method, combos)
}

// newCalls prepares one call of m per parameter set.
func (s *Session) newCalls(m *provider.Method, combos []map[string]string) ([]*executor.Call, error) {
	calls := make([]*executor.Call, 0, len(combos))
	for _, params := range combos {
		c, err := s.newCall(m, params)
		if err != nil {
			return nil, err
		}
		calls = append(calls, c)
	}
	return calls, nil
}

// constantCombos evaluates constant bindings into one parameter set per
// combination of their values.
func (s *Session) constantCombos(ctx context.Context, table string, constants []planner.ConstantBinding) ([]map[string]string, error) {
	combos := []map[string]string{{}}
	for _, b := range constants {
		var values []string
		for _, e := range b.Values {
			v, err := s.evalConstant(ctx, e)
			if err != nil {
				return nil, fmt.Errorf("parameter %s of %s: %w", b.Param, table, err)
			}
			values = append(values, v)
		}
		combos = crossProduct(combos, []string{b.Param}, valuesAsTuples(values))
	}
	return combos, nil
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
	if err := s.cfg.Store.ScanRow(ctx, "SELECT "+e.SQL, s.args, &v); err != nil {
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
	rows, err := s.cfg.Store.Query(ctx, q, s.args...)
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

// explain writes the plan's levels: per table, the method, how many calls
// and where the parameters come from, and the first request, without
// sending anything.
func (s *Session) explain(ctx context.Context, levels []planner.Level, w output.Writer) error {
	if err := w.Begin([]output.Column{{Name: "table"}, {Name: "method"}, {Name: "calls"}, {Name: "parameters"}, {Name: "first_request"}}); err != nil {
		return err
	}
	for _, l := range levels {
		var calls any = l.Calls()
		request := l.Method.HTTPMethod + " " + s.baseURL(l.Method) + l.Method.Path
		if len(l.PerRowOf) == 0 {
			cs, err := s.levelCalls(ctx, l)
			if err != nil {
				return err
			}
			calls = int64(len(cs))
			if len(cs) > 0 {
				u, err := cs[0].URL()
				if err != nil {
					return err
				}
				request = l.Method.HTTPMethod + " " + u
			}
		}
		if err := w.Row([]any{l.Table, l.Method.Name, calls, strings.Join(l.Params, "; "), request}); err != nil {
			return err
		}
	}
	return w.End()
}

// levelCalls are the calls of a level whose parameters are all constants.
func (s *Session) levelCalls(ctx context.Context, l planner.Level) ([]*executor.Call, error) {
	combos, err := s.constantCombos(ctx, l.Table, l.Constants)
	if err != nil {
		return nil, err
	}
	return s.newCalls(l.Method, combos)
}

// describeLevel prints a plan level as a comment line of a dry run.
func (s *Session) describeLevel(l planner.Level) {
	known := ""
	if len(l.PerRowOf) > 0 {
		known = " (known only once those rows are fetched)"
	}
	fmt.Fprintf(s.cfg.Stderr, "-- %s: %s, %s%s\n", l.Table, l.Method.Name, l.Calls(), known)
}

// dryRun prints the first request of every call whose parameters are
// known before anything is fetched; levels fed by other tables' rows are
// described.
func (s *Session) dryRun(ctx context.Context, levels []planner.Level) error {
	for _, l := range levels {
		s.describeLevel(l)
		if len(l.PerRowOf) > 0 {
			continue
		}
		calls, err := s.levelCalls(ctx, l)
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
