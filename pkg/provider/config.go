package provider

// Config is the configuration block that a provider, a service document
// (x-stackQL-config), a resource or a method may carry. The nearest level
// that sets a field wins.
type Config struct {
	Auth       map[string]any    `yaml:"auth,omitempty" json:"auth,omitempty"`
	Pagination *PaginationConfig `yaml:"pagination,omitempty" json:"pagination,omitempty"`
	// Views makes a resource a view: SQL over other resources.
	Views *ViewsConfig `yaml:"views,omitempty" json:"views,omitempty"`
	// RequestBodyTranslate says how a write's columns become its body.
	RequestBodyTranslate *BodyTranslateConfig `yaml:"requestBodyTranslate,omitempty" json:"requestBodyTranslate,omitempty"`
}

// BodyTranslateConfig is the registry format's requestBodyTranslate.
type BodyTranslateConfig struct {
	Algorithm string `yaml:"algorithm" json:"algorithm"`
}

// PaginationConfig is the registry format's pagination block.
//
// Page-number paging (no token in the response) is written as
// requestToken {key: <page param>, location: query} with responseToken
// {location: none}; the optional pageNumber block tunes it.
type PaginationConfig struct {
	RequestToken  TokenLocation     `yaml:"requestToken" json:"requestToken"`
	ResponseToken TokenLocation     `yaml:"responseToken" json:"responseToken"`
	PageNumber    *PageNumberConfig `yaml:"pageNumber,omitempty" json:"pageNumber,omitempty"`
}

// PageNumberConfig tunes page-number paging.
type PageNumberConfig struct {
	// Start is the first page's number (default 1; 0 for APIs that count
	// from 0).
	Start *int `yaml:"start,omitempty" json:"start,omitempty"`
	// SizeKey is the query parameter that sets the page size (per_page,
	// limit); a page with fewer items than the size asked for is the last.
	SizeKey string `yaml:"sizeKey,omitempty" json:"sizeKey,omitempty"`
	// TotalKey is a response body field holding the total item count;
	// paging stops once that many items arrived.
	TotalKey string `yaml:"totalKey,omitempty" json:"totalKey,omitempty"`
	// PagesKey is a response body field holding the number of pages;
	// paging stops at that page.
	PagesKey string `yaml:"pagesKey,omitempty" json:"pagesKey,omitempty"`
	// MoreKey is a boolean response body field (has_more); paging stops at
	// the page where it is false.
	MoreKey string `yaml:"moreKey,omitempty" json:"moreKey,omitempty"`
}

// TokenLocation names a paging token and where it travels.
type TokenLocation struct {
	Key      string `yaml:"key" json:"key"`
	Location string `yaml:"location" json:"location"`
}

// Pagination tells the executor how to reach the next page.
//
// ResponseTokenLocation is "body", "header" (a header named "Link" is read
// as RFC 8288 and its rel="next" target taken), or "none" for page-number
// paging; RequestTokenLocation is "query", "header", "body", or "request",
// which means the response token is the whole URL of the next page
// (Azure's nextLink, a Link header).
type Pagination struct {
	RequestTokenKey       string
	RequestTokenLocation  string
	ResponseTokenKey      string
	ResponseTokenLocation string
	// Page-number paging (ResponseTokenLocation "none"): RequestTokenKey is
	// the page parameter, counted up from FirstPage.
	FirstPage   int
	PageSizeKey string
	TotalKey    string
	PagesKey    string
	MoreKey     string
}

// NextIsURL reports whether the response token is the next page's URL.
func (p *Pagination) NextIsURL() bool { return p.RequestTokenLocation == "request" }

// ByPageNumber reports page-number paging: no token comes back, the page
// parameter is counted up until a short or empty page.
func (p *Pagination) ByPageNumber() bool { return p.ResponseTokenLocation == "none" }

func (c *PaginationConfig) pagination() *Pagination {
	p := &Pagination{
		RequestTokenKey: c.RequestToken.Key, RequestTokenLocation: c.RequestToken.Location,
		ResponseTokenKey: c.ResponseToken.Key, ResponseTokenLocation: c.ResponseToken.Location,
	}
	if p.ByPageNumber() {
		p.FirstPage = 1
		if n := c.PageNumber; n != nil {
			if n.Start != nil {
				p.FirstPage = *n.Start
			}
			p.PageSizeKey, p.TotalKey, p.PagesKey, p.MoreKey = n.SizeKey, n.TotalKey, n.PagesKey, n.MoreKey
		}
	}
	return p
}

// LRO describes a long-running operation (x-ms-long-running-operation).
type LRO struct {
	// FinalStateVia is x-ms-long-running-operation-options' final-state-via:
	// "azure-async-operation", "location", "original-uri",
	// "operation-location", or "" for the protocol's default.
	FinalStateVia string
}
