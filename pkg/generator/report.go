package generator

import (
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// ServiceReport says what Generate made of one service's specs: each operation's
// resource, method and verb, how each list pages and how that was inferred, and
// what the specs left ambiguous, each with its operation's spec path, so that a
// new spec's provider can be checked (and its config written) before it is used.
type ServiceReport struct {
	Service string
	Specs   []string
	Methods []MethodReport // sorted by resource, then method
}

// MethodReport is one operation as generated.
type MethodReport struct {
	Resource, Method, Verb string
	HTTPMethod, Path       string
	// Paging says how the method pages ("" when it does not), and how that was
	// inferred or that the config set it.
	Paging string
	// Ambiguous says what the spec left open about the method, "" when nothing.
	Ambiguous string
}

// pagingExplainer is implemented by conventions that can say how they inferred an
// operation's paging.
type pagingExplainer interface {
	explainPaging(o operation) (pagingInference, bool)
}

func (c *openAPIConventions) explainPaging(o operation) (pagingInference, bool) {
	p, ok := c.paging[o.httpMethod+" "+o.path]
	return p, ok
}

// methodReport describes the generated method entry of operation o.
func methodReport(resource, name, verb string, o operation, entry map[string]any, conv conventions, overridden bool) MethodReport {
	r := MethodReport{Resource: resource, Method: name, Verb: verb, HTTPMethod: o.httpMethod, Path: o.path}
	config, _ := entry["config"].(map[string]any)
	pagination, _ := config["pagination"].(map[string]any)
	switch {
	case overridden && pagination == nil:
		r.Paging = "none (turned off by the config)"
	case overridden:
		r.Paging = describePaging(pagination) + " (set by the config)"
	default:
		if explainer, ok := conv.(pagingExplainer); ok {
			if p, ok := explainer.explainPaging(o); ok {
				r.Paging, r.Ambiguous = p.how, p.ambiguous
				if p.config == nil {
					r.Paging = "none: the list returns every item at once"
				}
				return r
			}
		}
		if pagination != nil {
			r.Paging = describePaging(pagination)
		}
	}
	return r
}

// describePaging names a pagination block's style.
func describePaging(p map[string]any) string {
	request, _ := p["requestToken"].(map[string]any)
	response, _ := p["responseToken"].(map[string]any)
	key, _ := response["key"].(string)
	switch response["location"] {
	case "none":
		return fmt.Sprintf("page number: query parameter %v", request["key"])
	case "header":
		if request["location"] == "request" {
			return "next URL: header " + key
		}
		return fmt.Sprintf("cursor: header %s sent back as query parameter %v", key, request["key"])
	}
	if request["location"] == "request" {
		return "next URL: body field " + key
	}
	return fmt.Sprintf("cursor: body field %s sent back as query parameter %v", key, request["key"])
}

// WriteTo writes the report as text: a summary line, each resource's methods
// with their verbs, spec paths and paging, then what is ambiguous.
func (r *ServiceReport) WriteTo(w io.Writer) (int64, error) {
	var b strings.Builder
	verbs := map[string]int{}
	var resources []string
	for _, m := range r.Methods {
		verbs[m.Verb]++
		if !slices.Contains(resources, m.Resource) {
			resources = append(resources, m.Resource)
		}
	}
	var counts []string
	for _, v := range append(slices.Clone(sqlVerbs), execVerb) {
		if verbs[v] > 0 {
			counts = append(counts, fmt.Sprintf("%s %d", v, verbs[v]))
		}
	}
	fmt.Fprintf(&b, "service %s (%s): %d operations, %d resources, methods by verb: %s\n",
		r.Service, strings.Join(r.Specs, ", "), len(r.Methods), len(resources), strings.Join(counts, ", "))
	width := 0
	for _, m := range r.Methods {
		width = max(width, utf8.RuneCountInString(m.Method))
	}
	resource := ""
	for _, m := range r.Methods {
		if m.Resource != resource {
			resource = m.Resource
			fmt.Fprintf(&b, "  %s\n", resource)
		}
		fmt.Fprintf(&b, "    %-7s %-*s  %s %s\n", m.Verb, width, m.Method, m.HTTPMethod, m.Path)
		if m.Paging != "" {
			fmt.Fprintf(&b, "            paging: %s\n", m.Paging)
		}
	}
	if ambiguous := r.Ambiguous(); len(ambiguous) > 0 {
		fmt.Fprintf(&b, "  ambiguous (%d):\n", len(ambiguous))
		for _, m := range ambiguous {
			fmt.Fprintf(&b, "    %s %s (%s.%s): %s\n", m.HTTPMethod, m.Path, m.Resource, m.Method, m.Ambiguous)
		}
	}
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}

// Ambiguous lists the methods whose generation left something open.
func (r *ServiceReport) Ambiguous() []MethodReport {
	var out []MethodReport
	for _, m := range r.Methods {
		if m.Ambiguous != "" {
			out = append(out, m)
		}
	}
	return out
}

// maxSummary bounds the service description provider.yaml carries, which SHOW
// SERVICES prints in one cell; the spec's whole description stays in the service
// document.
const maxSummary = 160

// markdownLink is [text](target); a summary keeps the text.
var markdownLink = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)

// summarize is the first sentence of a spec's description as plain text, at most
// maxSummary characters, or title when the description gives none.
func summarize(description, title string) string {
	text := ""
	for line := range strings.Lines(description) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "<") || strings.HasPrefix(line, "```") || strings.HasPrefix(line, "!") {
			if text != "" && line == "" {
				break // the first paragraph is enough
			}
			continue
		}
		text = strings.TrimSpace(text + " " + line)
	}
	text = markdownLink.ReplaceAllString(text, "$1")
	text = strings.NewReplacer("**", "", "__", "", "`", "").Replace(text)
	if i := strings.Index(text, ". "); i >= 0 {
		text = text[:i+1]
	}
	if text == "" {
		return title
	}
	if utf8.RuneCountInString(text) > maxSummary {
		runes := []rune(text)[:maxSummary-1]
		cut := strings.LastIndexByte(string(runes), ' ')
		if cut < maxSummary/2 {
			cut = len(string(runes))
		}
		text = strings.TrimRight(string(runes)[:cut], " ,;:") + "…"
	}
	return text
}
