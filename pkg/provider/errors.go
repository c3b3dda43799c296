package provider

import (
	"errors"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// DocumentError reports a malformed provider or service document: the file,
// the path inside it (dotted, as a JSON path without the leading "$.") and
// what is wrong.
type DocumentError struct {
	File string
	Path string
	Msg  string
}

func (e *DocumentError) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s: at $.%s: %s", e.File, e.Path, e.Msg)
}

// NotFoundError reports an unknown service, resource or method, with the
// nearest known name when one is close enough to be a likely typo.
type NotFoundError struct {
	Kind       string // "service", "resource", "method"
	Name       string
	Suggestion string
}

func (e *NotFoundError) Error() string {
	msg := fmt.Sprintf("unknown %s %s", e.Kind, e.Name)
	if e.Suggestion != "" {
		msg += fmt.Sprintf("; did you mean %s?", e.Suggestion)
	}
	return msg
}

// yamlMessage turns yaml.v3's errors into one line that keeps the line number.
func yamlMessage(err error) string {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return "invalid YAML: " + strings.Join(te.Errors, "; ")
	}
	return strings.TrimPrefix(err.Error(), "yaml: ")
}
