package engine

import (
	"fmt"
	"strings"

	"github.com/skyql/skyql/pkg/provider"
)

// insertTemplate is SHOW INSERT INTO's answer: an INSERT with the method's
// required parameters and body fields, ready to fill in.
func insertTemplate(r *provider.Resource) (string, error) {
	ms := r.VerbMethods(provider.VerbInsert)
	if len(ms) == 0 {
		return "", fmt.Errorf("%s has no INSERT method", r.ID)
	}
	m := ms[0]
	var cols, vals []string
	for _, p := range m.RequiredParams() {
		if param, ok := m.Param(p); ok && param.Default != nil {
			continue
		}
		cols = append(cols, p)
		vals = append(vals, "'{{ "+p+" }}'")
	}
	return fmt.Sprintf("INSERT INTO %s (\n  %s\n)\nSELECT\n  %s\n;", r.ID, strings.Join(cols, ",\n  "), strings.Join(vals, ",\n  ")), nil
}
