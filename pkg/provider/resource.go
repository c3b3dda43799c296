package provider

import (
	"sort"
	"strings"
)

// Verb is an SQL verb a method can serve.
type Verb string

// The SQL verbs, in the order the registry format and the docs pages use.
const (
	VerbSelect  Verb = "select"
	VerbInsert  Verb = "insert"
	VerbUpdate  Verb = "update"
	VerbReplace Verb = "replace"
	VerbDelete  Verb = "delete"
	VerbExec    Verb = "exec"
)

var verbOrder = []Verb{VerbSelect, VerbInsert, VerbUpdate, VerbReplace, VerbDelete}

// Resource is one SQL table: provider.service.resource.
type Resource struct {
	ID          string
	Name        string
	Title       string
	Description string
	Service     *Service

	config  Config
	methods map[string]*Method
	verbs   map[Verb][]*Method
}

// Methods lists the resource's methods, sorted by name.
func (r *Resource) Methods() []*Method {
	ms := make([]*Method, 0, len(r.methods))
	for _, m := range r.methods {
		ms = append(ms, m)
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Name < ms[j].Name })
	return ms
}

// Method returns the method with exactly this name.
func (r *Resource) Method(name string) (*Method, bool) {
	m, ok := r.methods[name]
	return m, ok
}

// FindMethod looks a method up the way users type it in EXEC: the exact
// name, any case, or its snake_case form (backup_instances_adhoc_backup or
// adhoc_backup for BackupInstances_AdhocBackup).
func (r *Resource) FindMethod(name string) (*Method, error) {
	if m, ok := r.methods[name]; ok {
		return m, nil
	}
	want := normalizeMethodName(name)
	var names []string
	for _, m := range r.Methods() {
		names = append(names, m.Name)
		n := normalizeMethodName(m.Name)
		if n == want {
			return m, nil
		}
		if _, short, ok := strings.Cut(m.Name, "_"); ok && normalizeMethodName(short) == want {
			return m, nil
		}
	}
	return nil, &NotFoundError{Kind: "method", Name: r.ID + "." + name, Suggestion: Nearest(name, names)}
}

func normalizeMethodName(s string) string {
	return strings.ToLower(strings.ReplaceAll(s, "_", ""))
}

// VerbMethods lists the methods that serve v, in the document's order.
func (r *Resource) VerbMethods(v Verb) []*Method {
	if v == VerbExec {
		var ms []*Method
		for _, m := range r.Methods() {
			if m.Verb == VerbExec {
				ms = append(ms, m)
			}
		}
		return ms
	}
	return r.verbs[v]
}

// Columns are the row columns of the resource: those of its first SELECT method.
func (r *Resource) Columns() []Column {
	if ms := r.verbs[VerbSelect]; len(ms) > 0 {
		return ms[0].Columns()
	}
	return nil
}
