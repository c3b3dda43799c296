package generator

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// specFamily tells where a document keeps its reusable components.
type specFamily int

const (
	swagger2 specFamily = iota
	openAPI3
)

// componentSections are the places a $ref may point at that become named components of
// the root document when the target lives in another file.
var componentSections = map[specFamily][][]string{
	swagger2: {{"definitions"}, {"parameters"}, {"responses"}},
	openAPI3: {
		{"components", "schemas"}, {"components", "parameters"}, {"components", "responses"},
		{"components", "requestBodies"}, {"components", "headers"}, {"components", "examples"},
		{"components", "links"}, {"components", "callbacks"}, {"components", "securitySchemes"},
	},
}

// refProblem is one $ref that could not be followed.
type refProblem struct {
	File    string // the file holding the $ref
	Pointer string // where in that file (JSON pointer)
	Ref     string
	Reason  string
}

func (p refProblem) Error() string {
	return fmt.Sprintf("%s: $ref %q at %s: %s", p.File, p.Ref, p.Pointer, p.Reason)
}

// internalizer makes one spec self-contained: every $ref into another file is replaced
// by a $ref to a component copied into the root document (or, for a pointer that is not a
// whole component, by a copy of the target). x-ms-examples are dropped on the way, so
// example files need not exist.
type internalizer struct {
	family   specFamily
	rootFile string
	root     map[string]any
	files    map[string]map[string]any // parsed documents by absolute path
	names    map[string]string         // "<file>#<pointer>" -> local $ref
	added    map[string]map[string]any // section ("definitions", "components/schemas") -> name -> value
	inlining []string                  // targets being inlined, to stop cycles
	problems []error
}

func newInternalizer(rootFile string, root map[string]any, family specFamily) *internalizer {
	return &internalizer{
		family:   family,
		rootFile: rootFile,
		root:     root,
		files:    map[string]map[string]any{rootFile: root},
		names:    map[string]string{},
		added:    map[string]map[string]any{},
	}
}

// run rewrites the root document in place and returns every problem met.
func (in *internalizer) run() []error {
	for _, k := range sortedKeys(in.root) {
		in.root[k] = in.rewrite(in.root[k], in.rootFile, "/"+escapePointer(k))
	}
	for _, section := range sortedKeys(in.added) {
		target := in.root
		for _, part := range strings.Split(section, "/") {
			next, _ := target[part].(map[string]any)
			if next == nil {
				next = map[string]any{}
				target[part] = next
			}
			target = next
		}
		for name, value := range in.added[section] {
			target[name] = value
		}
	}
	return in.problems
}

// rewrite returns node with its $refs made local to the root document. file is the
// document node comes from; at is its JSON pointer there, for messages.
func (in *internalizer) rewrite(node any, file, at string) any {
	switch val := node.(type) {
	case map[string]any:
		delete(val, "x-ms-examples")
		if ref, ok := val["$ref"].(string); ok {
			replacement := in.follow(ref, file, at+"/$ref")
			if replacementMap, isRef := replacement.(map[string]any); isRef && len(val) > 1 {
				// keep sibling keys (description, readOnly...) next to the rewritten $ref
				if _, stillRef := replacementMap["$ref"]; stillRef {
					out := map[string]any{}
					for k, v := range val {
						out[k] = v
					}
					out["$ref"] = replacementMap["$ref"]
					return out
				}
			}
			return replacement
		}
		for _, k := range sortedKeys(val) {
			val[k] = in.rewrite(val[k], file, at+"/"+escapePointer(k))
		}
		return val
	case []any:
		for i := range val {
			val[i] = in.rewrite(val[i], file, fmt.Sprintf("%s/%d", at, i))
		}
		return val
	}
	return node
}

// follow resolves one $ref found in file, returning the node to put in its place.
func (in *internalizer) follow(ref, file, at string) any {
	filePart, fragment, _ := strings.Cut(ref, "#")
	target := file
	if filePart != "" {
		if strings.Contains(filePart, "://") {
			in.problems = append(in.problems, refProblem{in.rel(file), at, ref, "remote references are not supported: copy the file next to the spec and refer to it by a relative path"})
			return map[string]any{"$ref": ref}
		}
		target = filepath.Clean(filepath.Join(filepath.Dir(file), filepath.FromSlash(filePart)))
	}
	if target == in.rootFile {
		if _, err := lookupPointer(in.root, fragment); err != nil {
			in.problems = append(in.problems, refProblem{in.rel(file), at, ref, err.Error()})
		}
		return map[string]any{"$ref": "#" + fragment}
	}
	key := target + "#" + fragment
	if local, ok := in.names[key]; ok {
		return map[string]any{"$ref": local}
	}
	doc, err := in.load(target)
	if err != nil {
		in.problems = append(in.problems, refProblem{in.rel(file), at, ref, err.Error()})
		return map[string]any{"$ref": ref}
	}
	value, err := lookupPointer(doc, fragment)
	if err != nil {
		in.problems = append(in.problems, refProblem{in.rel(file), at, ref, fmt.Sprintf("%s (in %s)", err, in.rel(target))})
		return map[string]any{"$ref": ref}
	}
	parts := splitPointer(fragment)
	if section, name, ok := in.componentOf(parts); ok {
		localName := in.chooseName(section, name, target)
		local := "#/" + section + "/" + escapePointer(localName)
		in.names[key] = local
		in.added[section][localName] = in.rewrite(deepCopy(value), target, fragment)
		return map[string]any{"$ref": local}
	}
	// Not a whole component (e.g. #/definitions/A/properties/b): inline a copy.
	if slices.Contains(in.inlining, key) {
		in.problems = append(in.problems, refProblem{in.rel(file), at, ref, "the reference refers to itself through other references and cannot be inlined"})
		return map[string]any{}
	}
	in.inlining = append(in.inlining, key)
	defer func() { in.inlining = in.inlining[:len(in.inlining)-1] }()
	return in.rewrite(deepCopy(value), target, fragment)
}

// componentOf reports whether a pointer names a whole component ("definitions/X").
func (in *internalizer) componentOf(parts []string) (section, name string, ok bool) {
	for _, sec := range componentSections[in.family] {
		if len(parts) == len(sec)+1 && slices.Equal(parts[:len(sec)], sec) {
			return strings.Join(sec, "/"), parts[len(sec)], true
		}
	}
	return "", "", false
}

var nameUnsafe = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// chooseName keeps the component's own name unless the root document already uses it;
// then the source file's folder and name are put in front (v1_types_ErrorResponse).
func (in *internalizer) chooseName(section, name, file string) string {
	if in.added[section] == nil {
		in.added[section] = map[string]any{}
	}
	taken := func(n string) bool {
		if _, ok := in.added[section][n]; ok {
			return true
		}
		existing, _ := lookupPointer(in.root, "/"+section+"/"+escapePointer(n))
		return existing != nil
	}
	candidate := name
	if taken(candidate) {
		stem := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
		prefix := nameUnsafe.ReplaceAllString(filepath.Base(filepath.Dir(file))+"_"+stem, "_")
		candidate = prefix + "_" + name
		for i := 2; taken(candidate); i++ {
			candidate = fmt.Sprintf("%s_%s_%d", prefix, name, i)
		}
	}
	in.added[section][candidate] = nil // reserved until the copy is ready (cycles)
	return candidate
}

func (in *internalizer) load(path string) (map[string]any, error) {
	if doc, ok := in.files[path]; ok {
		return doc, nil
	}
	doc, err := readTree(path)
	if err != nil {
		return nil, err
	}
	in.files[path] = doc
	return doc, nil
}

// rel shortens a path for messages: relative to the working directory when possible.
func (in *internalizer) rel(path string) string {
	if wd, err := os.Getwd(); err == nil {
		if r, err := filepath.Rel(wd, path); err == nil {
			return r
		}
	}
	return path
}

// readTree parses a JSON or YAML file into maps and slices (JSON numbers kept exact).
func readTree(path string) (map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	var tree any
	if ext := strings.ToLower(filepath.Ext(path)); ext == ".yaml" || ext == ".yml" {
		if err := yaml.Unmarshal(data, &tree); err != nil {
			return nil, fmt.Errorf("%s is not valid YAML: %w", path, err)
		}
		if tree, err = toGeneric(stringKeys(tree)); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	} else if tree, err = decodeJSON(data); err != nil {
		return nil, fmt.Errorf("%s is not valid JSON: %w", path, err)
	}
	doc, ok := tree.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s does not hold a JSON/YAML object at the top", path)
	}
	return doc, nil
}

func lookupPointer(doc map[string]any, pointer string) (any, error) {
	var cursor any = doc
	walked := ""
	for _, part := range splitPointer(pointer) {
		walked += "/" + escapePointer(part)
		switch c := cursor.(type) {
		case map[string]any:
			next, ok := c[part]
			if !ok {
				return nil, fmt.Errorf("nothing at #%s", walked)
			}
			cursor = next
		case []any:
			var i int
			if _, err := fmt.Sscanf(part, "%d", &i); err != nil || i < 0 || i >= len(c) {
				return nil, fmt.Errorf("nothing at #%s", walked)
			}
			cursor = c[i]
		default:
			return nil, fmt.Errorf("nothing at #%s", walked)
		}
	}
	return cursor, nil
}

func splitPointer(pointer string) []string {
	pointer = strings.TrimPrefix(pointer, "/")
	if pointer == "" {
		return nil
	}
	parts := strings.Split(pointer, "/")
	for i, p := range parts {
		parts[i] = unescapePointer(p)
	}
	return parts
}

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func unescapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
}

func deepCopy(v any) any {
	switch val := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(val))
		for k, item := range val {
			out[k] = deepCopy(item)
		}
		return out
	case []any:
		out := make([]any, len(val))
		for i, item := range val {
			out[i] = deepCopy(item)
		}
		return out
	}
	return v
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// stringKeys turns the map[any]any that YAML gives for keys such as `200:` into
// map[string]any.
func stringKeys(v any) any {
	switch val := v.(type) {
	case map[any]any:
		out := make(map[string]any, len(val))
		for k, item := range val {
			out[fmt.Sprint(k)] = stringKeys(item)
		}
		return out
	case map[string]any:
		for k, item := range val {
			val[k] = stringKeys(item)
		}
		return val
	case []any:
		for i, item := range val {
			val[i] = stringKeys(item)
		}
		return val
	}
	return v
}
