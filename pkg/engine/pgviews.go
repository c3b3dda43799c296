package engine

import (
	"fmt"
	"strings"
)

// Views in the registry's documents come in two dialects: SQLite (what
// skyql runs) and PostgreSQL (for the anchor tool's Postgres backend). A
// document whose only definition is Postgres's is translated: the JSON
// functions such views use map onto SQLite's, and anything else is refused
// by name rather than left for SQLite to misread.

// pgRenames are Postgres functions with an SQLite twin of another name.
var pgRenames = map[string]string{
	"jsonb_array_elements":      "json_each",
	"json_array_elements":       "json_each",
	"jsonb_array_elements_text": "json_each",
	"json_array_elements_text":  "json_each",
	"jsonb_each":                "json_each",
	"jsonb_each_text":           "json_each",
	"json_each_text":            "json_each",
	"jsonb_build_object":        "json_object",
	"json_build_object":         "json_object",
	"jsonb_build_array":         "json_array",
	"json_build_array":          "json_array",
	"jsonb_array_length":        "json_array_length",
	"jsonb_typeof":              "json_type",
	"json_typeof":               "json_type",
}

// pgPathFunctions take a JSON value and path elements as arguments.
var pgPathFunctions = map[string]bool{
	"json_extract_path_text": true, "jsonb_extract_path_text": true,
	"json_extract_path": true, "jsonb_extract_path": true,
}

// pgDroppedCasts are casts SQLite needs no counterpart of: its JSON
// functions take JSON text, and its values are text already.
var pgDroppedCasts = map[string]bool{"json": true, "jsonb": true, "text": true, "varchar": true}

// translatePostgres rewrites a view written for PostgreSQL into SQLite.
func translatePostgres(sql string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(sql); {
		c := sql[i]
		switch {
		case c == '\'' || c == '"':
			j := quotedEnd(sql, i)
			b.WriteString(sql[i:j])
			i = j
		case c == '-' && strings.HasPrefix(sql[i:], "--"):
			j := strings.IndexByte(sql[i:], '\n')
			if j < 0 {
				j = len(sql) - i
			}
			b.WriteString(sql[i : i+j])
			i += j
		case c == ':' && strings.HasPrefix(sql[i:], "::"):
			j := i + 2
			for j < len(sql) && isIdentByte(sql[j]) {
				j++
			}
			typ := strings.ToLower(sql[i+2 : j])
			if !pgDroppedCasts[typ] {
				return "", fmt.Errorf("the PostgreSQL cast ::%s has no SQLite translation", typ)
			}
			i = j
		case (c == '#' && (strings.HasPrefix(sql[i:], "#>") || strings.HasPrefix(sql[i:], "#-"))) || strings.HasPrefix(sql[i:], "@>") || strings.HasPrefix(sql[i:], "<@"):
			return "", fmt.Errorf("the PostgreSQL operator %s has no SQLite translation", sql[i:i+2])
		case isIdentByte(c) && (i == 0 || !isIdentByte(sql[i-1])):
			j := i
			for j < len(sql) && isIdentByte(sql[j]) {
				j++
			}
			word := strings.ToLower(sql[i:j])
			open := j
			for open < len(sql) && (sql[open] == ' ' || sql[open] == '\t' || sql[open] == '\n') {
				open++
			}
			isCall := open < len(sql) && sql[open] == '('
			switch {
			case isCall && pgPathFunctions[word]:
				args, end, err := callArguments(sql, open)
				if err != nil {
					return "", err
				}
				text, err := jsonPathCall(word, args)
				if err != nil {
					return "", err
				}
				b.WriteString(text)
				i = end
				continue
			case isCall && pgRenames[word] != "":
				b.WriteString(pgRenames[word])
			case word == "ilike":
				b.WriteString("LIKE") // SQLite's LIKE ignores ASCII case already
			default:
				b.WriteString(sql[i:j])
			}
			i = j
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String(), nil
}

// jsonPathCall turns json_extract_path_text(v, 'a', k) into
// json_extract(v, '$."a".' || ...), each argument translated first.
func jsonPathCall(name string, args []string) (string, error) {
	if len(args) < 2 {
		return "", fmt.Errorf("%s needs a value and at least one path element", name)
	}
	value, err := translatePostgres(args[0])
	if err != nil {
		return "", err
	}
	var path []string
	literal := "$"
	for _, a := range args[1:] {
		a = strings.TrimSpace(a)
		if key, ok := stringLiteral(a); ok {
			literal += `."` + strings.ReplaceAll(key, `"`, `\"`) + `"`
			continue
		}
		expr, err := translatePostgres(a)
		if err != nil {
			return "", err
		}
		path = append(path, sqlString(literal), `'."' || (`+expr+`) || '"'`)
		literal = ""
	}
	if literal != "" {
		path = append(path, sqlString(literal))
	}
	return "json_extract(" + value + ", " + strings.Join(path, " || ") + ")", nil
}

// callArguments splits the arguments of the call whose '(' is at open,
// returning them and the offset after the closing ')'.
func callArguments(sql string, open int) ([]string, int, error) {
	var args []string
	depth, start := 0, open+1
	for i := open; i < len(sql); {
		switch sql[i] {
		case '\'', '"':
			i = quotedEnd(sql, i)
			continue
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return append(args, sql[start:i]), i + 1, nil
			}
		case ',':
			if depth == 1 {
				args = append(args, sql[start:i])
				start = i + 1
			}
		}
		i++
	}
	return nil, 0, fmt.Errorf("unbalanced parentheses after %q", abbreviate(sql[:open]))
}

// quotedEnd returns the offset after the quoted string or identifier
// starting at i (a doubled quote stays inside).
func quotedEnd(sql string, i int) int {
	q := sql[i]
	for j := i + 1; j < len(sql); j++ {
		if sql[j] == q {
			if j+1 < len(sql) && sql[j+1] == q {
				j++
				continue
			}
			return j + 1
		}
	}
	return len(sql)
}

func stringLiteral(s string) (string, bool) {
	if len(s) < 2 || s[0] != '\'' || quotedEnd(s, 0) != len(s) {
		return "", false
	}
	return strings.ReplaceAll(s[1:len(s)-1], "''", "'"), true
}

func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
