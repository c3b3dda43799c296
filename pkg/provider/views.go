package provider

import (
	"fmt"
	"regexp"
	"strings"
)

// ViewsConfig is a resource's config.views: SQL that defines the resource
// over other resources instead of API methods (homebrew's vw_info, the
// Cloud Control views of awscc).
type ViewsConfig struct {
	Select *ViewDef `yaml:"select,omitempty" json:"select,omitempty"`
}

// ViewDef is one definition of a view and, in Fallback, the next one to
// try: each is written for the SQL dialect its predicate names.
type ViewDef struct {
	Predicate string   `yaml:"predicate,omitempty" json:"predicate,omitempty"`
	DDL       string   `yaml:"ddl" json:"ddl"`
	Fallback  *ViewDef `yaml:"fallback,omitempty" json:"fallback,omitempty"`
}

// View is one usable definition of a view resource.
type View struct {
	// Dialect is the SQL dialect the definition is written in ("sqlite3",
	// "postgres"); "" when its predicate names none.
	Dialect string
	// RequiredParams are the parameters a query must bind for this
	// definition to apply (the predicate's requiredParams == [ ... ]).
	RequiredParams []string
	DDL            string
}

// Views lists the resource's view definitions in the document's order of
// preference; none for a resource served by methods.
func (r *Resource) Views() ([]View, error) {
	if r.config.Views == nil || r.config.Views.Select == nil {
		return nil, nil
	}
	var views []View
	for d := r.config.Views.Select; d != nil; d = d.Fallback {
		v, err := parseViewPredicate(d.Predicate)
		if err != nil {
			return nil, fmt.Errorf("view %s: %w", r.ID, err)
		}
		v.DDL = d.DDL
		views = append(views, v)
	}
	return views, nil
}

// IsView reports whether the resource is defined by SQL over other resources.
func (r *Resource) IsView() bool { return r.config.Views != nil && r.config.Views.Select != nil }

var (
	dialectTerm  = regexp.MustCompile(`^sqlDialect\s*==\s*"([^"]*)"$`)
	requiredTerm = regexp.MustCompile(`^requiredParams\s*==\s*\[([^\]]*)\]$`)
)

// parseViewPredicate reads the predicates the registry writes:
// `sqlDialect == "sqlite3"`, optionally `&& requiredParams == [ A, B ]`.
func parseViewPredicate(pred string) (View, error) {
	var v View
	if strings.TrimSpace(pred) == "" {
		return v, nil
	}
	for _, term := range strings.Split(pred, "&&") {
		term = strings.TrimSpace(term)
		if m := dialectTerm.FindStringSubmatch(term); m != nil {
			v.Dialect = m[1]
			continue
		}
		if m := requiredTerm.FindStringSubmatch(term); m != nil {
			for _, name := range strings.Split(m[1], ",") {
				if name = strings.TrimSpace(name); name != "" {
					v.RequiredParams = append(v.RequiredParams, name)
				}
			}
			continue
		}
		return v, fmt.Errorf("predicate %q: cannot read %q (skyql knows sqlDialect == \"...\" and requiredParams == [ ... ], joined by &&)", pred, term)
	}
	return v, nil
}
