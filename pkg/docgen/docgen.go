// Package docgen renders provider documents as markdown reference pages: one page per
// resource (<provider>/<service>/<resource>/index.md), one per service listing its
// resources, and one per provider listing its services. Everything from `## Overview` on
// comes from the documents alone; the front matter can be tuned with Options.
package docgen

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/skyql/skyql/pkg/provider"
)

// Options set the front matter of every page.
type Options struct {
	// Product is named in the keywords and the default image, e.g. "stackql" or "skyql".
	Product string
	// Keywords come after the page's own (resource, service, provider, product).
	Keywords []string
	// Image is the page image; "{provider}" and "{product}" are replaced.
	Image string
}

// DefaultOptions give the front matter of the public registry's pages.
func DefaultOptions() Options {
	return Options{
		Product:  "skyql",
		Keywords: []string{"infrastructure-as-code", "configuration-as-data", "cloud inventory"},
		Image:    "/img/providers/{provider}/{product}-{provider}-provider-featured-image.png",
	}
}

// pageOrder is the order of the method groups on a page.
var pageOrder = []provider.Verb{provider.VerbSelect, provider.VerbInsert, provider.VerbDelete, provider.VerbUpdate, provider.VerbReplace, provider.VerbExec}

// ResourcePage renders the page of one resource.
func ResourcePage(r *provider.Resource, opts Options) string {
	s := r.Service
	providerName := providerNameOf(s)
	var b strings.Builder
	b.WriteString(frontMatter(r.Name, []string{r.Name, s.Name, providerName}, providerDisplayName(s), providerName, opts))
	b.WriteString("## Overview\n<table><tbody>\n")
	overviewRow(&b, "Name", "<code>"+r.Name+"</code>")
	overviewRow(&b, "Type", "Resource")
	overviewRow(&b, "Id", "<code>"+r.ID+"</code>")
	if r.Description != "" {
		overviewRow(&b, "Description", escapeCell(r.Description))
	}
	b.WriteString("</tbody></table>\n\n## Fields\n")
	if columns := r.Columns(); len(columns) > 0 {
		b.WriteString("| Name | Datatype | Description |\n|:-----|:---------|:------------|\n")
		for _, c := range columns {
			fmt.Fprintf(&b, "| `%s` | `%s` | %s |\n", c.Name, c.Type, escapeCell(c.Description))
		}
	} else {
		b.WriteString("`SELECT` is not supported for this resource; use `EXEC` with the methods below.\n")
	}
	b.WriteString("## Methods\n| Name | Accessible by | Required Params | Description |\n|:-----|:--------------|:----------------|:------------|\n")
	for _, verb := range pageOrder {
		for _, m := range r.Methods() {
			if m.Verb != verb {
				continue
			}
			fmt.Fprintf(&b, "| `%s` | `%s` | `%s` | %s |\n", m.Name, strings.ToUpper(string(verb)),
				strings.Join(m.RequiredParams(), ", "), escapeCell(m.Description))
		}
	}
	return b.String()
}

// ServicePage renders the page of a service: what it is and a table of its resources.
func ServicePage(s *provider.Service, opts Options) (string, error) {
	providerName := providerNameOf(s)
	var b strings.Builder
	b.WriteString(frontMatter(s.Name, []string{s.Name, providerName}, providerDisplayName(s), providerName, opts))
	b.WriteString("## Overview\n<table><tbody>\n")
	overviewRow(&b, "Name", "<code>"+s.Name+"</code>")
	overviewRow(&b, "Type", "Service")
	if s.Title != "" {
		overviewRow(&b, "Title", escapeCell(s.Title))
	}
	if s.Description != "" {
		overviewRow(&b, "Description", escapeCell(s.Description))
	}
	overviewRow(&b, "Id", "<code>"+providerName+"."+s.Name+"</code>")
	if s.Doc != nil && s.Doc.Info != nil && s.Doc.Info.Version != "" {
		overviewRow(&b, "API version", "<code>"+s.Doc.Info.Version+"</code>")
	}
	b.WriteString("</tbody></table>\n\n## Resources\n| Name | Accessible by | Description |\n|:-----|:--------------|:------------|\n")
	for _, name := range s.ResourceNames() {
		r, err := s.Resource(name)
		if err != nil {
			return "", err
		}
		var verbs []string
		for _, verb := range pageOrder {
			for _, m := range r.Methods() {
				if m.Verb == verb {
					verbs = append(verbs, "`"+strings.ToUpper(string(verb))+"`")
					break
				}
			}
		}
		fmt.Fprintf(&b, "| [%s](%s/index.md) | %s | %s |\n", name, name, strings.Join(verbs, " "), escapeCell(r.Description))
	}
	return b.String(), nil
}

// ProviderPage renders the page of a provider: a table of its services.
func ProviderPage(p *provider.Provider, opts Options) string {
	var b strings.Builder
	b.WriteString(frontMatter(p.Name, []string{p.Name}, firstNonEmpty(p.Title, p.Name), p.Name, opts))
	b.WriteString("## Overview\n<table><tbody>\n")
	overviewRow(&b, "Name", "<code>"+p.Name+"</code>")
	overviewRow(&b, "Type", "Provider")
	if p.Title != "" {
		overviewRow(&b, "Title", escapeCell(p.Title))
	}
	if p.Description != "" {
		overviewRow(&b, "Description", escapeCell(p.Description))
	}
	overviewRow(&b, "Version", "<code>"+p.Version+"</code>")
	b.WriteString("</tbody></table>\n\n## Services\n| Name | Title | Description |\n|:-----|:------|:------------|\n")
	for _, name := range p.ServiceNames() {
		info, _ := p.ServiceInfo(name)
		fmt.Fprintf(&b, "| [%s](%s/index.md) | %s | %s |\n", name, name, escapeCell(info.Title), escapeCell(info.Description))
	}
	return b.String()
}

// Write renders the pages of the named services of p (all when services is empty) under
// dir, plus the provider page when all services are rendered. It returns the files written.
func Write(p *provider.Provider, services []string, dir string, opts Options) ([]string, error) {
	all := len(services) == 0
	if all {
		services = p.ServiceNames()
	}
	var written []string
	put := func(rel, content string) error {
		path := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			return err
		}
		written = append(written, path)
		return nil
	}
	if all {
		if err := put(p.Name+"/index.md", ProviderPage(p, opts)); err != nil {
			return written, err
		}
	}
	for _, name := range services {
		s, err := p.Service(name)
		if err != nil {
			return written, err
		}
		page, err := ServicePage(s, opts)
		if err != nil {
			return written, err
		}
		if err := put(p.Name+"/"+name+"/index.md", page); err != nil {
			return written, err
		}
		for _, rname := range s.ResourceNames() {
			r, err := s.Resource(rname)
			if err != nil {
				return written, err
			}
			if err := put(p.Name+"/"+name+"/"+rname+"/index.md", ResourcePage(r, opts)); err != nil {
				return written, err
			}
		}
	}
	return written, nil
}

func frontMatter(title string, ownKeywords []string, displayName, providerName string, opts Options) string {
	var b strings.Builder
	fmt.Fprintf(&b, "---\ntitle: %s\nhide_title: false\nhide_table_of_contents: false\nkeywords:\n", title)
	keywords := append(append([]string{}, ownKeywords...), opts.Product)
	for _, k := range append(keywords, opts.Keywords...) {
		if k != "" {
			fmt.Fprintf(&b, "  - %s\n", k)
		}
	}
	fmt.Fprintf(&b, "description: Query, deploy and manage %s resources using SQL\ncustom_edit_url: null\n", displayName)
	if opts.Image != "" {
		image := strings.NewReplacer("{provider}", providerName, "{product}", opts.Product).Replace(opts.Image)
		fmt.Fprintf(&b, "image: %s\n", image)
	}
	b.WriteString("---\n\n")
	return b.String()
}

func overviewRow(b *strings.Builder, label, value string) {
	fmt.Fprintf(b, "<tr><td><b>%s</b></td><td>%s</td></tr>\n", label, value)
}

// escapeCell makes text safe in a markdown table cell of an MDX page: line breaks become
// <br />, | is escaped, and <, >, {, } become entities (MDX would read them as markup).
var cellEscaper = strings.NewReplacer(
	"\r\n", "<br />", "\n", "<br />",
	"|", `\|`,
	"<", "&lt;", ">", "&gt;", "{", "&#123;", "}", "&#125;",
)

func escapeCell(s string) string { return cellEscaper.Replace(s) }

func providerNameOf(s *provider.Service) string {
	if s.Provider != nil {
		return s.Provider.Name
	}
	return ""
}

// providerDisplayName is how the description names the cloud: "Azure" for azure.
func providerDisplayName(s *provider.Service) string {
	if s.Provider == nil {
		return s.Name
	}
	return firstNonEmpty(s.Provider.Title, s.Provider.Name)
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
