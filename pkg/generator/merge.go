package generator

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// Merging the spec files of one service. Azure cuts a service into many files, often
// of several API versions, and each file carries its own copies of common components
// (Resource, CloudError, ApiVersionParameter with its own default version...). The
// merge keeps every operation and every component: a component identical to one
// already merged is shared, one that differs is kept under a new name (Resource_2) and
// the file's $refs are pointed at it, so that each operation keeps its own schemas and
// api-version.

// merger accumulates the files of one service into one tree.
type merger struct {
	family specFamily
	into   map[string]any
	// variants lists, per section and original name, the names its differing
	// copies were given in into (the original name first).
	variants map[string]map[string][]string
	// operationIDs maps each operationId to the operation that has it.
	operationIDs map[string]operationSite
	// infos counts the files by their info.title, keeping each title's first
	// info: the service's info is the most common one, which names the service
	// (SqlManagementClient), where the first file's may name only its part.
	infos []titledInfo
	// problems are operations met again, differently, at a path and method already
	// merged: one endpoint cannot call two operations.
	problems []error
}

type titledInfo struct {
	title string
	info  any
	files int
}

type operationSite struct {
	where string // "METHOD path"
	file  string
}

func newMerger(family specFamily) *merger {
	return &merger{
		family:       family,
		into:         map[string]any{},
		variants:     map[string]map[string][]string{},
		operationIDs: map[string]operationSite{},
	}
}

// add merges one self-contained spec tree (it is modified on the way). An operation
// the same path and method in an earlier file identically is the same operation.
func (m *merger) add(tree map[string]any, file string) {
	if len(m.into) == 0 {
		for k, v := range tree {
			if k != "paths" && !m.isComponentRoot(k) {
				m.into[k] = v
			}
		}
	}
	m.countInfo(tree["info"])
	m.mergeComponents(tree)
	m.mergePaths(tree, file)
}

func (m *merger) countInfo(info any) {
	fields, _ := info.(map[string]any)
	title, _ := fields["title"].(string)
	for i := range m.infos {
		if m.infos[i].title == title {
			m.infos[i].files++
			return
		}
	}
	m.infos = append(m.infos, titledInfo{title: title, info: info, files: 1})
}

// tree is the merged service, with the info most of its files share.
func (m *merger) tree() map[string]any {
	best := -1
	for i, ti := range m.infos {
		if best < 0 || ti.files > m.infos[best].files {
			best = i
		}
	}
	if best >= 0 && m.infos[best].info != nil {
		m.into["info"] = m.infos[best].info
	}
	return m.into
}

// isComponentRoot: the top-level key holds components merged by mergeComponents.
func (m *merger) isComponentRoot(key string) bool {
	for _, section := range componentSections[m.family] {
		if section[0] == key {
			return true
		}
	}
	return false
}

// mergeComponents renames the tree's components that differ from merged ones of the
// same name, until no more differ (a rename changes the components that refer to the
// renamed one), then adds them.
func (m *merger) mergeComponents(tree map[string]any) {
	for {
		renames := map[string]string{} // old local $ref -> new
		for _, section := range componentSections[m.family] {
			key := strings.Join(section, "/")
			from := sectionMap(tree, section, false)
			into := sectionMap(m.into, section, false)
			for _, name := range sortedKeys(from) {
				existing, taken := into[name]
				if !taken || reflect.DeepEqual(existing, from[name]) {
					continue
				}
				newName := m.variantName(key, into, name, from)
				from[newName] = from[name]
				delete(from, name)
				renames["#/"+key+"/"+escapePointer(name)] = "#/" + key + "/" + escapePointer(newName)
			}
		}
		if len(renames) == 0 {
			break
		}
		rewriteRefs(tree, renames)
	}
	for _, section := range componentSections[m.family] {
		from := sectionMap(tree, section, false)
		if len(from) == 0 {
			continue
		}
		into := sectionMap(m.into, section, true)
		for name, value := range from {
			into[name] = value
		}
	}
}

// variantName is the name under which a differing copy of name is merged: an earlier
// variant's name when the copy equals it, else the next free name_N.
func (m *merger) variantName(section string, into map[string]any, name string, from map[string]any) string {
	base := name
	if original := m.originalOf(section, name); original != "" {
		base = original
	}
	if m.variants[section] == nil {
		m.variants[section] = map[string][]string{}
	}
	for _, v := range m.variants[section][base] {
		if existing, ok := into[v]; ok && reflect.DeepEqual(existing, from[name]) {
			return v
		}
	}
	for i := 2; ; i++ {
		candidate := fmt.Sprintf("%s_%d", base, i)
		if _, taken := into[candidate]; taken {
			continue
		}
		if _, taken := from[candidate]; taken {
			continue
		}
		m.variants[section][base] = append(m.variants[section][base], candidate)
		return candidate
	}
}

// originalOf finds the name a variant was made from ("" when name is no variant).
func (m *merger) originalOf(section, name string) string {
	for base, names := range m.variants[section] {
		if slices.Contains(names, name) {
			return base
		}
	}
	return ""
}

// mergePaths adds the tree's operations. Path-level parameters are moved into the
// operations first when the two files' path items disagree on them, so that each
// operation keeps its own.
func (m *merger) mergePaths(tree map[string]any, file string) {
	from, _ := tree["paths"].(map[string]any)
	into := sectionMap(m.into, []string{"paths"}, true)
	for _, path := range sortedKeys(from) {
		item, _ := from[path].(map[string]any)
		if item == nil {
			continue
		}
		existing, _ := into[path].(map[string]any)
		if existing == nil {
			into[path] = item
			m.recordOperationIDs(path, item, nil, file)
			continue
		}
		if !reflect.DeepEqual(existing["parameters"], item["parameters"]) {
			pushDownParameters(existing, m.into)
			pushDownParameters(item, tree)
		}
		added := map[string]bool{}
		for _, method := range httpMethods {
			op, ok := item[method]
			if !ok {
				continue
			}
			if prev, ok := existing[method]; ok {
				if !reflect.DeepEqual(prev, op) {
					m.problems = append(m.problems, fmt.Errorf("%s: operation %s %s is also in an earlier spec of the service, differently: keep one of the two files in the service", file, strings.ToUpper(method), path))
				}
				continue
			}
			existing[method] = op
			added[method] = true
		}
		for k, v := range item {
			if _, ok := existing[k]; !ok && !slices.Contains(httpMethods, k) {
				existing[k] = v
			}
		}
		m.recordOperationIDs(path, existing, added, file)
	}
}

// recordOperationIDs gives each newly added operation an operationId no other
// operation of the service has: one repeated from another file gets that file's name
// appended (Operations_List -> Operations_List_blob), so that both stay methods. One
// file using an operationId twice is an error in that file.
func (m *merger) recordOperationIDs(path string, item map[string]any, only map[string]bool, file string) {
	for _, method := range httpMethods {
		op, ok := item[method].(map[string]any)
		if !ok || (only != nil && !only[method]) {
			continue
		}
		id, _ := op["operationId"].(string)
		if id == "" {
			continue
		}
		where := strings.ToUpper(method) + " " + path
		if first, dup := m.operationIDs[id]; dup {
			if first.file == file {
				m.problems = append(m.problems, fmt.Errorf("%s: operation %s: operationId %q is already used by %s: operationIds must be unique", file, where, id, first.where))
				continue
			}
			base := id + "_" + snakeCase(fileStem(file))
			id = base
			for i := 2; m.operationIDs[id].where != ""; i++ {
				id = fmt.Sprintf("%s_%d", base, i)
			}
			op["operationId"] = id
		}
		m.operationIDs[id] = operationSite{where, file}
	}
}

// pushDownParameters moves a path item's parameters into each of its operations (an
// operation's own parameter of the same name and location wins).
func pushDownParameters(item map[string]any, tree map[string]any) {
	shared, _ := item["parameters"].([]any)
	delete(item, "parameters")
	if len(shared) == 0 {
		return
	}
	key := func(p any) string {
		pm, _ := p.(map[string]any)
		if ref, ok := pm["$ref"].(string); ok {
			if target, err := lookupPointer(tree, strings.TrimPrefix(ref, "#")); err == nil {
				pm, _ = target.(map[string]any)
			}
		}
		return fmt.Sprint(pm["in"], "/", pm["name"])
	}
	for _, method := range httpMethods {
		op, ok := item[method].(map[string]any)
		if !ok {
			continue
		}
		own, _ := op["parameters"].([]any)
		params := slices.Clone(own)
		for _, p := range shared {
			if !slices.ContainsFunc(own, func(o any) bool { return key(o) == key(p) }) {
				params = append(params, p)
			}
		}
		op["parameters"] = params
	}
}

// sectionMap returns the map at section (e.g. components/schemas) of tree, creating it
// when create is set (else nil when absent).
func sectionMap(tree map[string]any, section []string, create bool) map[string]any {
	cursor := tree
	for _, part := range section {
		next, _ := cursor[part].(map[string]any)
		if next == nil {
			if !create {
				return nil
			}
			next = map[string]any{}
			cursor[part] = next
		}
		cursor = next
	}
	return cursor
}

// rewriteRefs points local $refs at renamed components; a $ref into a renamed
// component (#/definitions/A/properties/b) follows it too.
func rewriteRefs(node any, renames map[string]string) {
	switch val := node.(type) {
	case map[string]any:
		if ref, ok := val["$ref"].(string); ok {
			for old, renamed := range renames {
				if ref == old || strings.HasPrefix(ref, old+"/") {
					val["$ref"] = renamed + ref[len(old):]
					break
				}
			}
		}
		for _, v := range val {
			rewriteRefs(v, renames)
		}
	case []any:
		for _, v := range val {
			rewriteRefs(v, renames)
		}
	}
}

func fileStem(file string) string {
	base := file[strings.LastIndexAny(file, `/\`)+1:]
	if i := strings.LastIndex(base, "."); i > 0 {
		base = base[:i]
	}
	return base
}

// sanitizeComponentNames renames components whose names OpenAPI 3 does not allow
// (KeyValuePair[String,Object], ODataQueryOptions`1) to names it does, replacing each
// other character with _, and points the $refs at them.
func sanitizeComponentNames(tree map[string]any, family specFamily) {
	renames := map[string]string{}
	for _, section := range componentSections[family] {
		components := sectionMap(tree, section, false)
		prefix := "#/" + strings.Join(section, "/") + "/"
		for _, name := range sortedKeys(components) {
			if !nameUnsafe.MatchString(name) {
				continue
			}
			safe := nameUnsafe.ReplaceAllString(name, "_")
			for i := 2; components[safe] != nil; i++ {
				safe = fmt.Sprintf("%s_%d", nameUnsafe.ReplaceAllString(name, "_"), i)
			}
			components[safe] = components[name]
			delete(components, name)
			renames[prefix+escapePointer(name)] = prefix + safe
		}
	}
	if len(renames) > 0 {
		rewriteRefs(tree, renames)
	}
}
