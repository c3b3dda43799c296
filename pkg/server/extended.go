package server

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// stmtKind tells where a statement runs.
type stmtKind int

const (
	kindEngine      stmtKind = iota // skyql's: SELECT over providers, SHOW SERVICES, EXEC, ...
	kindCatalog                     // reads pg_catalog, information_schema or session functions
	kindSetting                     // SET, RESET, SHOW of a run-time parameter
	kindTransaction                 // BEGIN, COMMIT, ...: acknowledged, skyql has no transactions
	kindEmpty
)

// statement is one SQL statement as the server routes it.
type statement struct {
	text   string // as the client sent it
	sql    string // with $n as ?n
	params int    // the highest $n
	kind   stmtKind
	verb   string // the first word, upper case
}

// catalogFunctions are functions whose use makes a statement without
// tables a catalog query (they exist in the catalog database only).
var catalogFunctions = map[string]bool{"version": true, "current_database": true, "current_schema": true,
	"current_schemas": true, "current_setting": true, "set_config": true, "current_user": true,
	"session_user": true, "current_role": true, "current_catalog": true, "format_type": true,
	"obj_description": true, "col_description": true, "has_table_privilege": true,
	"has_schema_privilege": true, "has_database_privilege": true, "quote_ident": true, "array_to_string": true}

// transactionTags are the command tags of the transaction statements.
var transactionTags = map[string]string{"BEGIN": "BEGIN", "START": "START TRANSACTION", "COMMIT": "COMMIT",
	"END": "COMMIT", "ROLLBACK": "ROLLBACK", "ABORT": "ROLLBACK", "SAVEPOINT": "SAVEPOINT",
	"RELEASE": "RELEASE", "DISCARD": "DISCARD ALL", "DEALLOCATE": "DEALLOCATE", "UNLISTEN": "UNLISTEN"}

func (c *conn) classify(text string) statement {
	st := statement{text: text, verb: firstWord(text)}
	st.sql, st.params = numberParams(text)
	toks := words(text)
	switch {
	case len(toks) == 0:
		st.kind = kindEmpty
		return st
	case transactionTags[st.verb] != "":
		st.kind = kindTransaction
		return st
	}
	if _, ok, _ := parseSetting(text, c.settings); ok {
		st.kind = kindSetting
		return st
	}
	for i, t := range toks {
		lower := strings.ToLower(t.text)
		switch {
		case t.kind == tokOp && t.text == "::",
			t.kind == tokWord && (strings.HasPrefix(lower, "pg_") || lower == "information_schema"),
			t.kind == tokWord && catalogFunctions[lower] && (i+1 == len(toks) || toks[i+1].text == "(" || keywordCalls[lower]):
			st.kind = kindCatalog
			return st
		}
	}
	return st
}

// prepared is a statement prepared with Parse.
type prepared struct {
	statement
	paramOIDs []uint32
}

// portal is a prepared statement bound to values by Bind.
type portal struct {
	stmt    *prepared
	args    []any
	formats []int16 // result column formats
	cur     *cursor // started by Describe or the first Execute
}

// loop answers messages until the client leaves.
func (c *conn) loop(ctx context.Context) error {
	defer c.closePortals()
	for {
		msg, err := c.b.Receive()
		if err != nil {
			return err
		}
		if c.skipping {
			// After an error, the extended protocol skips to Sync.
			switch msg.(type) {
			case *pgproto3.Sync:
			case *pgproto3.Terminate:
				return nil
			default:
				continue
			}
		}
		switch msg := msg.(type) {
		case *pgproto3.Query:
			c.closeUnnamedPortal()
			c.simpleQuery(ctx, msg.String)
			c.b.Send(&pgproto3.ReadyForQuery{TxStatus: c.txStatus})
		case *pgproto3.Parse:
			c.fail(c.parse(msg))
		case *pgproto3.Bind:
			c.fail(c.bind(msg))
		case *pgproto3.Describe:
			c.fail(c.describe(ctx, msg))
		case *pgproto3.Execute:
			c.fail(c.execute(ctx, msg))
		case *pgproto3.Close:
			if msg.ObjectType == 'S' {
				delete(c.statements, msg.Name)
			} else {
				c.closePortal(msg.Name)
			}
			c.b.Send(&pgproto3.CloseComplete{})
		case *pgproto3.Sync:
			c.skipping = false
			c.closeUnnamedPortal()
			c.b.Send(&pgproto3.ReadyForQuery{TxStatus: c.txStatus})
		case *pgproto3.Flush:
		case *pgproto3.CopyData, *pgproto3.CopyDone, *pgproto3.CopyFail:
			// No COPY is ever started; PostgreSQL ignores these too.
		case *pgproto3.Terminate:
			return nil
		default:
			c.b.Send(&pgproto3.ErrorResponse{Severity: "FATAL", Code: "08P01", Message: fmt.Sprintf("unexpected message %T", msg)})
			return c.b.Flush()
		}
		switch msg.(type) {
		case *pgproto3.Query, *pgproto3.Sync, *pgproto3.Flush:
			if err := c.b.Flush(); err != nil {
				return err
			}
		}
	}
}

// fail sends an extended-protocol message's error and skips to Sync.
func (c *conn) fail(resp *pgproto3.ErrorResponse) {
	if resp == nil {
		return
	}
	c.b.Send(resp)
	c.skipping = true
	if c.txStatus == 'T' {
		c.txStatus = 'E'
	}
}

// protocolError is an ErrorResponse for a malformed request.
func protocolError(code, format string, args ...any) *pgproto3.ErrorResponse {
	return &pgproto3.ErrorResponse{Severity: "ERROR", Code: code, Message: fmt.Sprintf(format, args...)}
}

func (c *conn) parse(msg *pgproto3.Parse) *pgproto3.ErrorResponse {
	if _, exists := c.statements[msg.Name]; exists && msg.Name != "" {
		return protocolError("42P05", "prepared statement %q already exists; Close it first", msg.Name)
	}
	stmts := splitStatements(msg.Query)
	if len(stmts) > 1 {
		return protocolError("42601", "cannot insert multiple commands into a prepared statement")
	}
	text := ""
	if len(stmts) == 1 {
		text = stmts[0]
	}
	p := &prepared{statement: c.classify(text), paramOIDs: slices32(msg.ParameterOIDs)}
	for len(p.paramOIDs) < p.params {
		// Unknown to the client too: 0 lets drivers (pgx) encode the value
		// by its own type, as text, which SQLite then compares by affinity.
		p.paramOIDs = append(p.paramOIDs, 0)
	}
	c.statements[msg.Name] = p
	c.b.Send(&pgproto3.ParseComplete{})
	return nil
}

func slices32(s []uint32) []uint32 { return append([]uint32(nil), s...) }

func (c *conn) bind(msg *pgproto3.Bind) *pgproto3.ErrorResponse {
	p, ok := c.statements[msg.PreparedStatement]
	if !ok {
		return protocolError("26000", "prepared statement %q does not exist", msg.PreparedStatement)
	}
	if len(msg.Parameters) != len(p.paramOIDs) {
		return protocolError("08P01", "bind message supplies %d parameters, but prepared statement %q requires %d", len(msg.Parameters), msg.PreparedStatement, len(p.paramOIDs))
	}
	if n := len(msg.ParameterFormatCodes); n > 1 && n != len(msg.Parameters) {
		return protocolError("08P01", "bind message has %d parameter formats but %d parameters", n, len(msg.Parameters))
	}
	args := make([]any, len(msg.Parameters))
	for i, raw := range msg.Parameters {
		v, err := decodeParam(p.paramOIDs[i], formatOf(msg.ParameterFormatCodes, i), raw)
		if err != nil {
			return protocolError("22P02", "parameter $%d: %v", i+1, err)
		}
		args[i] = v
	}
	if msg.DestinationPortal != "" {
		if _, exists := c.portals[msg.DestinationPortal]; exists {
			return protocolError("42P03", "portal %q already exists; Close it first", msg.DestinationPortal)
		}
	}
	c.closePortal(msg.DestinationPortal)
	c.portals[msg.DestinationPortal] = &portal{stmt: p, args: args, formats: append([]int16(nil), msg.ResultFormatCodes...)}
	c.b.Send(&pgproto3.BindComplete{})
	return nil
}

func (c *conn) describe(ctx context.Context, msg *pgproto3.Describe) *pgproto3.ErrorResponse {
	if msg.ObjectType == 'S' {
		p, ok := c.statements[msg.Name]
		if !ok {
			return protocolError("26000", "prepared statement %q does not exist", msg.Name)
		}
		c.b.Send(&pgproto3.ParameterDescription{ParameterOIDs: p.paramOIDs})
		// The result's columns are known once it runs (SQLite's are
		// typed by their values): clients learn them from the portal.
		c.b.Send(&pgproto3.NoData{})
		return nil
	}
	pt, ok := c.portals[msg.Name]
	if !ok {
		return protocolError("34000", "portal %q does not exist", msg.Name)
	}
	if err := c.start(ctx, pt); err != nil {
		return errorResponse(err, pt.stmt.text)
	}
	if pt.cur.cols == nil {
		c.b.Send(&pgproto3.NoData{})
	} else {
		c.b.Send(&pgproto3.RowDescription{Fields: pt.cur.fields(pt.formats)})
	}
	return nil
}

// start runs a portal's statement, if it is not running yet, and reads
// its result's description.
func (c *conn) start(ctx context.Context, pt *portal) error {
	if pt.cur == nil {
		for _, other := range c.portals {
			if other.cur != nil {
				other.cur.buffer() // the session runs one statement at a time
			}
		}
		pt.cur = c.run(ctx, pt.stmt.statement, pt.args)
	}
	return c.wait(pt.cur, pt.cur.describe)
}

func (c *conn) execute(ctx context.Context, msg *pgproto3.Execute) *pgproto3.ErrorResponse {
	pt, ok := c.portals[msg.Portal]
	if !ok {
		return protocolError("34000", "portal %q does not exist", msg.Portal)
	}
	if pt.stmt.kind == kindEmpty {
		c.b.Send(&pgproto3.EmptyQueryResponse{})
		return nil
	}
	if err := c.start(ctx, pt); err != nil {
		return errorResponse(err, pt.stmt.text)
	}
	suspended, err := c.sendRows(pt.cur, pt.formats, int(msg.MaxRows))
	if err != nil {
		return errorResponse(err, pt.stmt.text)
	}
	if suspended {
		c.b.Send(&pgproto3.PortalSuspended{})
		return nil
	}
	c.b.Send(&pgproto3.CommandComplete{CommandTag: []byte(c.tag(pt.stmt.statement, pt.cur))})
	c.sendChangedSettings()
	return nil
}

// simpleQuery runs the statements of a Query message in order, each with
// its own result or command tag, and stops at the first that fails, as
// PostgreSQL does.
func (c *conn) simpleQuery(ctx context.Context, text string) {
	stmts := splitStatements(text)
	if len(stmts) == 0 {
		c.b.Send(&pgproto3.EmptyQueryResponse{})
		return
	}
	for _, s := range stmts {
		st := c.classify(s)
		if st.params > 0 {
			c.b.Send(protocolError("42P02", "there is no parameter $1: send parameters with the extended query protocol (Parse/Bind)"))
			return
		}
		cur := c.run(ctx, st, nil)
		err := c.wait(cur, cur.describe)
		if err == nil && cur.cols != nil {
			c.b.Send(&pgproto3.RowDescription{Fields: cur.fields(nil)})
		}
		if err == nil {
			_, err = c.sendRows(cur, nil, 0)
		}
		cur.close()
		c.sendNotices()
		if err != nil {
			// Rows already sent stand; the error says they are not all.
			c.b.Send(errorResponse(err, st.text))
			if c.txStatus == 'T' {
				c.txStatus = 'E'
			}
			return
		}
		c.b.Send(&pgproto3.CommandComplete{CommandTag: []byte(c.tag(st, cur))})
		c.sendChangedSettings()
	}
}

// wait runs step (which reads the cursor) with the statement cancelable:
// by a cancel request, by the client leaving, or by the statement
// timeout.
func (c *conn) wait(cur *cursor, step func() error) error {
	c.s.setRunning(c.pid, cur.cancel)
	stopWatching := c.watch(cur.cancel)
	defer func() {
		stopWatching()
		c.s.setRunning(c.pid, nil)
	}()
	return step()
}

// sendRows sends up to maxRows rows (0: all) and reports whether rows
// remain.
func (c *conn) sendRows(cur *cursor, formats []int16, maxRows int) (suspended bool, err error) {
	err = c.wait(cur, func() error {
		var encoded [][]byte
		unflushed := 0
		for n := 0; maxRows <= 0 || n < maxRows; n++ {
			row, err := cur.next()
			if err != nil || row == nil {
				return err
			}
			var size int
			if encoded, size, err = cur.encodeRow(row, formats, encoded); err != nil {
				return err
			}
			c.b.Send(&pgproto3.DataRow{Values: encoded})
			if unflushed += size; unflushed >= flushBytes {
				unflushed = 0
				// A client gone away ends the statement.
				if err := c.b.Flush(); err != nil {
					return err
				}
			}
		}
		suspended = len(cur.pending) > 0 || !cur.finished
		return nil
	})
	if suspended && err == nil {
		// Rows may remain, or the result may just have ended: look.
		row, nerr := cur.next()
		switch {
		case nerr != nil:
			return false, nerr
		case row == nil:
			suspended = false
		default:
			cur.pending = append([][]any{row}, cur.pending...)
		}
	}
	return suspended, err
}

// tag is a finished statement's command tag.
func (c *conn) tag(st statement, cur *cursor) string {
	switch st.kind {
	case kindTransaction:
		return transactionTags[st.verb]
	case kindSetting:
		if st.verb == "SHOW" {
			return "SHOW"
		}
		return st.verb
	}
	switch st.verb {
	case "SELECT", "WITH", "VALUES", "EXPLAIN", "":
		return "SELECT " + strconv.Itoa(cur.sent) // PostgreSQL counts rows for SELECT
	}
	return st.verb
}

// run starts a statement on the cursor it returns, bounded by the
// server's statement timeout or the client's statement_timeout setting,
// whichever is shorter.
func (c *conn) run(ctx context.Context, st statement, args []any) *cursor {
	timeout := c.s.cfg.StatementTimeout
	if v, _ := c.settings.get("statement_timeout"); v != "" {
		if own, err := parseTimeout(v); err == nil && own > 0 && (timeout == 0 || own < timeout) {
			timeout = own
		}
	}
	return startCursor(ctx, timeout, func(ctx context.Context, sink *rowSink) error {
		return c.runStatement(ctx, st, args, sink)
	})
}

var errStatementTimeout = errors.New("canceling statement due to statement timeout")

// invalidValueError is a setting's value that means nothing.
type invalidValueError struct{ msg string }

func (e *invalidValueError) Error() string { return e.msg }

// parseTimeout reads a duration setting as PostgreSQL does: a number of
// milliseconds, or a number with a unit (ms, s, min, h, d).
func parseTimeout(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	i := strings.IndexFunc(v, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	number, unit := v, "ms"
	if i >= 0 {
		number, unit = v[:i], strings.TrimSpace(v[i:])
	}
	n, err := strconv.ParseFloat(number, 64)
	units := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second, "min": time.Minute, "h": time.Hour, "d": 24 * time.Hour}
	u, ok := units[unit]
	if err != nil || !ok {
		return 0, &invalidValueError{fmt.Sprintf("invalid value for statement_timeout: %q (a number of milliseconds, or with a unit: ms, s, min, h, d)", v)}
	}
	return time.Duration(n * float64(u)), nil
}

// runStatement runs one statement where it belongs, writing its result.
func (c *conn) runStatement(ctx context.Context, st statement, args []any, sink *rowSink) error {
	err := c.runIn(ctx, st, args, sink)
	if err != nil && errors.Is(context.Cause(ctx), errStatementTimeout) {
		return fmt.Errorf("%w (--statement-timeout %s)", errStatementTimeout, c.s.cfg.StatementTimeout)
	}
	return err
}

func (c *conn) runIn(ctx context.Context, st statement, args []any, sink *rowSink) error {
	switch st.kind {
	case kindEmpty:
		return nil
	case kindTransaction:
		switch st.verb {
		case "BEGIN", "START":
			c.txStatus = 'T'
		case "COMMIT", "END", "ROLLBACK", "ABORT":
			c.txStatus = 'I'
		case "DEALLOCATE":
			if name := lastWord(st.text); strings.EqualFold(name, "ALL") {
				clear(c.statements)
			} else {
				delete(c.statements, name)
			}
		}
		return nil
	case kindSetting:
		return c.runSetting(st.text, sink)
	case kindCatalog:
		db, err := c.catalog(ctx)
		if err != nil {
			return err
		}
		return db.query(ctx, translate(st.sql), args, sink)
	}
	return c.session.ExecuteArgs(ctx, st.sql, args, outputSink{sink})
}

func lastWord(text string) string {
	toks := words(text)
	if len(toks) == 0 {
		return ""
	}
	t := toks[len(toks)-1]
	if t.kind == tokQuoted {
		return unquoteIdent(t.text)
	}
	return t.text
}

// runSetting runs SET, RESET or SHOW of a run-time parameter.
func (c *conn) runSetting(text string, sink *rowSink) error {
	st, _, err := parseSetting(text, c.settings)
	if err != nil {
		return err
	}
	switch st.verb {
	case "SHOW":
		if st.name == "" {
			if err := sink.begin([]resultColumn{{"name", oidText}, {"setting", oidText}, {"description", oidText}}); err != nil {
				return err
			}
			for _, s := range c.settings.all() {
				if err := sink.row([]any{s.name, s.value, ""}); err != nil {
					return err
				}
			}
			return nil
		}
		v, _ := c.settings.get(st.name)
		if err := sink.begin([]resultColumn{{st.name, oidText}}); err != nil {
			return err
		}
		return sink.row([]any{v})
	case "RESET":
		if st.name == "" {
			for _, s := range c.settings.all() {
				c.settings.reset(s.name)
			}
			c.changed = append(c.changed, reported...)
		} else {
			c.settings.reset(st.name)
			c.changed = append(c.changed, st.name)
		}
	case "SET":
		if strings.EqualFold(st.name, "statement_timeout") {
			if _, err := parseTimeout(st.value); err != nil {
				return err
			}
		}
		if st.name != "" {
			c.settings.set(st.name, st.value, "session")
			c.changed = append(c.changed, st.name)
		}
	}
	return nil
}

// sendChangedSettings reports the parameters clients track
// (ParameterStatus) that a SET or RESET changed.
func (c *conn) sendChangedSettings() {
	for _, name := range reported {
		if slices.ContainsFunc(c.changed, func(changed string) bool { return strings.EqualFold(changed, name) }) {
			v, _ := c.settings.get(name)
			c.b.Send(&pgproto3.ParameterStatus{Name: name, Value: v})
		}
	}
	c.changed = c.changed[:0]
}

func (c *conn) closePortal(name string) {
	if pt, ok := c.portals[name]; ok {
		if pt.cur != nil {
			pt.cur.close()
			c.sendNotices()
		}
		delete(c.portals, name)
	}
}

// closeUnnamedPortal ends the unnamed portal, as the end of a
// transaction (Sync, a Query) does in PostgreSQL.
func (c *conn) closeUnnamedPortal() { c.closePortal("") }

func (c *conn) closePortals() {
	for name := range c.portals {
		c.closePortal(name)
	}
	if c.catalogDB != nil {
		c.catalogDB.Close()
	}
}

// useSchemas takes the connection's schemas from the catalog. The default
// search_path names them all, so that their tables are visible (psql's
// \dt lists only those).
func (c *conn) useSchemas(m *catalogModel) {
	c.state.schemas = m.schemas(c.state.database)
	var path []string
	for _, s := range c.state.schemas {
		path = append(path, quoteIdentIfNeeded(s.name))
	}
	c.settings.setDefault("search_path", strings.Join(path, ", "))
}

// catalog returns the connection's catalog database, built on first use.
func (c *conn) catalog(ctx context.Context) (*catalogDB, error) {
	if c.catalogDB != nil {
		return c.catalogDB, nil
	}
	m, err := c.s.catalogModel(ctx, c.session)
	if err != nil {
		return nil, err
	}
	c.useSchemas(m)
	db, err := openCatalog(ctx, m, c.state)
	if err != nil {
		return nil, err
	}
	c.catalogDB = db
	return db, nil
}
