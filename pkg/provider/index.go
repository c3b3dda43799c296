package provider

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
)

// A service index is what planning and running statements need of a service
// document, compiled from it once: resources, methods, parameters, columns,
// paging, long-running operations. kin-openapi takes about 40 ms to read a
// 180 KB Azure service document, which every process paid before its first
// query; the document's index decodes in under a millisecond. It leaves out
// the OpenAPI objects themselves (operations, schemas): Service.Full parses
// the document for the few users of those (the emulator, validation).

// IndexCache keeps service indexes between processes. Keys are content
// hashes, so an entry never goes stale: a changed document has a new key.
type IndexCache interface {
	// Get returns the index stored under key, if any.
	Get(key string) ([]byte, bool)
	// Put stores an index under key.
	Put(key string, data []byte) error
}

// DirIndexCache keeps indexes as files in a directory, created on first Put.
type DirIndexCache string

// Get reads key's file.
func (d DirIndexCache) Get(key string) ([]byte, bool) {
	data, err := os.ReadFile(filepath.Join(string(d), key+".json"))
	return data, err == nil
}

// Put writes key's file atomically, so that a concurrent process reads
// either nothing or the whole index.
func (d DirIndexCache) Put(key string, data []byte) error {
	if err := os.MkdirAll(string(d), 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(string(d), ".index-*")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), filepath.Join(string(d), key+".json"))
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// ShippedIndexes serves the indexes compiled when skyql was built, for the
// services of its built-in providers (registry.Indexes), before those of
// Local, which keeps what this machine compiles. Without them a fresh app
// directory, which every CI job and every `--app-dir $(mktemp -d)` has,
// pays kin-openapi's parse of each service it uses in its first process:
// about 40 ms and 8,000 page faults for data_protection.
type ShippedIndexes struct {
	// FS holds <key>.json.gz files, written by WriteShippedIndex.
	FS fs.FS
	// Local keeps the indexes of other documents; nil keeps none.
	Local IndexCache
}

// Get returns the shipped index under key, else Local's.
func (c ShippedIndexes) Get(key string) ([]byte, bool) {
	if c.FS != nil {
		if data, err := readGzip(c.FS, key+".json.gz"); err == nil {
			return data, true
		}
	}
	if c.Local == nil {
		return nil, false
	}
	return c.Local.Get(key)
}

// Put stores an index in Local: what ships is fixed at build time.
func (c ShippedIndexes) Put(key string, data []byte) error {
	if c.Local == nil {
		return nil
	}
	return c.Local.Put(key, data)
}

func readGzip(fsys fs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

// WriteShippedIndex writes an index as ShippedIndexes reads it, into dir.
// Compression keeps what ships small: the indexes of all of Azure are about
// 24 MB of JSON.
func WriteShippedIndex(dir, key string, data []byte) error {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return err
	}
	if _, err := zw.Write(data); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, key+".json.gz"), buf.Bytes(), 0o644)
}

// IndexKey is the key the named service's index is kept under: it changes
// with the service's document, the provider's config and the index format.
func (p *Provider) IndexKey(service string) (string, error) {
	e, ok := p.services[service]
	if !ok {
		return "", &NotFoundError{Kind: "service", Name: p.Name + "." + service}
	}
	data, err := fs.ReadFile(p.fsys, e.file)
	if err != nil {
		return "", fmt.Errorf("service %s.%s: %w", p.Name, service, err)
	}
	return indexKey(p, service, data), nil
}

// indexFormat changes whenever the index's content or the way documents
// are compiled into it changes, so that old entries are never read.
const indexFormat = "skyql-service-index/3"

// indexKey identifies the index of service name's document as loaded by
// p: the provider's name and the service's take part (resource ids default
// to <provider>.<service>.<resource>), and so does the provider-wide
// config, since methods inherit its paging.
func indexKey(p *Provider, name string, doc []byte) string {
	h := sha256.New()
	h.Write([]byte(indexFormat + "\x00" + p.Name + "\x00" + name + "\x00"))
	cfg, _ := json.Marshal(p.Config) // a map and plain structs: cannot fail
	h.Write(cfg)
	h.Write([]byte{0})
	h.Write(doc)
	return hex.EncodeToString(h.Sum(nil))
}

type serviceIndex struct {
	Format      string          `json:"format"`
	Title       string          `json:"title,omitempty"`
	Description string          `json:"description,omitempty"`
	Version     string          `json:"version,omitempty"`
	BaseURL     string          `json:"baseURL,omitempty"`
	Config      Config          `json:"config"`
	Resources   []resourceIndex `json:"resources"`
}

type resourceIndex struct {
	ID          string            `json:"id"`
	Name        string            `json:"name"`
	Title       string            `json:"title,omitempty"`
	Description string            `json:"description,omitempty"`
	Config      Config            `json:"config"`
	Methods     []methodIndex     `json:"methods"`
	Verbs       map[Verb][]string `json:"verbs,omitempty"`
}

type methodIndex struct {
	Name        string       `json:"name"`
	Verb        Verb         `json:"verb"`
	HTTPMethod  string       `json:"httpMethod"`
	Path        string       `json:"path"`
	PathQuery   url.Values   `json:"pathQuery,omitempty"`
	Server      string       `json:"server,omitempty"`
	Params      []*Param     `json:"params,omitempty"`
	Body        *RequestBody `json:"body,omitempty"`
	Response    Response     `json:"response"`
	Columns     []Column     `json:"columns,omitempty"`
	Pagination  *Pagination  `json:"pagination,omitempty"`
	LRO         *LRO         `json:"lro,omitempty"`
	Description string       `json:"description,omitempty"`
}

// encodeIndex compiles a parsed service into its index.
func encodeIndex(s *Service) ([]byte, error) {
	si := serviceIndex{Format: indexFormat, Title: s.Title, Description: s.Description, Version: s.Version,
		BaseURL: s.baseURL, Config: s.config}
	for _, name := range s.ResourceNames() {
		r := s.resources[name]
		ri := resourceIndex{ID: r.ID, Name: r.Name, Title: r.Title, Description: r.Description,
			Config: r.config, Verbs: map[Verb][]string{}}
		for _, m := range r.Methods() {
			ri.Methods = append(ri.Methods, methodIndex{
				Name: m.Name, Verb: m.Verb, HTTPMethod: m.HTTPMethod, Path: m.Path, PathQuery: m.PathQuery, Server: m.Server,
				Params: m.Params, Body: m.Body, Response: m.Response, Columns: m.columns,
				Pagination: m.Pagination, LRO: m.LRO, Description: m.Description,
			})
		}
		for v, ms := range r.verbs {
			for _, m := range ms {
				ri.Verbs[v] = append(ri.Verbs[v], m.Name)
			}
		}
		si.Resources = append(si.Resources, ri)
	}
	return json.Marshal(si)
}

// decodeIndex rebuilds a service from its index. The result has no
// OpenAPI objects: Doc, Operation and the Schema fields are nil.
func decodeIndex(data []byte, file string, p *Provider) (*Service, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // parameter defaults keep their exact text
	var si serviceIndex
	if err := dec.Decode(&si); err != nil {
		return nil, err
	}
	if si.Format != indexFormat {
		return nil, fmt.Errorf("index format %q, want %q", si.Format, indexFormat)
	}
	s := &Service{Provider: p, File: file, Title: si.Title, Description: si.Description, Version: si.Version,
		baseURL: si.BaseURL, config: si.Config, resources: make(map[string]*Resource, len(si.Resources))}
	for _, ri := range si.Resources {
		r := &Resource{ID: ri.ID, Name: ri.Name, Title: ri.Title, Description: ri.Description, Service: s,
			config: ri.Config, methods: make(map[string]*Method, len(ri.Methods)), verbs: map[Verb][]*Method{}}
		for _, mi := range ri.Methods {
			r.methods[mi.Name] = &Method{
				Name: mi.Name, Resource: r, Verb: mi.Verb, HTTPMethod: mi.HTTPMethod, Path: mi.Path,
				PathQuery: mi.PathQuery, Server: mi.Server, Params: mi.Params, Body: mi.Body, Response: mi.Response,
				Pagination: mi.Pagination, LRO: mi.LRO, Description: mi.Description, columns: mi.Columns,
			}
		}
		for v, names := range ri.Verbs {
			for _, n := range names {
				m, ok := r.methods[n]
				if !ok {
					return nil, fmt.Errorf("index of %s: verb %s names unknown method %s", ri.ID, v, n)
				}
				r.verbs[v] = append(r.verbs[v], m)
			}
		}
		s.resources[r.Name] = r
	}
	return s, nil
}
