package parser

import "strings"

// deterministicFunctions are the SQL functions whose result depends on
// their arguments alone: SQLite's core, aggregate, window, math and JSON
// functions, and skyql's split_part. The date and time functions are not
// among them (date('now'), and date() with no argument, read the clock),
// nor are random, randomblob, changes, total_changes and
// last_insert_rowid.
var deterministicFunctions = func() map[string]bool {
	m := map[string]bool{}
	for _, name := range strings.Fields(`
		abs char coalesce concat concat_ws format glob hex if ifnull iif instr length like likelihood
		likely lower ltrim max min nullif octet_length printf quote replace round rtrim sign soundex
		sqlite_version substr substring trim typeof unhex unicode unlikely upper zeroblob
		avg count group_concat string_agg sum total
		row_number rank dense_rank percent_rank cume_dist ntile lag lead first_value last_value nth_value
		acos acosh asin asinh atan atan2 atanh ceil ceiling cos cosh degrees exp floor ln log log10 log2
		mod pi pow power radians sin sinh sqrt tan tanh trunc
		json jsonb json_array jsonb_array json_array_length json_error_position json_extract
		jsonb_extract json_insert jsonb_insert json_object jsonb_object json_patch jsonb_patch
		json_pretty json_remove jsonb_remove json_replace jsonb_replace json_set jsonb_set json_type
		json_valid json_quote json_group_array jsonb_group_array json_group_object
		jsonb_group_object json_each json_tree
		split_part`) {
		m[name] = true
	}
	return m
}()

// clockKeywords are the keywords that read the clock.
var clockKeywords = map[string]bool{"current_date": true, "current_time": true, "current_timestamp": true}

// Deterministic reports whether the statement's result depends only on the
// rows it reads: every function it calls is one whose result depends on
// its arguments alone, it reads no clock, no sqlite_ table (the database's
// own state) and takes no bound parameter. A
// result cache may keep the result of such a statement for as long as its
// rows stay the same. The answer errs towards false: a name followed by a
// parenthesis that is neither a known function nor a keyword (a common
// table expression's column list, say) makes it false.
func (s *Select) Deterministic() bool {
	code, ok := s.code()
	if !ok {
		return false
	}
	for i, t := range code {
		switch {
		case t.kind == tokParam:
			return false
		case t.isIdent() && strings.HasPrefix(strings.ToLower(t.identName()), "sqlite_"):
			return false // sqlite_schema, sqlite_stat1, ...: the database's state, not rows
		case t.kind == tokWord && clockKeywords[strings.ToLower(t.text)]:
			return false
		case t.isIdent() && i+1 < len(code) && code[i+1].isOp("("):
			if i > 0 && code[i-1].isOp(".") {
				return false // schema.function(...) is nothing skyql knows
			}
			name := strings.ToLower(t.identName())
			if deterministicFunctions[name] {
				continue
			}
			if t.kind == tokWord && sqliteKeywords[name] {
				continue // IN (...), CAST(...), EXISTS (...), OVER (...), AS (...)
			}
			return false
		}
	}
	return true
}

// Names returns every name the statement mentions (tables, columns,
// functions, aliases), unquoted, each once.
func (s *Select) Names() []string {
	code, _ := s.code()
	var names []string
	seen := map[string]bool{}
	for _, t := range code {
		if t.isIdent() && !(t.kind == tokWord && sqliteKeywords[strings.ToLower(t.text)]) && !seen[t.identName()] {
			seen[t.identName()] = true
			names = append(names, t.identName())
		}
	}
	return names
}
