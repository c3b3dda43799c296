package engine

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// SQLite has no boolean type and folds true to 1, and a parameter's value
// arrives as text; the API wants what its schema declares. paramText and
// bodyValue turn a value into the declared type, or say what was wrong.

// paramText is a parameter's value as its schema type writes it in a URL or
// header: true, not 1, for a boolean; 123, not 123.0, for an integer.
func paramText(name, v, typ string) (string, error) {
	switch typ {
	case "boolean":
		b, err := parseBool(v)
		if err != nil {
			return "", fmt.Errorf("parameter %s is a boolean: give true or false, not %q", name, v)
		}
		return strconv.FormatBool(b), nil
	case "integer":
		n, err := parseInteger(v)
		if err != nil {
			return "", fmt.Errorf("parameter %s is an integer: give a whole number, not %q", name, v)
		}
		return strconv.FormatInt(n, 10), nil
	case "number":
		if _, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err != nil {
			return "", fmt.Errorf("parameter %s is a number, not %q", name, v)
		}
	}
	return v, nil
}

// bodyValue is a body field's value (as SQLite or jsonish gave it) as its
// schema type says: booleans and numbers from their SQL forms and from text,
// strings from numbers. Objects, arrays and NULL pass as they are.
func bodyValue(field string, v any, typ string) (any, error) {
	if v == nil {
		return nil, nil
	}
	wrong := func() error {
		return fmt.Errorf("body field %s is %s %s: %v does not fit", field, article(typ), typ, v)
	}
	switch typ {
	case "boolean":
		switch v := v.(type) {
		case bool:
			return v, nil
		case int64:
			if v == 0 || v == 1 {
				return v == 1, nil
			}
		case string:
			if b, err := parseBool(v); err == nil {
				return b, nil
			}
		}
		return nil, wrong()
	case "integer":
		switch v := v.(type) {
		case int64:
			return v, nil
		case float64:
			if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
				return int64(v), nil
			}
		case string:
			if n, err := parseInteger(v); err == nil {
				return n, nil
			}
		}
		return nil, wrong()
	case "number":
		switch v := v.(type) {
		case int64, float64:
			return v, nil
		case string:
			if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
				return f, nil
			}
		}
		return nil, wrong()
	case "string":
		switch v := v.(type) {
		case int64:
			return strconv.FormatInt(v, 10), nil
		case float64:
			return strconv.FormatFloat(v, 'f', -1, 64), nil
		}
	case "object", "array":
		// SQLite has no objects: '{"a":"b"}' and json_object('a','b') arrive as text.
		parsed := v
		if str, ok := v.(string); ok {
			if err := json.Unmarshal([]byte(str), &parsed); err != nil {
				return nil, fmt.Errorf("body field %s is %s %s: give it as JSON, e.g. '%s' (%v)", field, article(typ), typ, map[string]string{"object": `{"key":"value"}`, "array": `["value"]`}[typ], err)
			}
		}
		switch parsed.(type) {
		case map[string]any:
			if typ == "object" {
				return parsed, nil
			}
		case []any:
			if typ == "array" {
				return parsed, nil
			}
		}
		return nil, wrong()
	case "":
		return jsonish(v), nil
	}
	return v, nil
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, strconv.ErrSyntax
}

// parseInteger reads a whole number, also written as SQLite prints a real
// that holds one (123.0).
func parseInteger(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) >= 1<<53 {
		return 0, strconv.ErrSyntax
	}
	return int64(f), nil
}

func article(typ string) string {
	if typ == "integer" || typ == "array" || typ == "object" {
		return "an"
	}
	return "a"
}
