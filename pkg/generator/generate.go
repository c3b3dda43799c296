// Package generator turns Swagger 2.0 or OpenAPI 3 specs into skyql provider documents:
// a registry source tree <provider>/<version>/provider.yaml and services/<service>.yaml
// (the format of docs/architecture.md). Output is byte-identical for the same input.
//
// Each spec is made self-contained first: $refs into other files (Azure's common-types)
// become components of the service document, x-ms-examples are dropped (example files
// need not exist), x-ms-paths join paths, and api-version gets the spec's version as
// default. Swagger 2.0 is then converted with kin-openapi's openapi2conv.
//
// Naming (Azure conventions): a service is the snake_case resource provider namespace of
// its spec's folder (Microsoft.DataProtection -> data_protection) unless the config names
// it (see readme.go for services found through readmes); a resource is the snake_case
// operationId part before "_" (BackupInstances_Get -> backup_instances); methods keep
// their operationId.
// See azureConventions for the SQL verbs.
package generator

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
)

// Result is what Generate built. A bad service does not stop the others: Files holds
// every document that could be built, Problems says what went wrong with the rest.
type Result struct {
	Provider string
	Version  string
	// Files maps paths relative to the source tree root
	// ("azure/v0.1.0/services/compute.yaml") to their content.
	Files    map[string][]byte
	Services []string // services built, sorted
	// Counts holds what each service built has.
	Counts   map[string]Counts
	Problems []*ServiceError
	// Reports say what each service built was made of, in Services' order.
	Reports []*ServiceReport
}

// Counts are the resources and methods of a service, or of a provider.
type Counts struct {
	Resources, Methods int
}

// Total adds up the counts of every service built.
func (r *Result) Total() Counts {
	var total Counts
	for _, c := range r.Counts {
		total.Resources += c.Resources
		total.Methods += c.Methods
	}
	return total
}

// ServiceError lists everything wrong with one service's specs.
type ServiceError struct {
	Service  string
	Problems []error
}

func (e *ServiceError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = "  " + p.Error()
	}
	return fmt.Sprintf("service %s was not generated:\n%s", e.Service, strings.Join(lines, "\n"))
}

// Err returns nil when every service was built, else all problems in one error.
func (r *Result) Err() error {
	errs := make([]error, len(r.Problems))
	for i, p := range r.Problems {
		errs[i] = p
	}
	return errors.Join(errs...)
}

// Generate builds every service of cfg, in parallel, and the provider.yaml that lists
// the services that could be built.
func Generate(cfg *Config) *Result {
	type built struct {
		doc  []byte
		meta serviceMeta
		err  *ServiceError
	}
	results := make([]built, len(cfg.Services))
	var wg sync.WaitGroup
	// One service per core at a time: a service's trees take far more memory than
	// its document, and more at once would not finish sooner.
	slots := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i := range cfg.Services {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			doc, meta, problems := buildService(cfg, &cfg.Services[i])
			if len(problems) > 0 {
				results[i].err = &ServiceError{Service: cfg.Services[i].Name, Problems: problems}
				return
			}
			results[i].doc, results[i].meta = doc, meta
		})
	}
	wg.Wait()

	res := &Result{Provider: cfg.Provider, Version: cfg.Version, Files: map[string][]byte{}, Counts: map[string]Counts{}}
	var metas []serviceMeta
	for i, b := range results {
		if b.err != nil {
			res.Problems = append(res.Problems, b.err)
			continue
		}
		name := cfg.Services[i].Name
		res.Files[cfg.Provider+"/"+cfg.Version+"/services/"+name+".yaml"] = b.doc
		res.Services = append(res.Services, name)
		res.Counts[name] = b.meta.counts
		metas = append(metas, b.meta)
	}
	slices.Sort(res.Services)
	slices.SortFunc(metas, func(a, b serviceMeta) int { return strings.Compare(a.name, b.name) })
	for _, m := range metas {
		res.Reports = append(res.Reports, m.report)
	}
	providerDoc, err := providerDocument(cfg, metas)
	if err != nil {
		res.Problems = append(res.Problems, &ServiceError{Service: "(provider.yaml)", Problems: []error{err}})
	} else {
		res.Files[cfg.Provider+"/"+cfg.Version+"/provider.yaml"] = providerDoc
	}
	return res
}

// Write puts the files under root (the source tree root, e.g. registry/src). When every
// service was built, service documents of this provider version that are no longer
// generated are removed, so the tree matches the config exactly.
func (r *Result) Write(root string) error {
	for _, rel := range sortedKeys(r.Files) {
		path := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, r.Files[rel], 0o644); err != nil {
			return err
		}
	}
	if len(r.Problems) > 0 {
		return nil
	}
	servicesDir := filepath.Join(root, r.Provider, r.Version, "services")
	entries, err := os.ReadDir(servicesDir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		rel := r.Provider + "/" + r.Version + "/services/" + e.Name()
		if _, generated := r.Files[rel]; !generated && strings.HasSuffix(e.Name(), ".yaml") {
			if err := os.Remove(filepath.Join(servicesDir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

// serviceMeta is what provider.yaml says about a service.
type serviceMeta struct {
	name, title, description string
	// auth is the provider auth config inferred from the service's securitySchemes.
	auth   map[string]any
	report *ServiceReport
	counts Counts
}

func providerDocument(cfg *Config, services []serviceMeta) ([]byte, error) {
	entries := map[string]any{}
	for _, s := range services {
		entry := map[string]any{
			"id":        s.name + ":" + cfg.Version,
			"name":      s.name,
			"title":     s.title,
			"version":   cfg.Version,
			"preferred": true,
			"service":   map[string]any{"$ref": cfg.Provider + "/" + cfg.Version + "/services/" + s.name + ".yaml"},
		}
		if s.description != "" {
			entry["description"] = s.description
		}
		entries[s.name] = entry
	}
	doc := map[string]any{
		"id":               cfg.Provider,
		"name":             cfg.Provider,
		"version":          cfg.Version,
		"providerServices": entries,
	}
	if cfg.Title != "" {
		doc["title"] = cfg.Title
	}
	if cfg.Description != "" {
		doc["description"] = cfg.Description
	}
	providerConfig := map[string]any{}
	for k, v := range cfg.ProviderConfig {
		providerConfig[k] = v
	}
	if _, set := providerConfig["auth"]; !set {
		// The config's auth wins; otherwise the first service (by name) whose
		// securitySchemes gave one.
		sorted := slices.Clone(services)
		slices.SortFunc(sorted, func(a, b serviceMeta) int { return strings.Compare(a.name, b.name) })
		for _, s := range sorted {
			if s.auth != nil {
				providerConfig["auth"] = s.auth
				break
			}
		}
	}
	if len(providerConfig) > 0 {
		generic, err := toGeneric(providerConfig)
		if err != nil {
			return nil, fmt.Errorf("provider config: %w", err)
		}
		doc["config"] = generic
	}
	// JSON, which is YAML too, and which skyql reads far faster than YAML: every
	// statement on the provider reads this file first (see provider.LoadFS).
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// buildService reads, merges and converts the specs of one service and adds the
// x-stackQL-resources section.
func buildService(cfg *Config, sc *ServiceConfig) ([]byte, serviceMeta, []error) {
	var problems []error
	var merged *merger
	azure := cfg.Conventions == conventionsAzure
	for _, specPath := range sc.Specs {
		tree, family, errs := loadSpec(specPath)
		problems = append(problems, errs...)
		if tree == nil {
			continue
		}
		if merged == nil {
			merged = newMerger(family)
		} else if family != merged.family {
			problems = append(problems, fmt.Errorf("%s: cannot merge a Swagger 2.0 and an OpenAPI 3 spec into service %s: convert one first or make two services", specPath, sc.Name))
			continue
		}
		if cfg.Conventions == conventionsAuto && (family == swagger2 || looksLikeAzure(tree)) {
			azure = true
		}
		// Azure names resources after operationIds, so each needs one.
		if azure {
			problems = append(problems, checkOperationIDs(tree, specPath)...)
		}
		merged.add(tree, specPath)
	}
	if merged != nil {
		problems = append(problems, merged.problems...)
	}
	if len(problems) > 0 {
		return nil, serviceMeta{}, problems
	}
	family := merged.family
	tree := merged.tree()
	sanitizeComponentNames(tree, family)

	doc, err := convert(tree, family)
	if err != nil {
		return nil, serviceMeta{}, []error{fmt.Errorf("%s: %w", strings.Join(sc.Specs, ", "), err)}
	}
	if cfg.Server != "" {
		doc.Servers = openapi3.Servers{{URL: cfg.Server}}
	}
	var conv conventions = azureConventions{}
	var auth map[string]any
	if !azure {
		conv = newOpenAPIConventions(doc)
		auth = inferAuth(doc, cfg.Provider)
	}
	report := &ServiceReport{Service: sc.Name, Specs: sc.Specs}
	resources, errs := buildResources(cfg, sc, doc, conv, report)
	if len(errs) > 0 {
		return nil, serviceMeta{}, errs
	}
	generic, err := toGeneric(doc)
	if err != nil {
		return nil, serviceMeta{}, []error{fmt.Errorf("service %s: %w", sc.Name, err)}
	}
	top := generic.(map[string]any)
	components, _ := top["components"].(map[string]any)
	if components == nil {
		components = map[string]any{}
		top["components"] = components
	}
	components["x-stackQL-resources"] = resources
	out, err := marshalYAML(top, "openapi", "info", "servers", "security", "tags", "paths", "components")
	if err != nil {
		return nil, serviceMeta{}, []error{fmt.Errorf("service %s: %w", sc.Name, err)}
	}
	meta := serviceMeta{name: sc.Name, title: sc.Title, description: sc.Description, auth: auth, report: report, counts: Counts{Resources: len(resources)}}
	for _, r := range resources {
		meta.counts.Methods += len(r.(map[string]any)["methods"].(map[string]any))
	}
	if meta.title == "" && doc.Info != nil {
		meta.title = doc.Info.Title
	}
	if meta.description == "" && doc.Info != nil {
		// provider.yaml's description is what SHOW SERVICES prints in a cell.
		meta.description = summarize(doc.Info.Description, doc.Info.Title)
	}
	return out, meta, nil
}

// loadSpec reads one spec and makes it self-contained. A nil tree means it is unusable;
// with a tree, the problems are $refs that could not be followed.
func loadSpec(path string) (map[string]any, specFamily, []error) {
	tree, err := readTree(path)
	if err != nil {
		return nil, 0, []error{err}
	}
	var family specFamily
	switch {
	case tree["swagger"] == "2.0":
		family = swagger2
	case strings.HasPrefix(fmt.Sprint(tree["openapi"]), "3."):
		family = openAPI3
	default:
		return nil, 0, []error{fmt.Errorf("%s is neither Swagger 2.0 (swagger: \"2.0\") nor OpenAPI 3 (openapi: 3.x)", path)}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, 0, []error{err}
	}
	if family == swagger2 {
		movePathsWithQuery(tree)
	}
	problems := newInternalizer(abs, tree, family).run()
	if info, ok := tree["info"].(map[string]any); ok {
		if version, ok := info["version"].(string); ok && version != "" {
			setAPIVersionDefault(tree, version, family)
		}
	}
	return tree, family, problems
}

// movePathsWithQuery merges Azure's x-ms-paths (path keys with a literal query string,
// which Swagger 2.0 forbids) into paths; provider documents allow such keys.
func movePathsWithQuery(tree map[string]any) {
	extra, ok := tree["x-ms-paths"].(map[string]any)
	if !ok {
		return
	}
	paths, _ := tree["paths"].(map[string]any)
	if paths == nil {
		paths = map[string]any{}
		tree["paths"] = paths
	}
	for k, v := range extra {
		if !isNextPageOperation(k) {
			paths[k] = v
		}
	}
	delete(tree, "x-ms-paths")
}

// isNextPageOperation tells the x-ms-paths entries that are no API path but AutoRest's
// name for fetching the next page of a pageable operation ("{nextLink}?op=..."):
// skyql follows nextLink itself, so they are left out.
func isNextPageOperation(path string) bool {
	return !strings.HasPrefix(path, "/")
}

// setAPIVersionDefault gives every api-version query parameter the spec's version as
// default, so that queries never have to pass it. The parameter stays required.
func setAPIVersionDefault(node any, version string, family specFamily) {
	switch val := node.(type) {
	case map[string]any:
		if val["name"] == "api-version" && val["in"] == "query" {
			if family == swagger2 {
				val["default"] = version
			} else if schema, ok := val["schema"].(map[string]any); ok {
				schema["default"] = version
			} else {
				val["schema"] = map[string]any{"type": "string", "default": version}
			}
			return
		}
		for _, v := range val {
			setAPIVersionDefault(v, version, family)
		}
	case []any:
		for _, v := range val {
			setAPIVersionDefault(v, version, family)
		}
	}
}

// checkOperationIDs reports operations without an operationId.
func checkOperationIDs(tree map[string]any, file string) []error {
	var problems []error
	paths, _ := tree["paths"].(map[string]any)
	for _, path := range sortedKeys(paths) {
		item, _ := paths[path].(map[string]any)
		for _, method := range httpMethods {
			if op, ok := item[method].(map[string]any); ok && op["operationId"] == nil {
				problems = append(problems, fmt.Errorf("%s: operation %s %s has no operationId: add one named <Resource>_<Action>, e.g. Widgets_Get", file, strings.ToUpper(method), path))
			}
		}
	}
	return problems
}

// convert turns the self-contained spec into an OpenAPI 3 document with refs resolved.
func convert(tree map[string]any, family specFamily) (*openapi3.T, error) {
	data, err := json.Marshal(tree)
	if err != nil {
		return nil, err
	}
	if family == openAPI3 {
		doc, err := openapi3.NewLoader().LoadFromData(data)
		if err != nil {
			return nil, fmt.Errorf("cannot load OpenAPI 3 document: %w", err)
		}
		return doc, nil
	}
	var doc2 openapi2.T
	if err := json.Unmarshal(data, &doc2); err != nil {
		return nil, fmt.Errorf("cannot read Swagger 2.0 document: %w", err)
	}
	doc, err := openapi2conv.ToV3(&doc2)
	if err != nil {
		return nil, fmt.Errorf("cannot convert Swagger 2.0 to OpenAPI 3: %w", err)
	}
	return doc, nil
}
