// Package pathtemplate splits OpenAPI path templates and request paths
// into segments.
package pathtemplate

import "strings"

// Segment is one segment of a path template: a literal or a parameter.
type Segment struct {
	Literal string // the document's spelling; empty for a parameter
	Param   string // parameter name; empty for a literal
}

// Split turns "/a/b/" into ["a","b"]; the root is no segments.
func Split(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// Parse splits a template ("/pets/{petId}") into segments.
func Parse(path string) []Segment {
	parts := Split(path)
	segs := make([]Segment, len(parts))
	for i, p := range parts {
		if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") {
			segs[i] = Segment{Param: p[1 : len(p)-1]}
		} else {
			segs[i] = Segment{Literal: p}
		}
	}
	return segs
}

// String writes segments back as a template without the leading slash.
func String(segs []Segment) string {
	parts := make([]string, len(segs))
	for i, s := range segs {
		if s.Param != "" {
			parts[i] = "{" + s.Param + "}"
		} else {
			parts[i] = s.Literal
		}
	}
	return strings.Join(parts, "/")
}
