package provider

// Config is the configuration block that a provider, a service document
// (x-stackQL-config), a resource or a method may carry. The nearest level
// that sets a field wins.
type Config struct {
	Auth       map[string]any    `yaml:"auth,omitempty" json:"auth,omitempty"`
	Pagination *PaginationConfig `yaml:"pagination,omitempty" json:"pagination,omitempty"`
}

// PaginationConfig is the registry format's pagination block.
type PaginationConfig struct {
	RequestToken  TokenLocation `yaml:"requestToken" json:"requestToken"`
	ResponseToken TokenLocation `yaml:"responseToken" json:"responseToken"`
}

// TokenLocation names a paging token and where it travels.
type TokenLocation struct {
	Key      string `yaml:"key" json:"key"`
	Location string `yaml:"location" json:"location"`
}

// Pagination tells the executor how to reach the next page.
//
// ResponseTokenLocation is "body" or "header"; RequestTokenLocation is
// "query", "header", "body", or "request", which means the response token is
// the whole URL of the next page (Azure's nextLink).
type Pagination struct {
	RequestTokenKey       string
	RequestTokenLocation  string
	ResponseTokenKey      string
	ResponseTokenLocation string
}

// NextIsURL reports whether the response token is the next page's URL.
func (p *Pagination) NextIsURL() bool { return p.RequestTokenLocation == "request" }

func (c *PaginationConfig) pagination() *Pagination {
	return &Pagination{
		RequestTokenKey: c.RequestToken.Key, RequestTokenLocation: c.RequestToken.Location,
		ResponseTokenKey: c.ResponseToken.Key, ResponseTokenLocation: c.ResponseToken.Location,
	}
}

// LRO describes a long-running operation (x-ms-long-running-operation).
type LRO struct {
	// FinalStateVia is x-ms-long-running-operation-options' final-state-via:
	// "azure-async-operation", "location", "original-uri",
	// "operation-location", or "" for the protocol's default.
	FinalStateVia string
}
