// Package provider is skyql's model of a provider: a provider.yaml that lists
// services, and per service an OpenAPI 3 document whose
// components.x-stackQL-resources maps SQL resources and verbs to operations.
//
// It reads the public provider registry's format unchanged (including path
// keys that carry a literal query string) and knows nothing of SQL or of
// sending HTTP requests. Service documents are parsed on first use only, since
// a query touches one or two services of the hundreds a provider may have.
package provider

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	"weak"

	"gopkg.in/yaml.v3"
)

// Provider is one version of a provider, e.g. azure v0.1.0.
type Provider struct {
	ID          string
	Name        string
	Version     string
	Title       string
	Description string
	// Config is provider-wide configuration (auth, pagination) that services,
	// resources and methods inherit unless they set their own.
	Config Config
	// Index, when set, keeps compiled service indexes between processes, so
	// that service documents are not parsed again for every process.
	Index IndexCache

	fsys     fs.FS
	dir      string
	services map[string]*serviceEntry
}

// serviceEntry is one providerServices item; its document is parsed lazily.
type serviceEntry struct {
	Name        string
	Title       string
	Description string
	Version     string
	file        string

	once    sync.Once
	service *Service
	err     error
}

type providerFile struct {
	ID               string                      `yaml:"id" json:"id"`
	Name             string                      `yaml:"name" json:"name"`
	Version          string                      `yaml:"version" json:"version"`
	Title            string                      `yaml:"title" json:"title"`
	Description      string                      `yaml:"description" json:"description"`
	ProviderServices map[string]providerFileItem `yaml:"providerServices" json:"providerServices"`
	Config           Config                      `yaml:"config" json:"config"`
}

type providerFileItem struct {
	ID          string `yaml:"id" json:"id"`
	Name        string `yaml:"name" json:"name"`
	Title       string `yaml:"title" json:"title"`
	Description string `yaml:"description" json:"description"`
	Version     string `yaml:"version" json:"version"`
	Preferred   bool   `yaml:"preferred" json:"preferred"`
	Service     struct {
		Ref string `yaml:"$ref" json:"$ref"`
	} `yaml:"service" json:"service"`
}

// LoadDir opens the provider version directory dir, which holds provider.yaml
// and services/*.yaml. Only provider.yaml is read now.
func LoadDir(dir string) (*Provider, error) {
	return LoadFS(os.DirFS(dir), ".")
}

// LoadFS is LoadDir over any file system, e.g. the binary's embedded registry.
func LoadFS(fsys fs.FS, dir string) (*Provider, error) {
	file := path.Join(dir, "provider.yaml")
	data, err := fs.ReadFile(fsys, file)
	if err != nil {
		return nil, fmt.Errorf("reading provider document: %w", err)
	}
	var pf providerFile
	if err := decodeProviderFile(data, &pf); err != nil {
		return nil, &DocumentError{File: file, Msg: err.Error()}
	}
	if pf.Name == "" {
		pf.Name = pf.ID
	}
	if pf.Name == "" {
		return nil, &DocumentError{File: file, Path: "name", Msg: "provider has neither id nor name"}
	}
	p := &Provider{
		ID: pf.ID, Name: pf.Name, Version: pf.Version, Title: pf.Title,
		Description: pf.Description, Config: pf.Config,
		fsys: fsys, dir: dir, services: map[string]*serviceEntry{},
	}
	for key, item := range pf.ProviderServices {
		where := "providerServices." + key + ".service.$ref"
		if item.Service.Ref == "" {
			return nil, &DocumentError{File: file, Path: where, Msg: "missing: each service needs a $ref to its document"}
		}
		name := item.Name
		if name == "" {
			name = key
		}
		p.services[name] = &serviceEntry{
			Name: name, Title: item.Title, Description: item.Description, Version: item.Version,
			file: serviceFile(dir, item.Service.Ref),
		}
	}
	return p, nil
}

// decodeProviderFile reads provider.yaml. A document in JSON form (which YAML
// includes, and which skyql's generator writes) is read by encoding/json: for
// Azure's 263 services that takes about a millisecond, yaml.v3 about 17.
func decodeProviderFile(data []byte, pf *providerFile) error {
	if trimmed := bytes.TrimSpace(data); len(trimmed) > 0 && trimmed[0] == '{' {
		if err := json.Unmarshal(trimmed, pf); err == nil {
			return nil
		}
	}
	if err := yaml.Unmarshal(data, pf); err != nil {
		return errors.New(yamlMessage(err))
	}
	return nil
}

// serviceFile maps a providerServices $ref to a file below the provider
// directory. Published documents write refs from the registry root
// ("azure/v23.03.00121/services/compute.yaml"); only the part from
// "services/" on is meaningful once the version directory is known.
func serviceFile(dir, ref string) string {
	if i := strings.LastIndex(ref, "services/"); i >= 0 {
		return path.Join(dir, ref[i:])
	}
	return path.Join(dir, ref)
}

// ServiceNames lists the provider's services, sorted.
func (p *Provider) ServiceNames() []string {
	names := slices.Sorted(maps.Keys(p.services))
	return names
}

// ServiceInfo describes a service from provider.yaml without parsing its document.
type ServiceInfo struct {
	Name, Title, Description, Version string
}

// ServiceInfo returns the provider.yaml entry for the named service.
func (p *Provider) ServiceInfo(name string) (ServiceInfo, bool) {
	e, ok := p.services[name]
	if !ok {
		return ServiceInfo{}, false
	}
	return ServiceInfo{Name: e.Name, Title: e.Title, Description: e.Description, Version: e.Version}, true
}

// Service parses (once) and returns the named service.
func (p *Provider) Service(name string) (*Service, error) {
	e, ok := p.services[name]
	if !ok {
		return nil, &NotFoundError{Kind: "service", Name: p.Name + "." + name,
			Suggestion: suggestQualified(p.Name+".", name, p.ServiceNames())}
	}
	e.once.Do(func() { e.service, e.err = p.loadService(e) })
	return e.service, e.err
}

// loadService reads a service from its index when p.Index has it, else
// parses its document and stores the index for the next process. The
// index is a cache: failing to store it costs the next process a parse.
func (p *Provider) loadService(e *serviceEntry) (*Service, error) {
	data, err := fs.ReadFile(p.fsys, e.file)
	if err != nil {
		return nil, fmt.Errorf("service %s.%s: %w", p.Name, e.Name, err)
	}
	parse := func() (*Service, error) {
		s, err := parseService(data, e.file, e.Name, p)
		if err != nil {
			return nil, err
		}
		e.describe(s)
		return s, nil
	}
	if p.Index == nil {
		return parse()
	}
	key := indexKey(p, e.Name, data)
	if raw, ok := p.Index.Get(key); ok {
		if s, err := decodeIndex(raw, e.file, p); err == nil {
			e.describe(s)
			s.parseFull = parse
			return s, nil
		}
	}
	s, err := parseService(data, e.file, e.Name, p)
	if err != nil {
		return nil, err
	}
	// The index holds what the document says; provider.yaml's words are
	// applied over it on every load.
	raw, err := encodeIndex(s)
	if err != nil {
		e.describe(s)
		return s, nil
	}
	_ = p.Index.Put(key, raw) // a cache: failing costs the next process a parse, nothing more
	light, err := decodeIndex(raw, e.file, p)
	if err != nil {
		e.describe(s)
		return s, nil
	}
	// Keep the index, not the parsed document: reading every service (a
	// client browsing the catalog) would otherwise hold all of them, some
	// 800 MB for all of Azure. The document is reused while something else
	// (the emulator) still holds it, else parsed again when asked for.
	e.describe(s)
	e.describe(light)
	parsed := weak.Make(s)
	light.parseFull = func() (*Service, error) {
		if full := parsed.Value(); full != nil {
			return full, nil
		}
		return parse()
	}
	return light, nil
}

// describe applies what provider.yaml says of the service over what its
// document says.
func (e *serviceEntry) describe(s *Service) {
	s.Name = e.Name
	s.Title = firstNonEmpty(e.Title, s.Title)
	s.Description = firstNonEmpty(e.Description, s.Description)
	s.Version = firstNonEmpty(e.Version, s.Version)
}

// LoadServiceFile parses one service document on its own, without a provider.yaml.
func LoadServiceFile(file string) (*Service, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading service document: %w", err)
	}
	return parseService(data, file, strings.TrimSuffix(path.Base(file), path.Ext(file)), nil)
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
