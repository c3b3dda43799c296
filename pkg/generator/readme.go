package generator

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// An Azure REST API spec folder holds one AutoRest configuration per SDK client,
// <folder>/resource-manager/readme.md. Its unconditional yaml block names the default
// tag, and the block conditioned on `$(tag) == '<tag>'` lists that tag's input files:
// the spec files, often of several API versions, that make up the service Azure's SDKs
// are generated from by default.

// readme is what one AutoRest readme says about its default tag.
type readme struct {
	folder string   // the spec folder below the readmes root (network, cosmos-db)
	tag    string   // the default tag
	files  []string // the default tag's input files, relative to the readme's folder
}

var (
	fencePattern = regexp.MustCompile("^```\\s*yaml\\s*(.*)$")
	tagCondition = regexp.MustCompile(`^\$\(tag\)\s*==\s*'([^']+)'$`)
	orPattern    = regexp.MustCompile(`\s*\|\|\s*`)
)

// readReadme reads the default tag and its input files from an AutoRest readme.
func readReadme(file, folder string) (*readme, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", file, err)
	}
	type block struct {
		condition string
		body      []byte
	}
	var blocks []block
	var current *block
	scanner := bufio.NewScanner(bytes.NewReader(data))
	scanner.Buffer(nil, 1<<20)
	for scanner.Scan() {
		line := scanner.Text()
		if current != nil {
			if strings.HasPrefix(strings.TrimSpace(line), "```") {
				blocks = append(blocks, *current)
				current = nil
				continue
			}
			current.body = append(append(current.body, line...), '\n')
			continue
		}
		if m := fencePattern.FindStringSubmatch(line); m != nil {
			current = &block{condition: strings.TrimSpace(m[1])}
		}
	}
	if err := scanner.Err(); err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", file, err)
	}
	r := &readme{folder: folder}
	// The unconditional block's tag; a readme that sets tags only under conditions
	// (machinelearning: one per SDK package) gets its first.
	for _, unconditional := range []bool{true, false} {
		for _, b := range blocks {
			if r.tag != "" || unconditional != (b.condition == "") {
				continue
			}
			var settings struct {
				Tag string `yaml:"tag"`
			}
			if err := yaml.Unmarshal(b.body, &settings); err == nil {
				r.tag = settings.Tag
			}
		}
	}
	if r.tag == "" {
		return nil, fmt.Errorf("%s names no default tag (`tag:` in a yaml block): list the service's specs in the config instead", file)
	}
	for _, b := range blocks {
		if !conditionSelects(b.condition, r.tag) {
			continue
		}
		var settings struct {
			InputFile any `yaml:"input-file"`
		}
		if err := yaml.Unmarshal(b.body, &settings); err != nil {
			return nil, fmt.Errorf("%s: the block of tag %s is not valid YAML: %w", file, r.tag, err)
		}
		switch files := settings.InputFile.(type) {
		case string:
			r.files = append(r.files, path.Clean(files))
		case []any:
			for _, f := range files {
				if s, ok := f.(string); ok {
					r.files = append(r.files, path.Clean(s))
				}
			}
		}
	}
	if len(r.files) == 0 {
		return nil, fmt.Errorf("%s: default tag %s lists no input files: list the service's specs in the config instead", file, r.tag)
	}
	r.files = slices.Compact(r.files)
	return r, nil
}

// conditionSelects reports whether a block's condition holds when only tag is set:
// `$(tag) == 'x'`, possibly one of several joined by ||, and nothing language-specific.
func conditionSelects(condition, tag string) bool {
	if condition == "" {
		return false
	}
	for _, part := range orPattern.Split(condition, -1) {
		if m := tagCondition.FindStringSubmatch(part); m != nil && m[1] == tag {
			return true
		}
	}
	return false
}

// readReadmes reads <root>/<folder>/resource-manager/readme.md for every folder, sorted
// by folder.
func readReadmes(root string) ([]*readme, error) {
	paths, err := filepath.Glob(filepath.Join(root, "*", "resource-manager", "readme.md"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no <folder>/resource-manager/readme.md under %s: point readmes: at a copy of azure-rest-api-specs' specification folder", root)
	}
	slices.Sort(paths)
	var readmes []*readme
	var errs []string
	for _, p := range paths {
		folder := filepath.Base(filepath.Dir(filepath.Dir(p)))
		r, err := readReadme(p, folder)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		readmes = append(readmes, r)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return readmes, nil
}

// addReadmeServices adds a service for every readme under c.Readmes that no services
// entry claims, and fills in the specs of entries that name a readme. A service entry
// claims the spec folder its first spec lies in, or the folder it names with readme:.
func (c *Config) addReadmeServices() error {
	root := filepath.Join(c.dir, c.Readmes)
	readmes, err := readReadmes(root)
	if err != nil {
		return err
	}
	byFolder := map[string]*readme{}
	primaries := map[string]int{} // primary namespace -> how many readmes have it
	for _, r := range readmes {
		byFolder[r.folder] = r
		if ns := r.primaryNamespace(); ns != "" {
			primaries[ns]++
		}
	}
	for _, list := range []struct {
		key     string
		folders map[string]string
	}{{"names", c.Names}, {"exclude", c.Exclude}} {
		for _, folder := range sortedKeys(list.folders) {
			if byFolder[folder] == nil {
				return fmt.Errorf("%s: lists %q, which is not a spec folder with a resource-manager/readme.md under %s", list.key, folder, root)
			}
		}
	}
	for folder, reason := range c.Exclude {
		if strings.TrimSpace(reason) == "" {
			return fmt.Errorf("exclude: %s gives no reason: say why the service is left out", folder)
		}
	}
	claimed := map[string]bool{}
	for i := range c.Services {
		s := &c.Services[i]
		if s.Readme == "" {
			if len(s.Specs) > 0 {
				if rel, err := filepath.Rel(root, filepath.Join(c.dir, s.Specs[0])); err == nil && !strings.HasPrefix(rel, "..") {
					claimed[strings.Split(filepath.ToSlash(rel), "/")[0]] = true
				}
			}
			continue
		}
		r := byFolder[s.Readme]
		if r == nil {
			return fmt.Errorf("services[%d]: readme %q is not a spec folder with a resource-manager/readme.md under %s", i, s.Readme, root)
		}
		if len(s.Specs) > 0 {
			return fmt.Errorf("services[%d] names both readme %q and specs: a readme's service is its default tag's files; drop one", i, s.Readme)
		}
		claimed[r.folder] = true
		s.Specs = r.specPaths(c.Readmes)
		if s.Name == "" {
			s.Name = r.serviceName(c.Names, primaries)
		}
	}
	for _, r := range readmes {
		if _, excluded := c.Exclude[r.folder]; !claimed[r.folder] && !excluded {
			c.Services = append(c.Services, ServiceConfig{Name: r.serviceName(c.Names, primaries), Specs: r.specPaths(c.Readmes)})
		}
	}
	return nil
}

// specPaths are the readme's input files relative to the config's folder.
func (r *readme) specPaths(readmesDir string) []string {
	paths := make([]string, len(r.files))
	for i, f := range r.files {
		paths[i] = filepath.Join(readmesDir, r.folder, "resource-manager", filepath.FromSlash(f))
	}
	return paths
}

// primaryNamespace is the Microsoft.* resource provider namespace most of the readme's
// input files lie in ("" when none does).
func (r *readme) primaryNamespace() string {
	counts := map[string]int{}
	for _, f := range r.files {
		for _, part := range strings.Split(f, "/") {
			if namespacePattern.MatchString(part) {
				counts[part]++
				break
			}
		}
	}
	best := ""
	for _, ns := range sortedKeys(counts) {
		if best == "" || counts[ns] > counts[best] {
			best = ns
		}
	}
	return best
}

// serviceName names a readme's service: the config's name for its folder, else its
// resource provider namespace in snake_case (Microsoft.KeyVault -> key_vault) when no
// other readme shares that namespace, else its folder (dns, cosmos-db -> cosmos_db).
func (r *readme) serviceName(names map[string]string, primaries map[string]int) string {
	if name, ok := names[r.folder]; ok {
		return name
	}
	if ns := r.primaryNamespace(); ns != "" && primaries[ns] == 1 {
		return namespaceSnakeCase(namespacePattern.FindStringSubmatch(ns)[1])
	}
	return snakeCase(r.folder)
}

// brandWords are spelled with mixed case inside namespaces; each is one word
// (Microsoft.DBforMySQL -> db_for_mysql, Microsoft.IoTCentral -> iot_central), where
// splitting at case changes alone gives d_bfor_my_sql and io_t_central. Longer words
// come first, so that MariaDB is not read as Maria and DB.
var brandWords = []string{"PostgreSQL", "HDInsight", "MariaDB", "SignalR", "vSphere", "VMware", "DevOps", "NetApp", "MySQL", "IoT", "DB", "BI"}

// namespaceSnakeCase is snakeCase that keeps brandWords whole.
func namespaceSnakeCase(s string) string {
	for _, w := range brandWords {
		s = strings.ReplaceAll(s, w, "_"+strings.ToLower(w)+"_")
	}
	return snakeCase(s)
}
