package engine

import (
	"fmt"
	"strings"

	"github.com/skyql/skyql/pkg/provider"
)

// insertTemplate is SHOW INSERT INTO's answer: an INSERT naming the
// method's required parameters, then its body fields (required ones first,
// then the other writable top-level fields), ready to fill in.
func insertTemplate(r *provider.Resource) (string, error) {
	ms := r.VerbMethods(provider.VerbInsert)
	if len(ms) == 0 {
		return "", fmt.Errorf("%s has no INSERT method (SHOW METHODS IN %s lists what it has)", r.ID, r.ID)
	}
	m := ms[0]
	cols := m.UserParams()
	if m.Body != nil {
		for _, f := range m.Body.OptionalFields {
			cols = append(cols, provider.BodyFieldPrefix+f)
		}
	}
	vals := make([]string, len(cols))
	for i, c := range cols {
		vals[i] = "'{{ " + strings.TrimPrefix(c, provider.BodyFieldPrefix) + " }}'"
	}
	return fmt.Sprintf("INSERT INTO %s (\n  %s\n)\nSELECT\n  %s\n;", r.ID, strings.Join(cols, ",\n  "), strings.Join(vals, ",\n  ")), nil
}
