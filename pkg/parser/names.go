package parser

import "strings"

// Names returns every name the statement mentions (tables, columns,
// functions, aliases; keywords aside), unquoted, each once, in order.
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
