package generator

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"

	"github.com/skyql/skyql/pkg/provider"
)

const (
	conventionsAuto    = "auto"
	conventionsAzure   = "azure"
	conventionsOpenAPI = "openapi"
)

// Config says which specs make up a provider and how to name what comes out of them.
// It is read from a YAML file (see providers/azure/config.yaml); spec paths in it are
// relative to that file.
type Config struct {
	Provider    string `yaml:"provider"`
	Version     string `yaml:"version"`
	Title       string `yaml:"title"`
	Description string `yaml:"description"`
	// Conventions names the rules that turn operations into resources and SQL verbs:
	// "azure" (resources from operationIds, BackupInstances_Get), "openapi" (resources
	// from paths, see openAPIConventions), or "auto" (the default): azure for Swagger 2.0
	// specs and specs that look like Azure's (x-ms-* extensions, api-version,
	// management.azure.com, ARM paths), openapi for other OpenAPI 3 specs.
	Conventions string `yaml:"conventions"`
	// Server replaces the specs' own servers/host when set.
	Server string `yaml:"server"`
	// ProviderConfig is written as provider.yaml's `config` (e.g. auth).
	ProviderConfig map[string]any `yaml:"config"`
	// Readmes is a folder laid out like azure-rest-api-specs' specification folder:
	// every <folder>/resource-manager/readme.md in it that no services entry claims
	// becomes a service made of its default tag's input files (see readme.go).
	Readmes string `yaml:"readmes"`
	// Names names the services found through readmes where the naming rule cannot know
	// the name people use: spec folder -> service name.
	Names map[string]string `yaml:"names"`
	// Exclude leaves out readmes that cannot make a service: spec folder -> why.
	Exclude  map[string]string `yaml:"exclude"`
	Services []ServiceConfig   `yaml:"services"`

	dir string // the config file's folder; spec paths are relative to it
}

// ServiceConfig is one service document built from one or more spec files.
type ServiceConfig struct {
	// Name of the service; by default the snake_case resource provider namespace found
	// in the first spec's path (Microsoft.DataProtection -> data_protection).
	Name  string   `yaml:"name"`
	Specs []string `yaml:"specs"`
	// Readme names a spec folder below the config's readmes: whose default tag's input
	// files are the specs, for an entry that only adds names or overrides.
	Readme      string `yaml:"readme"`
	Title       string `yaml:"title"`
	Description string `yaml:"description"`
	// Resources moves operations to another resource: operationId -> resource name.
	Resources map[string]string `yaml:"resources"`
	// Verbs sets the SQL verb of an operation: operationId -> select|insert|update|replace|delete|exec.
	Verbs map[string]string `yaml:"verbs"`
	// ObjectKeys sets where an operation's rows are: operationId -> JSONPath ($.data, $[*]).
	ObjectKeys map[string]string `yaml:"objectKeys"`
	// Pagination sets an operation's pagination config (the registry format's block,
	// see docs/architecture.md); null turns inferred paging off.
	Pagination map[string]*provider.PaginationConfig `yaml:"pagination"`
}

// LoadConfig reads a provider config file and checks it.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read provider config: %w", err)
	}
	var cfg Config
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	cfg.dir = filepath.Dir(path)
	if err := cfg.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &cfg, nil
}

// SingleSpecConfig is the config for `provider generate --spec`: the spec files found at
// path (a file, or a folder searched for *.json, *.yaml, *.yml holding paths), one
// service per resource provider namespace (files of the same namespace are merged).
func SingleSpecConfig(provider, version, path string) (*Config, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read spec: %w", err)
	}
	cfg := &Config{Provider: provider, Version: version, dir: "."}
	if !info.IsDir() {
		cfg.Services = []ServiceConfig{{Specs: []string{path}}}
		return cfg, cfg.check()
	}
	err = filepath.WalkDir(path, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "examples" {
			return filepath.SkipDir
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".json", ".yaml", ".yml":
			if !d.IsDir() && isSpecFile(p) {
				addToService(cfg, serviceNameFromPath(p), p)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(cfg.Services) == 0 {
		return nil, fmt.Errorf("no Swagger 2.0 or OpenAPI 3 document found under %s", path)
	}
	return cfg, cfg.check()
}

func addToService(cfg *Config, name, spec string) {
	for i := range cfg.Services {
		if cfg.Services[i].Name == name {
			cfg.Services[i].Specs = append(cfg.Services[i].Specs, spec)
			return
		}
	}
	cfg.Services = append(cfg.Services, ServiceConfig{Name: name, Specs: []string{spec}})
}

// isSpecFile tells an API document from a shared-types file: it has paths.
func isSpecFile(path string) bool {
	tree, err := readTree(path)
	if err != nil {
		return false
	}
	paths, _ := tree["paths"].(map[string]any)
	return len(paths) > 0 && (tree["swagger"] != nil || tree["openapi"] != nil)
}

var (
	providerNamePattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	versionPattern      = regexp.MustCompile(`^v[0-9]+(\.[0-9]+)*$`)
)

func (c *Config) check() error {
	var errs []error
	if !providerNamePattern.MatchString(c.Provider) {
		errs = append(errs, fmt.Errorf("provider name %q must be lower case letters, digits and _", c.Provider))
	}
	if !versionPattern.MatchString(c.Version) {
		errs = append(errs, fmt.Errorf("version %q must look like v0.1.0", c.Version))
	}
	if c.Conventions == "" {
		c.Conventions = conventionsAuto
	}
	if !slices.Contains([]string{conventionsAuto, conventionsAzure, conventionsOpenAPI}, c.Conventions) {
		errs = append(errs, fmt.Errorf("conventions %q are not supported: use azure (resources from operationIds), openapi (resources from paths) or auto", c.Conventions))
	}
	if c.Readmes != "" {
		if err := c.addReadmeServices(); err != nil {
			errs = append(errs, err)
		}
	} else if len(c.Names) > 0 || len(c.Exclude) > 0 {
		errs = append(errs, errors.New("names: and exclude: apply to services found through readmes, but readmes: is not set"))
	}
	if len(c.Services) == 0 {
		errs = append(errs, errors.New("no services: list at least one under services, or set readmes:"))
	}
	seen := map[string]int{}
	for i := range c.Services {
		s := &c.Services[i]
		if len(s.Specs) == 0 {
			errs = append(errs, fmt.Errorf("services[%d] lists no specs", i))
			continue
		}
		for j, spec := range s.Specs {
			if !filepath.IsAbs(spec) {
				s.Specs[j] = filepath.Join(c.dir, spec)
			}
		}
		if s.Name == "" {
			s.Name = serviceNameFromPath(s.Specs[0])
		}
		if !providerNamePattern.MatchString(s.Name) {
			errs = append(errs, fmt.Errorf("services[%d]: service name %q must be lower case letters, digits and _ (set name:)", i, s.Name))
		}
		if prev, dup := seen[s.Name]; dup {
			errs = append(errs, fmt.Errorf("services[%d] and services[%d] are both named %q: list all files of a service under one entry's specs, or set name:", prev, i, s.Name))
		}
		seen[s.Name] = i
		for _, op := range sortedKeys(s.Verbs) {
			if verb := s.Verbs[op]; !isVerb(verb) {
				errs = append(errs, fmt.Errorf("service %s: verb %q for %s is not one of select, insert, update, replace, delete, exec", s.Name, verb, op))
			}
		}
		for _, op := range sortedKeys(s.Pagination) {
			if err := checkPagination(s.Pagination[op]); err != nil {
				errs = append(errs, fmt.Errorf("service %s: pagination for %s: %w", s.Name, op, err))
			}
		}
	}
	return errors.Join(errs...)
}

var namespacePattern = regexp.MustCompile(`(?i)^Microsoft\.([A-Za-z0-9]+)$`)

// serviceNameFromPath finds the resource provider namespace folder
// (.../Microsoft.DataProtection/stable/...) and snake-cases it; otherwise it uses the
// file name.
func serviceNameFromPath(path string) string {
	parts := strings.Split(filepath.ToSlash(path), "/")
	for i := len(parts) - 2; i >= 0; i-- {
		if m := namespacePattern.FindStringSubmatch(parts[i]); m != nil {
			return snakeCase(m[1])
		}
	}
	return snakeCase(strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)))
}

// snakeCase turns CamelCase and camelCase into snake_case, keeping acronyms together
// (VMSizes -> vm_sizes); other separators become _.
func snakeCase(s string) string {
	runes := []rune(s)
	var b strings.Builder
	for i, r := range runes {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			if b.Len() > 0 && !strings.HasSuffix(b.String(), "_") {
				b.WriteByte('_')
			}
			continue
		}
		if unicode.IsUpper(r) && i > 0 && b.Len() > 0 && !strings.HasSuffix(b.String(), "_") {
			prev := runes[i-1]
			nextLower := i+1 < len(runes) && unicode.IsLower(runes[i+1]) && !pluralEnd(runes, i+1)
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
				b.WriteByte('_')
			}
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return strings.Trim(b.String(), "_")
}

// pluralEnd: runes[i] is the s that ends a plural acronym (ScaleSetVMs), not the
// start of a word.
func pluralEnd(runes []rune, i int) bool {
	return runes[i] == 's' && (i+1 == len(runes) || !unicode.IsLower(runes[i+1]))
}

// SpecConfigWithOverrides is SingleSpecConfig for `provider generate --spec ... --config`:
// the specs come from spec, everything else may come from the config file at
// overridesPath (conventions, server, title, config.auth, and per service: name,
// resources, verbs, objectKeys, pagination). When spec yields one service and the
// config lists one, the config's entry applies to it (and may rename it); otherwise
// entries are matched by service name. Entries must not list specs.
func SpecConfigWithOverrides(providerName, version, spec, overridesPath string) (*Config, error) {
	cfg, err := SingleSpecConfig(providerName, version, spec)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(overridesPath)
	if err != nil {
		return nil, fmt.Errorf("cannot read provider config: %w", err)
	}
	var over Config
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&over); err != nil {
		return nil, fmt.Errorf("%s: %w", overridesPath, err)
	}
	if over.Provider != "" && over.Provider != providerName {
		return nil, fmt.Errorf("%s names provider %q but --name is %q: drop one or make them agree", overridesPath, over.Provider, providerName)
	}
	if over.Version != "" {
		cfg.Version = over.Version
	}
	cfg.Title, cfg.Description, cfg.Conventions = over.Title, over.Description, over.Conventions
	cfg.Server, cfg.ProviderConfig = over.Server, over.ProviderConfig
	for i, o := range over.Services {
		if len(o.Specs) > 0 {
			return nil, fmt.Errorf("%s: services[%d] lists specs; with --spec the config only overrides names, verbs, objectKeys and pagination (or drop --spec and list the specs in the config)", overridesPath, i)
		}
		target := -1
		if len(over.Services) == 1 && len(cfg.Services) == 1 {
			target = 0
		} else {
			for j := range cfg.Services {
				if cfg.Services[j].Name == o.Name {
					target = j
				}
			}
		}
		if target < 0 {
			names := make([]string, len(cfg.Services))
			for j, s := range cfg.Services {
				names[j] = s.Name
			}
			return nil, fmt.Errorf("%s: services[%d] is named %q, but the specs give services %s: use one of those names", overridesPath, i, o.Name, strings.Join(names, ", "))
		}
		s := &cfg.Services[target]
		if o.Name != "" {
			s.Name = o.Name
		}
		if o.Title != "" {
			s.Title = o.Title
		}
		if o.Description != "" {
			s.Description = o.Description
		}
		s.Resources, s.Verbs, s.ObjectKeys, s.Pagination = o.Resources, o.Verbs, o.ObjectKeys, o.Pagination
	}
	if err := cfg.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", overridesPath, err)
	}
	return cfg, nil
}

// checkPagination rejects a pagination override the executor could not follow.
func checkPagination(p *provider.PaginationConfig) error {
	if p == nil {
		return nil
	}
	switch p.ResponseToken.Location {
	case "body", "header":
		if p.ResponseToken.Key == "" {
			return errors.New("responseToken.key is empty: name the body field or header holding the next page's token or URL")
		}
		if p.RequestToken.Location != "request" && (p.RequestToken.Location != "query" || p.RequestToken.Key == "") {
			return errors.New(`requestToken must be {location: request} (the token is the next page's URL) or {key: <query parameter>, location: query}`)
		}
	case "none":
		if p.RequestToken.Location != "query" || p.RequestToken.Key == "" {
			return errors.New(`page-number paging (responseToken.location: none) needs requestToken {key: <page parameter>, location: query}`)
		}
	default:
		return fmt.Errorf("responseToken.location %q is not body, header or none", p.ResponseToken.Location)
	}
	if p.PageNumber != nil && p.ResponseToken.Location != "none" {
		return errors.New("pageNumber applies only to page-number paging (responseToken.location: none)")
	}
	return nil
}

// paginationMap writes a pagination config as the document's block.
func paginationMap(p *provider.PaginationConfig) map[string]any {
	token := func(t provider.TokenLocation) map[string]any {
		m := map[string]any{"location": t.Location}
		if t.Key != "" {
			m["key"] = t.Key
		}
		return m
	}
	out := map[string]any{"requestToken": token(p.RequestToken), "responseToken": token(p.ResponseToken)}
	if n := p.PageNumber; n != nil {
		pn := map[string]any{}
		if n.Start != nil {
			pn["start"] = *n.Start
		}
		if n.SizeKey != "" {
			pn["sizeKey"] = n.SizeKey
		}
		if n.TotalKey != "" {
			pn["totalKey"] = n.TotalKey
		}
		if n.PagesKey != "" {
			pn["pagesKey"] = n.PagesKey
		}
		if n.MoreKey != "" {
			pn["moreKey"] = n.MoreKey
		}
		out["pageNumber"] = pn
	}
	return out
}
