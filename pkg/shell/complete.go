package shell

import (
	"slices"
	"sort"
	"strings"

	"github.com/skyql/skyql/pkg/parser"
)

// Schema is what completion knows of the providers; the CLI reads it from
// the provider documents, opening a document only when Tab needs it.
type Schema interface {
	// Children lists the full names one level below parent: providers
	// when parent is "", a provider's services ("azure.compute"), a
	// service's resources ("azure.compute.virtual_machines").
	Children(parent string) []string
	// Table describes the resource with that full name; false when there
	// is none.
	Table(name string) (Table, bool)
	// Fields lists the JSON paths ("$.a.b") inside an object column of a
	// resource's rows.
	Fields(table, column string) []string
}

// Table is what completion offers for one resource.
type Table struct {
	Columns    []string            // row columns
	Parameters []string            // request parameters, which WHERE binds
	Methods    map[string][]string // each method's parameters, for EXEC ... @name=
}

// complete is liner's word completer: what may replace the word before
// the cursor, judged from the whole statement typed so far (earlier lines
// included).
func (s *session) complete(line string, pos int) (head string, completions []string, tail string) {
	runes := []rune(line)
	before, tail := string(runes[:pos]), string(runes[pos:])
	pending := ""
	if s.current != nil {
		pending = s.current.split.buf.String()
	}
	c := completion{schema: s.cfg.Schema, pending: pending, before: before, line: line}
	start, words := c.candidates()
	return before[:start], words, tail
}

// completion works out the candidates at the cursor of one Tab press.
type completion struct {
	schema  Schema
	pending string // earlier lines of the statement
	before  string // the current line up to the cursor
	line    string // the whole current line
}

// candidates returns where in before the replaced text starts, and what
// may replace it.
func (c completion) candidates() (start int, words []string) {
	if c.schema == nil {
		c.schema = noSchema{}
	}
	if c.pending == "" { // a command taking a name: \d azure.comp
		if cmd, _, found := strings.Cut(strings.TrimLeft(c.before, " "), " "); found && nameCommands[cmd] {
			start := strings.LastIndexByte(c.before, ' ') + 1
			return start, c.names(c.before[start:])
		}
	}
	toks, open, openStart := parser.Tokens(c.pending + c.before)
	offset := len(c.pending)
	// The tables may be named after the cursor too. When the cursor is in
	// an open string, the rest of the line starts after the string's end.
	after := c.line[len(c.before):]
	if open != "" {
		if i := strings.IndexByte(after, open[0]); i >= 0 {
			after = after[i+1:]
		}
	}
	rest, _, _ := parser.Tokens(after)
	tables := tablesIn(append(slices.Clip(toks), rest...))
	if open != "" {
		// Inside a string: JSON paths after json_extract(col, or col ->.
		if openStart < offset || !strings.HasPrefix(open, "'") {
			return len(c.before), nil
		}
		table, column := resolveColumn(jsonColumnBefore(toks), tables, c.schema)
		var paths []string
		for _, p := range c.schema.Fields(table, column) {
			paths = append(paths, "'"+p)
		}
		return openStart - offset, matching(paths, open)
	}

	start = len(c.before)
	for start > 0 && isWordByte(c.before[start-1]) {
		start--
	}
	word := c.before[start:]
	var prev []parser.Token
	for _, t := range toks {
		if t.Start < offset+start {
			prev = append(prev, t)
		}
	}
	last, first := "", ""
	if len(prev) > 0 {
		last, first = strings.ToLower(prev[len(prev)-1].Text), strings.ToLower(prev[0].Text)
	}

	switch {
	case tableKeywords[last] || (last == "in" && first == "show"):
		return start, c.names(word)
	case last == "exec" && strings.Count(word, ".") >= 3:
		resource := word[:strings.LastIndexByte(word, '.')]
		var methods []string
		if t, ok := c.schema.Table(resource); ok {
			for m := range t.Methods {
				methods = append(methods, resource+"."+m)
			}
		}
		return start, matching(methods, word)
	case last == "exec":
		return start, c.names(word)
	case strings.HasPrefix(word, "@") && first == "exec":
		var params []string
		for _, e := range tables {
			if t, ok := c.schema.Table(e.name); ok {
				for _, p := range t.Methods[e.method] {
					params = append(params, "@"+p+"=")
				}
			}
		}
		return start, matching(params, word)
	case strings.Contains(word, "."):
		qualifier := word[:strings.IndexByte(word, '.')]
		if e, ok := tableNamed(qualifier, tables); ok {
			var cols []string
			for _, col := range c.columns([]tableRef{e}) {
				cols = append(cols, qualifier+"."+col)
			}
			return start, matching(cols, word)
		}
		return start, c.names(word)
	}
	// A column or parameter of the statement's tables where one fits; a
	// keyword or a name otherwise.
	if m := matching(c.columns(tables), word); len(m) > 0 && (word != "" || columnKeywords[last]) {
		return start, m
	}
	if word == "" {
		return start, nil
	}
	return start, matching(append(c.names(""), keywords...), word)
}

// names completes a dotted name one level at a time; providers and
// services end in "." so that Tab goes on to the next level.
func (c completion) names(word string) []string {
	parent := ""
	if i := strings.LastIndexByte(word, '.'); i >= 0 {
		parent = word[:i]
	}
	if strings.Count(parent, ".") > 1 {
		return nil
	}
	children := c.schema.Children(parent)
	if parent == "" || !strings.Contains(parent, ".") {
		for i, n := range children {
			children[i] = n + "."
		}
	}
	return matching(children, word)
}

// columns lists the columns and parameters of tables.
func (c completion) columns(tables []tableRef) []string {
	var out []string
	for _, e := range tables {
		if t, ok := c.schema.Table(e.name); ok {
			out = append(out, t.Columns...)
			out = append(out, t.Parameters...)
		}
	}
	return out
}

func isWordByte(b byte) bool {
	return b == '_' || b == '.' || b == '$' || b == '@' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= 0x80
}

// Which keyword before the cursor asks for what.
var (
	// tableKeywords are followed by a resource name.
	tableKeywords = map[string]bool{"from": true, "join": true, "into": true, "update": true, "describe": true, "desc": true, "extended": true}
	// nameCommands are shell commands that take a resource name.
	nameCommands = map[string]bool{`\d`: true, `\d+`: true, `\dt`: true, ".schema": true, ".tables": true}
	// columnKeywords are followed by a column even before anything is typed.
	columnKeywords = map[string]bool{"select": true, "where": true, "and": true, "or": true, "on": true, "by": true, "set": true, "having": true, ",": true, "(": true, "=": true}
)

// tableRef is a resource a statement names, with its alias and, after
// EXEC, the method.
type tableRef struct {
	name, alias, method string
}

// tablesIn finds the resources a statement names after FROM, JOIN, INTO,
// UPDATE, DESCRIBE and EXEC, with their aliases.
func tablesIn(toks []parser.Token) []tableRef {
	var out []tableRef
	for i := 0; i < len(toks); i++ {
		kw := strings.ToLower(toks[i].Text)
		if !toks[i].Word || !(tableKeywords[kw] || kw == "exec") {
			continue
		}
		for {
			parts, next := dottedName(toks, i+1)
			if len(parts) < 3 {
				break
			}
			ref := tableRef{name: strings.Join(parts[:3], ".")}
			if kw == "exec" && len(parts) == 4 {
				ref.method = parts[3]
			}
			if next < len(toks) && strings.EqualFold(toks[next].Text, "as") {
				next++
			}
			if next < len(toks) && toks[next].Word && !notAliases[strings.ToLower(toks[next].Text)] {
				ref.alias = toks[next].Text
				next++
			}
			out = append(out, ref)
			i = next - 1
			if next >= len(toks) || toks[next].Text != "," || kw != "from" {
				break
			}
			i = next // FROM a.b.c x, d.e.f y
		}
	}
	return out
}

// notAliases are the words that may follow a table name without being
// its alias.
var notAliases = map[string]bool{
	"where": true, "join": true, "left": true, "right": true, "inner": true, "cross": true, "outer": true, "full": true,
	"on": true, "group": true, "order": true, "limit": true, "set": true, "values": true, "select": true,
	"union": true, "having": true, "natural": true, "using": true, "offset": true, "window": true, "like": true,
}

// dottedName reads word(.word)* from toks[i:], returning the words and
// the index after them.
func dottedName(toks []parser.Token, i int) ([]string, int) {
	var parts []string
	for i < len(toks) && toks[i].Word {
		parts = append(parts, toks[i].Text)
		i++
		if i+1 < len(toks) && toks[i].Text == "." && toks[i+1].Word {
			i++
			continue
		}
		break
	}
	return parts, i
}

// tableNamed finds the table a qualifier names: its alias or its resource
// name.
func tableNamed(qualifier string, tables []tableRef) (tableRef, bool) {
	for _, t := range tables {
		if strings.EqualFold(t.alias, qualifier) || (t.alias == "" && strings.EqualFold(t.name[strings.LastIndexByte(t.name, '.')+1:], qualifier)) {
			return t, true
		}
	}
	return tableRef{}, false
}

// jsonColumnBefore returns the column a JSON path being typed applies to:
// `json_extract(col, '` or `col ->> '` (col may be alias.col), or "".
func jsonColumnBefore(toks []parser.Token) string {
	n := len(toks)
	if n == 0 {
		return ""
	}
	switch toks[n-1].Text {
	case "->", "->>":
		return columnRefEndingAt(toks, n-2)
	case ",":
		end := n - 2
		col := columnRefEndingAt(toks, end)
		open := end - 2*strings.Count(col, ".") - 1 // the token before col
		if col != "" && open >= 1 && toks[open].Text == "(" && strings.HasPrefix(strings.ToLower(toks[open-1].Text), "json_") {
			return col
		}
	}
	return ""
}

// columnRefEndingAt reads word(.word)* backwards from toks[end].
func columnRefEndingAt(toks []parser.Token, end int) string {
	if end < 0 || !toks[end].Word {
		return ""
	}
	ref := toks[end].Text
	for end >= 2 && toks[end-1].Text == "." && toks[end-2].Word {
		ref = toks[end-2].Text + "." + ref
		end -= 2
	}
	return ref
}

// resolveColumn finds the table of a column reference (alias.col or col).
func resolveColumn(ref string, tables []tableRef, schema Schema) (table, column string) {
	if ref == "" {
		return "", ""
	}
	if i := strings.LastIndexByte(ref, '.'); i >= 0 {
		if t, ok := tableNamed(ref[:i], tables); ok {
			return t.name, ref[i+1:]
		}
		return "", ""
	}
	for _, t := range tables {
		if info, ok := schema.Table(t.name); ok {
			for _, col := range info.Columns {
				if col == ref {
					return t.name, ref
				}
			}
		}
	}
	return "", ""
}

// matching returns the words that start with prefix, ignoring case,
// sorted and without repeats. Upper-case words (keywords) are offered in
// lower case when the prefix is typed in lower case.
func matching(words []string, prefix string) []string {
	lowerPrefix := strings.ToLower(prefix)
	typedLower := prefix == lowerPrefix
	seen := map[string]bool{}
	var out []string
	for _, w := range words {
		if !strings.HasPrefix(strings.ToLower(w), lowerPrefix) {
			continue
		}
		if typedLower && w == strings.ToUpper(w) {
			w = strings.ToLower(w)
		}
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	sort.Strings(out)
	return out
}

// keywords are the SQL words worth completing in skyql statements.
var keywords = []string{
	"SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "IS", "NULL", "LIKE",
	"AS", "JOIN", "LEFT", "INNER", "ON", "GROUP", "BY", "ORDER", "ASC", "DESC",
	"HAVING", "LIMIT", "OFFSET", "DISTINCT", "COUNT", "UNION", "ALL",
	"INSERT", "INTO", "VALUES", "UPDATE", "SET", "DELETE", "EXEC", "REPLACE",
	"SHOW", "PROVIDERS", "SERVICES", "RESOURCES", "METHODS", "DESCRIBE", "EXTENDED",
	"EXPLAIN", "JSON_EXTRACT", "JSON_EACH",
}

// noSchema is the Schema of a shell without one: keywords only.
type noSchema struct{}

func (noSchema) Children(string) []string       { return nil }
func (noSchema) Table(string) (Table, bool)     { return Table{}, false }
func (noSchema) Fields(string, string) []string { return nil }
