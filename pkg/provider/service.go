package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

// Service is one parsed service document.
type Service struct {
	Provider    *Provider // nil for a document loaded on its own
	Name        string
	Title       string
	Description string
	Version     string
	// Doc is the whole OpenAPI document, references resolved; nil when the
	// service was loaded from its index (see Full).
	Doc *openapi3.T
	// File is where the document was read from, for messages.
	File string

	baseURL   string
	config    Config
	resources map[string]*Resource
	// warnings are what the document gets wrong that queries survive;
	// found by parsing, so a service loaded from its index has none.
	warnings []error

	// parseFull parses the document of a service loaded from its index.
	parseFull func() (*Service, error)
	fullOnce  sync.Once
	full      *Service
	fullErr   error
}

type resourceDoc struct {
	ID          string               `json:"id"`
	Name        string               `json:"name"`
	Title       string               `json:"title"`
	Description string               `json:"description"`
	Methods     map[string]methodDoc `json:"methods"`
	SQLVerbs    map[string][]refDoc  `json:"sqlVerbs"`
	Config      *Config              `json:"config"`
}

type methodDoc struct {
	Operation refDoc `json:"operation"`
	Response  struct {
		MediaType      string     `json:"mediaType"`
		OpenAPIDocKey  string     `json:"openAPIDocKey"`
		ObjectKey      string     `json:"objectKey"`
		Transform      *Transform `json:"transform"`
		SchemaOverride *refDoc    `json:"schema_override"`
	} `json:"response"`
	Request *struct {
		MediaType    string     `json:"mediaType"`
		NativeCasing string     `json:"nativeCasing"`
		Base         string     `json:"base"`
		Transform    *Transform `json:"transform"`
	} `json:"request"`
	Config *Config `json:"config"`
}

type refDoc struct {
	Ref string `json:"$ref"`
}

const resourcesKey = "x-stackQL-resources"

// parseService parses a service document; name is the service's name, which
// resource ids default to (<provider>.<service>.<resource>).
func parseService(data []byte, file, name string, p *Provider) (*Service, error) {
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, &DocumentError{File: file, Msg: "not a valid OpenAPI 3 document: " + err.Error()}
	}
	if doc.Paths == nil {
		return nil, &DocumentError{File: file, Path: "paths", Msg: "missing: a service document needs paths"}
	}
	s := &Service{Provider: p, Name: name, Doc: doc, File: file, baseURL: baseURL(doc), resources: map[string]*Resource{}}
	if doc.Info != nil {
		s.Title, s.Description, s.Version = doc.Info.Title, doc.Info.Description, doc.Info.Version
	}
	if err := decodeExtension(doc.Extensions, "x-stackQL-config", &s.config); err != nil {
		return nil, &DocumentError{File: file, Path: "x-stackQL-config", Msg: err.Error()}
	}
	var docs map[string]resourceDoc
	if doc.Components != nil {
		if err := decodeExtension(doc.Components.Extensions, resourcesKey, &docs); err != nil {
			return nil, &DocumentError{File: file, Path: "components." + resourcesKey, Msg: err.Error()}
		}
	}
	for key, rd := range docs {
		r, err := s.buildResource(key, rd)
		if err != nil {
			return nil, err
		}
		s.resources[r.Name] = r
	}
	return s, nil
}

// decodeExtension copies an OpenAPI extension value into a typed struct.
func decodeExtension(exts map[string]any, key string, into any) error {
	raw, ok := exts[key]
	if !ok || raw == nil {
		return nil
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, into); err != nil {
		return fmt.Errorf("malformed: %v", err)
	}
	return nil
}

// Warnings lists what the document gets wrong without being refused (see
// Service.warnings); empty for a service loaded from its index.
func (s *Service) Warnings() []error { return s.warnings }

// BaseURL is the document's first server URL with variables at their defaults.
func (s *Service) BaseURL() string { return s.baseURL }

func baseURL(doc *openapi3.T) string {
	if len(doc.Servers) == 0 {
		return ""
	}
	srv := doc.Servers[0]
	u := srv.URL
	for name, v := range srv.Variables {
		u = strings.ReplaceAll(u, "{"+name+"}", v.Default)
	}
	return u
}

// Full returns the service with its OpenAPI objects (Doc, operations,
// schemas): the service itself when it was parsed from its document, else
// the document parsed now, once. Its resources are other values than s's.
func (s *Service) Full() (*Service, error) {
	if s.Doc != nil {
		return s, nil
	}
	s.fullOnce.Do(func() {
		if s.parseFull == nil {
			s.fullErr = fmt.Errorf("service %s has no document to parse", s.qualifiedName())
			return
		}
		s.full, s.fullErr = s.parseFull()
	})
	return s.full, s.fullErr
}

// ResourceNames lists the service's resources, sorted.
func (s *Service) ResourceNames() []string {
	names := slices.Sorted(maps.Keys(s.resources))
	return names
}

// Resource returns the named resource.
func (s *Service) Resource(name string) (*Resource, error) {
	if r, ok := s.resources[name]; ok {
		return r, nil
	}
	prefix := s.qualifiedName() + "."
	return nil, &NotFoundError{Kind: "resource", Name: prefix + name,
		Suggestion: suggestQualified(prefix, name, s.ResourceNames())}
}

func (s *Service) qualifiedName() string {
	if s.Provider != nil {
		return s.Provider.Name + "." + s.Name
	}
	return s.Name
}

// Validate runs kin-openapi's document validation, with the checks that
// published provider documents are known to fail for harmless reasons
// (examples, defaults, patterns) turned off.
func (s *Service) Validate(ctx context.Context) error {
	full, err := s.Full()
	if err != nil {
		return err
	}
	opts := []openapi3.ValidationOption{
		openapi3.DisableExamplesValidation(),
		openapi3.DisableSchemaDefaultsValidation(),
		openapi3.DisableSchemaPatternValidation(),
		openapi3.DisableSchemaFormatValidation(),
	}
	// Paths that differ only in their parameters' names are legal here: Azure's
	// Authorization has GET /{roleAssignmentId} and GET /{denyAssignmentId}, each a
	// full resource id. Every method names its own path, so no URL is ever matched
	// against the templates; such twins are validated one by one instead.
	doc := *full.Doc
	doc.Servers = requiredVariablesFilled(doc.Servers)
	doc.Paths = openapi3.NewPaths()
	var twins []*openapi3.PathItem
	shapes := map[string]bool{}
	for _, key := range slices.Sorted(maps.Keys(full.Doc.Paths.Map())) {
		item := full.Doc.Paths.Value(key)
		shape := pathParamPattern.ReplaceAllString(key, "{}")
		if shapes[shape] {
			twins = append(twins, item)
			continue
		}
		shapes[shape] = true
		doc.Paths.Set(key, item)
	}
	err = doc.Validate(ctx, opts...)
	for _, item := range twins {
		if err == nil {
			err = item.Validate(openapi3.WithValidationOptions(ctx, opts...))
		}
	}
	if err != nil {
		return &DocumentError{File: s.File, Msg: err.Error()}
	}
	return nil
}

var pathParamPattern = regexp.MustCompile(`\{[^}]*\}`)

func (s *Service) buildResource(key string, rd resourceDoc) (*Resource, error) {
	name := rd.Name
	if name == "" {
		name = key
	}
	r := &Resource{
		ID: rd.ID, Name: name, Title: rd.Title, Description: rd.Description,
		Service: s, methods: map[string]*Method{}, verbs: map[Verb][]*Method{},
	}
	if r.ID == "" {
		r.ID = s.qualifiedName() + "." + name
	}
	if rd.Config != nil {
		r.config = *rd.Config
	}
	where := "components." + resourcesKey + "." + key
	for mname, md := range rd.Methods {
		m, err := s.buildMethod(r, mname, md, where+".methods."+mname)
		if err != nil {
			return nil, err
		}
		r.methods[mname] = m
	}
	for _, v := range verbOrder {
		for i, ref := range rd.SQLVerbs[string(v)] {
			mname, err := methodRefName(ref.Ref, key)
			if err == nil && r.methods[mname] == nil {
				err = fmt.Errorf("no method %q in this resource", mname)
			}
			if err != nil {
				return nil, &DocumentError{File: s.File, Path: fmt.Sprintf("%s.sqlVerbs.%s[%d].$ref", where, v, i), Msg: err.Error()}
			}
			m := r.methods[mname]
			r.verbs[v] = append(r.verbs[v], m)
			if m.Verb == "" {
				m.Verb = v
			}
		}
	}
	for _, m := range r.methods {
		if m.Verb == "" {
			m.Verb = VerbExec
		}
	}
	return r, nil
}

// methodRefName extracts the method name from
// "#/components/x-stackQL-resources/<resource>/methods/<method>".
func methodRefName(ref, resource string) (string, error) {
	prefix := "#/components/" + resourcesKey + "/"
	rest, ok := strings.CutPrefix(ref, prefix)
	if !ok {
		return "", fmt.Errorf("%q does not point into %s", ref, prefix)
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 3 || parts[1] != "methods" {
		return "", fmt.Errorf("%q is not of the form %s<resource>/methods/<method>", ref, prefix)
	}
	if unescapePointer(parts[0]) != resource {
		return "", fmt.Errorf("%q points at another resource", ref)
	}
	return unescapePointer(parts[2]), nil
}

// operationRef resolves "#/paths/<escaped path>/<verb>" to its operation.
func (s *Service) operationRef(ref string) (pathKey, httpMethod string, item *openapi3.PathItem, op *openapi3.Operation, err error) {
	rest, ok := strings.CutPrefix(ref, "#/paths/")
	if !ok {
		return "", "", nil, nil, fmt.Errorf("%q does not point into #/paths/", ref)
	}
	i := strings.LastIndex(rest, "/")
	if i < 0 {
		return "", "", nil, nil, fmt.Errorf("%q names no HTTP method", ref)
	}
	pathKey, httpMethod = unescapePointer(rest[:i]), strings.ToUpper(rest[i+1:])
	item = s.Doc.Paths.Value(pathKey)
	if item == nil {
		return "", "", nil, nil, fmt.Errorf("no path %q in the document", pathKey)
	}
	op = item.GetOperation(httpMethod)
	if op == nil {
		return "", "", nil, nil, fmt.Errorf("path %q has no %s operation", pathKey, httpMethod)
	}
	return pathKey, httpMethod, item, op, nil
}

func unescapePointer(s string) string {
	s = strings.ReplaceAll(s, "~1", "/")
	s = strings.ReplaceAll(s, "~0", "~")
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}
