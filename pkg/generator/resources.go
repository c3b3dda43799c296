package generator

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// sqlVerbs in the order provider documents list them.
var sqlVerbs = []string{"select", "insert", "update", "replace", "delete"}

const execVerb = "exec"

func isVerb(v string) bool { return v == execVerb || slices.Contains(sqlVerbs, v) }

// operation is one API operation as the naming conventions see it.
type operation struct {
	id         string // operationId
	path       string
	httpMethod string // upper case
	op         *openapi3.Operation
}

// conventions decide how operations are grouped into resources, which SQL verb reaches
// them, where a method's rows are and how it pages. azureConventions follow Azure's
// operationIds; openAPIConventions group plain OpenAPI 3 APIs by path.
type conventions interface {
	resourceName(service string, o operation) (string, error)
	methodName(o operation) string
	verb(o operation) string
	// describesItem: the method reads one item, so its row schema describes the
	// resource best; such SELECT methods are listed first (the engine takes columns
	// from the first).
	describesItem(o operation) bool
	// objectKey is the JSONPath to the rows in the success response, "" for the
	// whole body as one row.
	objectKey(o operation, schema *openapi3.SchemaRef) string
	// pagination is the method's pagination config, or nil.
	pagination(o operation, objectKey string) map[string]any
}

// azureConventions follow the Azure specs' operationIds, <Resource>_<Action>:
// resource = snake_case(Resource), method = operationId. The group is kept whole
// (StorageAccounts_List in service storage -> storage_accounts, as Azure users and the
// public StackQL registry say it).
// Verbs: Get, List* and GETs that return a collection are select (the old rule missed
// e.g. BackupVaults_GetInSubscription); PUT is insert (replace when its action is
// Update*/Replace*); PATCH is update; DELETE is delete; everything else is exec, also a
// GET of a single non-resource object such as BackupInstances_GetBackupInstanceOperationResult.
// Rows and paging come from x-ms-pageable (itemName, nextLinkName).
type azureConventions struct{}

func (azureConventions) resourceName(_ string, o operation) (string, error) {
	group, _, found := strings.Cut(o.id, "_")
	if found && group == "" {
		return "", fmt.Errorf("operationId %q has nothing before _: name it <Resource>_<Action>", o.id)
	}
	name := snakeCase(group)
	if name == "" {
		return "", fmt.Errorf("operationId %q gives no resource name: name it <Resource>_<Action>", o.id)
	}
	return name, nil
}

func (azureConventions) methodName(o operation) string { return o.id }

func (azureConventions) verb(o operation) string {
	_, action, found := strings.Cut(o.id, "_")
	if !found {
		action = o.id
	}
	switch o.httpMethod {
	case "DELETE":
		return "delete"
	case "PATCH":
		return "update"
	case "PUT":
		if strings.HasPrefix(action, "Update") || strings.HasPrefix(action, "Replace") {
			return "replace"
		}
		return "insert"
	case "GET":
		if action == "Get" || strings.HasPrefix(action, "List") || listsCollection(o.op) {
			return "select"
		}
	case "POST":
		if strings.HasPrefix(action, "List") {
			return "select"
		}
	}
	return execVerb
}

func (azureConventions) describesItem(o operation) bool { return isGetAction(o.id) }

func (azureConventions) objectKey(o operation, schema *openapi3.SchemaRef) string {
	if pageable, ok := o.op.Extensions["x-ms-pageable"].(map[string]any); ok {
		name, _ := pageable["itemName"].(string)
		if name == "" {
			name = "value"
		}
		// A few specs mark as pageable a response that has no item list at all
		// (Intune's GetMAMStatuses): that response is one row.
		if schema == nil || schema.Value == nil || hasProperty(schema, name) {
			return "$." + name
		}
		return ""
	}
	if !isGetAction(o.id) && hasArrayProperty(schema, "value") {
		return "$.value"
	}
	return ""
}

func (azureConventions) pagination(o operation, _ string) map[string]any {
	pageable, ok := o.op.Extensions["x-ms-pageable"].(map[string]any)
	if !ok {
		return nil
	}
	next, ok := pageable["nextLinkName"].(string)
	if !ok || next == "" {
		return nil
	}
	return map[string]any{
		"requestToken":  map[string]any{"key": next, "location": "request"},
		"responseToken": map[string]any{"key": next, "location": "body"},
	}
}

// listsCollection: the operation pages (x-ms-pageable) or answers with a `value` array.
func listsCollection(op *openapi3.Operation) bool {
	if _, ok := op.Extensions["x-ms-pageable"]; ok {
		return true
	}
	_, _, schema := successResponse(op)
	return hasArrayProperty(schema, "value")
}

// hasProperty: the schema, or one it is allOf, has the property.
func hasProperty(schema *openapi3.SchemaRef, name string) bool {
	if schema == nil || schema.Value == nil {
		return false
	}
	if schema.Value.Properties[name] != nil {
		return true
	}
	return slices.ContainsFunc(schema.Value.AllOf, func(part *openapi3.SchemaRef) bool { return hasProperty(part, name) })
}

func hasArrayProperty(schema *openapi3.SchemaRef, name string) bool {
	if schema == nil || schema.Value == nil {
		return false
	}
	if p := schema.Value.Properties[name]; p != nil && p.Value != nil && p.Value.Type.Is("array") {
		return true
	}
	for _, part := range schema.Value.AllOf {
		if hasArrayProperty(part, name) {
			return true
		}
	}
	return false
}

// successResponse picks the response that describes the result: the lowest 2xx status
// with a schema, else the lowest 2xx. mediaType prefers application/json.
func successResponse(op *openapi3.Operation) (status, mediaType string, schema *openapi3.SchemaRef) {
	if op.Responses == nil {
		return "", "", nil
	}
	var codes []int
	for code := range op.Responses.Map() {
		if n, err := strconv.Atoi(code); err == nil && n >= 200 && n < 300 {
			codes = append(codes, n)
		}
	}
	slices.Sort(codes)
	for _, withSchema := range []bool{true, false} {
		for _, n := range codes {
			resp := op.Responses.Value(strconv.Itoa(n))
			if resp == nil || resp.Value == nil {
				continue
			}
			mt, media := pickMediaType(resp.Value.Content)
			if withSchema && (media == nil || media.Schema == nil) {
				continue
			}
			if media != nil {
				schema = media.Schema
			}
			return strconv.Itoa(n), mt, schema
		}
	}
	return "", "", nil
}

func pickMediaType(content openapi3.Content) (string, *openapi3.MediaType) {
	if mt, ok := content["application/json"]; ok {
		return "application/json", mt
	}
	keys := sortedKeys(content)
	if len(keys) == 0 {
		return "", nil
	}
	return keys[0], content[keys[0]]
}

// buildResources groups the document's operations into x-stackQL-resources, and
// adds each method to report.
func buildResources(cfg *Config, sc *ServiceConfig, doc *openapi3.T, conv conventions, report *ServiceReport) (map[string]any, []error) {
	var problems []error
	type method struct {
		name, verb string
		item       bool
		entry      map[string]any
	}
	byResource := map[string][]method{}
	used := map[string]bool{}
	for _, path := range sortedKeys(doc.Paths.Map()) {
		item := doc.Paths.Value(path)
		for _, httpMethod := range httpMethods {
			op := item.GetOperation(strings.ToUpper(httpMethod))
			if op == nil {
				continue
			}
			o := operation{id: op.OperationID, path: path, httpMethod: strings.ToUpper(httpMethod), op: op}
			name := conv.methodName(o)
			used[name] = true
			resource, err := conv.resourceName(sc.Name, o)
			if override, ok := sc.Resources[name]; ok {
				resource, err = override, nil
			}
			if err != nil {
				problems = append(problems, fmt.Errorf("operation %s %s: %w", o.httpMethod, path, err))
				continue
			}
			verb := conv.verb(o)
			if override, ok := sc.Verbs[name]; ok {
				verb = override
			}
			for _, m := range byResource[resource] {
				if m.name == name {
					problems = append(problems, fmt.Errorf("operation %s %s: resource %s already has a method %s: give the operation a unique operationId", o.httpMethod, path, resource, name))
				}
			}
			entry := methodEntry(o, httpMethod, conv, sc, name)
			_, pagingSet := sc.Pagination[name]
			report.Methods = append(report.Methods, methodReport(resource, name, verb, o, entry, conv, pagingSet))
			byResource[resource] = append(byResource[resource], method{
				name:  name,
				verb:  verb,
				item:  conv.describesItem(o),
				entry: entry,
			})
		}
	}
	for _, overrides := range []map[string]string{sc.Resources, sc.Verbs, sc.ObjectKeys} {
		for _, id := range sortedKeys(overrides) {
			if !used[id] {
				problems = append(problems, fmt.Errorf("service %s: the config names operationId %q, which none of its specs has", sc.Name, id))
			}
		}
	}
	for _, id := range sortedKeys(sc.Pagination) {
		if !used[id] {
			problems = append(problems, fmt.Errorf("service %s: the config names operationId %q, which none of its specs has", sc.Name, id))
		}
	}
	if len(problems) > 0 {
		return nil, problems
	}
	slices.SortStableFunc(report.Methods, func(a, b MethodReport) int {
		return cmp.Or(strings.Compare(a.Resource, b.Resource), strings.Compare(a.Method, b.Method))
	})

	resources := map[string]any{}
	for name, methods := range byResource {
		slices.SortFunc(methods, func(a, b method) int { return strings.Compare(a.name, b.name) })
		methodMap := map[string]any{}
		verbLists := map[string][]method{}
		for _, m := range methods {
			methodMap[m.name] = m.entry
			if m.verb != execVerb {
				verbLists[m.verb] = append(verbLists[m.verb], m)
			}
		}
		// The engine reads columns from the first select method: put the one that
		// fetches a single item first, as it describes the resource itself.
		slices.SortStableFunc(verbLists["select"], func(a, b method) int {
			return boolRank(b.item) - boolRank(a.item)
		})
		sqlVerbsEntry := map[string]any{}
		for _, v := range sqlVerbs {
			refs := []any{}
			for _, m := range verbLists[v] {
				refs = append(refs, map[string]any{"$ref": "#/components/x-stackQL-resources/" + escapePointer(name) + "/methods/" + escapePointer(m.name)})
			}
			sqlVerbsEntry[v] = refs
		}
		resources[name] = map[string]any{
			"id":       cfg.Provider + "." + sc.Name + "." + name,
			"name":     name,
			"title":    name,
			"methods":  methodMap,
			"sqlVerbs": sqlVerbsEntry,
		}
	}
	return resources, nil
}

func isGetAction(operationID string) bool {
	_, action, _ := strings.Cut(operationID, "_")
	return action == "Get"
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// methodEntry is one x-stackQL-resources method: the operation it calls, where the rows
// are in the response, and how it pages. The config's objectKeys and pagination, keyed
// by method name, win over what the conventions infer.
func methodEntry(o operation, httpMethod string, conv conventions, sc *ServiceConfig, name string) map[string]any {
	entry := map[string]any{
		"operation": map[string]any{"$ref": "#/paths/" + escapePointer(o.path) + "/" + httpMethod},
	}
	status, mediaType, schema := successResponse(o.op)
	objectKey := ""
	if status != "" {
		response := map[string]any{"openAPIDocKey": status}
		if mediaType != "" {
			response["mediaType"] = mediaType
		}
		objectKey = conv.objectKey(o, schema)
		if override, ok := sc.ObjectKeys[name]; ok {
			objectKey = override
		}
		if objectKey != "" {
			response["objectKey"] = objectKey
		}
		entry["response"] = response
	}
	pagination := conv.pagination(o, objectKey)
	if override, ok := sc.Pagination[name]; ok {
		pagination = nil
		if override != nil {
			pagination = paginationMap(override)
		}
	}
	if pagination != nil {
		entry["config"] = map[string]any{"pagination": pagination}
	}
	if body := o.op.RequestBody; body != nil && body.Value != nil {
		if mt, _ := pickMediaType(body.Value.Content); mt != "" {
			entry["request"] = map[string]any{"mediaType": mt}
		}
	}
	return entry
}
