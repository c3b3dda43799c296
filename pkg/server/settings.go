package server

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// settings are a connection's run-time parameters (SET, SHOW,
// current_setting()). skyql's behaviour does not depend on them; clients
// read them back, and some refuse to work without the usual ones.
type settings struct {
	values map[string]setting // by lower-case name
}

type setting struct {
	name, value, boot, source string
}

// reported are the parameters a client is told about in ParameterStatus
// when they change, as PostgreSQL does.
var reported = []string{"application_name", "client_encoding", "DateStyle", "IntervalStyle", "TimeZone",
	"integer_datetimes", "is_superuser", "server_encoding", "server_version", "session_authorization",
	"standard_conforming_strings", "default_transaction_read_only", "in_hot_standby"}

func newSettings(startup map[string]string, searchPath string) *settings {
	s := &settings{values: map[string]setting{}}
	for _, d := range [][2]string{
		{"server_version", serverVersion}, {"server_version_num", "150000"}, {"server_encoding", "UTF8"},
		{"client_encoding", "UTF8"}, {"DateStyle", "ISO, MDY"}, {"integer_datetimes", "on"},
		{"standard_conforming_strings", "on"}, {"TimeZone", "UTC"}, {"IntervalStyle", "postgres"},
		{"is_superuser", "off"}, {"default_transaction_read_only", "off"}, {"in_hot_standby", "off"},
		{"application_name", ""}, {"session_authorization", startup["user"]}, {"search_path", searchPath},
		{"extra_float_digits", "1"}, {"transaction_isolation", "read committed"},
		{"default_transaction_isolation", "read committed"}, {"transaction_read_only", "off"},
		{"max_identifier_length", "63"}, {"lc_collate", "C"}, {"lc_ctype", "C"}, {"lc_messages", "C"},
		{"statement_timeout", "0"}, {"lock_timeout", "0"}, {"idle_in_transaction_session_timeout", "0"},
		{"bytea_output", "hex"}, {"client_min_messages", "notice"}, {"row_security", "on"},
		{"max_connections", "100"}, {"block_size", "8192"}, {"ssl", "off"}, {"synchronous_commit", "on"},
		{"escape_string_warning", "on"}, {"jit", "off"}, {"timezone_abbreviations", "Default"},
	} {
		s.values[strings.ToLower(d[0])] = setting{name: d[0], value: d[1], boot: d[1], source: "default"}
	}
	for name, value := range startup {
		if name != "user" && name != "database" {
			s.set(name, value, "client")
		}
	}
	return s
}

func (s *settings) get(name string) (string, bool) {
	v, ok := s.values[strings.ToLower(name)]
	return v.value, ok
}

// set changes a parameter; an unknown one is added, as PostgreSQL adds
// custom (dotted) parameters.
func (s *settings) set(name, value, source string) {
	key := strings.ToLower(name)
	v, ok := s.values[key]
	if !ok {
		v = setting{name: name}
	}
	v.value, v.source = value, source
	s.values[key] = v
}

// setDefault changes a parameter's default, and its value unless a
// client set it.
func (s *settings) setDefault(name, value string) {
	key := strings.ToLower(name)
	v := s.values[key]
	if v.source == "default" || v.source == "" {
		v.value, v.source = value, "default"
	}
	v.name, v.boot = name, value
	s.values[key] = v
}

func (s *settings) reset(name string) {
	key := strings.ToLower(name)
	if v, ok := s.values[key]; ok {
		v.value, v.source = v.boot, "default"
		s.values[key] = v
	}
}

// all lists the parameters by name.
func (s *settings) all() []setting {
	var out []setting
	for _, v := range s.values {
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b setting) int { return strings.Compare(strings.ToLower(a.name), strings.ToLower(b.name)) })
	return out
}

// searchPath is search_path as schema names.
func (s *settings) searchPath() []string {
	path, _ := s.get("search_path")
	var names []string
	for _, part := range splitList(path) {
		if part != "$user" {
			names = append(names, part)
		}
	}
	return names
}

// splitList splits a comma list of possibly double-quoted names.
func splitList(text string) []string {
	var out []string
	for _, t := range words(text) {
		switch t.kind {
		case tokWord:
			out = append(out, t.text)
		case tokQuoted:
			out = append(out, unquoteIdent(t.text))
		case tokString:
			out = append(out, unquoteString(t.text))
		}
	}
	return out
}

// settingStatement is a SET, RESET or SHOW of a run-time parameter, as
// opposed to skyql's SHOW statements.
type settingStatement struct {
	verb  string // SET, RESET, SHOW
	name  string // "" with verb RESET or SHOW: ALL
	value string
	local bool
}

// parseSetting recognizes SET/RESET of any parameter and SHOW of a known
// one (or ALL); ok is false for anything else.
func parseSetting(text string, s *settings) (st settingStatement, ok bool, err error) {
	toks := words(text)
	if len(toks) < 2 || toks[0].kind != tokWord {
		return st, false, nil
	}
	st.verb = strings.ToUpper(toks[0].text)
	rest := toks[1:]
	switch st.verb {
	case "SHOW":
		name := strings.ToLower(joinTokens(rest))
		if name == "all" {
			return st, true, nil
		}
		if name == "transaction isolation level" {
			name = "transaction_isolation"
		}
		if _, known := s.get(name); !known {
			return st, false, nil // one of skyql's SHOW statements
		}
		st.name = name
		return st, true, nil
	case "RESET":
		if name := joinTokens(rest); !strings.EqualFold(name, "all") {
			st.name = name
		}
		return st, true, nil
	case "SET":
	default:
		return st, false, nil
	}
	if w := strings.ToUpper(rest[0].text); w == "SESSION" || w == "LOCAL" {
		st.local = w == "LOCAL"
		rest = rest[1:]
	}
	if len(rest) >= 2 && strings.EqualFold(rest[0].text, "TIME") && strings.EqualFold(rest[1].text, "ZONE") {
		st.name, rest = "TimeZone", rest[2:]
	} else if len(rest) >= 1 && strings.EqualFold(rest[0].text, "NAMES") {
		st.name, rest = "client_encoding", rest[1:]
	} else if len(rest) >= 1 && strings.EqualFold(rest[0].text, "TRANSACTION") || len(rest) >= 3 && strings.EqualFold(rest[0].text, "SESSION") {
		return st, true, nil // isolation levels: skyql has no transactions to isolate
	} else {
		// A name, maybe dotted (custom parameters), then = or TO.
		i := 0
		for i < len(rest) && rest[i].text != "=" && !strings.EqualFold(rest[i].text, "TO") {
			i++
		}
		if i == 0 || i == len(rest) {
			return st, true, fmt.Errorf("SET needs a parameter name and a value, as in SET application_name = 'x'")
		}
		st.name, rest = joinTokens(rest[:i]), rest[i+1:]
	}
	var values []string
	for _, t := range rest {
		switch t.kind {
		case tokString:
			values = append(values, unquoteString(t.text))
		case tokQuoted:
			values = append(values, t.text)
		case tokPunct:
			if t.text != "," {
				return st, true, fmt.Errorf("SET %s: unexpected %q", st.name, t.text)
			}
		default:
			values = append(values, t.text)
		}
	}
	if len(values) == 1 && strings.EqualFold(values[0], "DEFAULT") {
		st.verb = "RESET"
		return st, true, nil
	}
	st.value = strings.Join(values, ", ")
	return st, true, nil
}

func joinTokens(toks []token) string {
	var b strings.Builder
	for _, t := range toks {
		if t.kind == tokWord && b.Len() > 0 && !strings.HasSuffix(b.String(), ".") {
			b.WriteByte(' ')
		}
		b.WriteString(t.text)
	}
	return b.String()
}

func unquoteIdent(s string) string {
	return strings.ReplaceAll(strings.TrimSuffix(strings.TrimPrefix(s, `"`), `"`), `""`, `"`)
}

// unquoteString is the value of a string token: '...', E'...' or $$...$$.
func unquoteString(s string) string {
	switch {
	case strings.HasPrefix(s, "$"):
		tag := s[:strings.IndexByte(s[1:], '$')+2]
		return strings.TrimSuffix(strings.TrimPrefix(s, tag), tag)
	case s[0] == 'E' || s[0] == 'e':
		return unescapeE(s[2 : len(s)-1])
	}
	return strings.ReplaceAll(s[1:len(s)-1], "''", "'")
}

// unescapeE reads the backslash escapes of an E” string's body.
func unescapeE(body string) string {
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c == '\'' && i+1 < len(body) && body[i+1] == '\'' {
			i++
		} else if c == '\\' && i+1 < len(body) {
			i++
			switch body[i] {
			case 'n':
				c = '\n'
			case 't':
				c = '\t'
			case 'r':
				c = '\r'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			default:
				c = body[i]
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// quoteIdentIfNeeded quotes a name the way PostgreSQL prints it.
func quoteIdentIfNeeded(s string) string {
	plain := s != ""
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9') {
			plain = false
		}
	}
	if plain {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// quoteArrayElem quotes an element of an array's text form if needed.
func quoteArrayElem(s string) string {
	if strings.ContainsAny(s, `{},"\ `) || s == "" {
		return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
	}
	return s
}

// splitQualified splits schema.name (either part maybe quoted) at its
// last dot outside quotes.
func splitQualified(s string) (schema, name string) {
	toks := lex(s)
	for i := len(toks) - 1; i >= 0; i-- {
		if toks[i].text == "." {
			return unquoteName(joinRaw(toks[:i])), unquoteName(joinRaw(toks[i+1:]))
		}
	}
	return "", unquoteName(s)
}

func joinRaw(toks []token) string {
	var b strings.Builder
	for _, t := range toks {
		b.WriteString(t.text)
	}
	return b.String()
}

func unquoteName(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, `"`) {
		return unquoteIdent(s)
	}
	return s
}

// truthy reads a SQL boolean argument.
func truthy(v any) bool {
	b, _ := truthyOrNil(v).(bool)
	return b
}

// truthyOrNil is a ::bool cast: true/false from 't', 'true', 'on', 1 and
// their opposites; NULL for anything else.
func truthyOrNil(v any) any {
	switch v := v.(type) {
	case int64:
		return v != 0
	case bool:
		return v
	case string:
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "t", "true", "on", "yes", "y", "1":
			return true
		case "f", "false", "off", "no", "n", "0":
			return false
		}
	}
	return nil
}

// arrayToString joins an array's elements (a JSON array, or the text
// form {a,b}) with sep.
func arrayToString(arr any, sep string) any {
	s, ok := arr.(string)
	if !ok {
		return nil
	}
	var elems []any
	if json.Unmarshal([]byte(s), &elems) == nil {
		parts := make([]string, 0, len(elems))
		for _, e := range elems {
			if e != nil {
				parts = append(parts, fmt.Sprint(e))
			}
		}
		return strings.Join(parts, sep)
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")
	if s == "" {
		return ""
	}
	return strings.Join(strings.Split(s, ","), sep)
}
