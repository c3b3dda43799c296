package rest

import (
	"fmt"
	"hash/fnv"
	"sort"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/skyql/skyql/pkg/emulator/internal/pathtemplate"
	"github.com/skyql/skyql/pkg/emulator/internal/seeded"
	"github.com/skyql/skyql/pkg/emulator/samples"
)

// maxSeededParents bounds how many parent items get a nested collection each.
const maxSeededParents = 3

// seed fills every collection with n items; nested collections (a template with
// parameters) are filled under the first maxSeededParents items of their parent.
func (g *Server) seed(n int, seedValue int64) {
	var lists []*genericRoute
	for _, rt := range g.routes {
		if rt.method == "GET" && !rt.isItem && rowSchemaOf(rt) != nil {
			lists = append(lists, rt)
		}
	}
	sort.SliceStable(lists, func(i, j int) bool { return len(lists[i].segs) < len(lists[j].segs) })
	for _, rt := range lists {
		schema := rowSchemaOf(rt)
		idKey := idKeyFor(schema, lastParam(g, rt.template))
		word := collectionWord(rt.segs)
		for _, key := range g.concretePaths(rt.segs) {
			c := &genericCollection{idKey: idKey}
			for i := range n {
				item, _ := sampleItem(schema, i, word, seedValue, key).(map[string]any)
				if item == nil {
					item = map[string]any{}
				}
				item[idKey] = sampleID(schema, idKey, i, word) // unique, whatever the schema
				c.items = append(c.items, item)
			}
			g.data[key] = c
		}
	}
}

// concretePaths expands a collection template's parameters with the ids of
// the parent collections' items.
func (g *Server) concretePaths(segs []pathtemplate.Segment) []string {
	paths := []string{""}
	for _, s := range segs {
		var next []string
		for _, p := range paths {
			if s.Param == "" {
				next = append(next, p+"/"+s.Literal)
				continue
			}
			parent := g.data[p]
			if parent == nil {
				continue
			}
			for i, it := range parent.items {
				if i == maxSeededParents {
					break
				}
				next = append(next, p+"/"+fmt.Sprint(it[parent.idKey]))
			}
		}
		paths = next
	}
	return paths
}

// listRoute is the GET of a collection template.
func (g *Server) listRoute(template string) *genericRoute {
	for _, rt := range g.routes {
		if rt.method == "GET" && !rt.isItem && rt.template == template {
			return rt
		}
	}
	return nil
}

// lastParam is the parameter that names an item of the collection
// (/pets/{petId} -> petId), or "".
func lastParam(g *Server, collection string) string {
	for _, rt := range g.routes {
		if rt.isItem && rt.collection == collection {
			return rt.segs[len(rt.segs)-1].Param
		}
	}
	return ""
}

// rowSchemaOf is the schema of one row of a list route: the bound method's row
// schema, else the items of an array response.
func rowSchemaOf(rt *genericRoute) *openapi3.Schema {
	if rt == nil {
		return nil
	}
	if rt.m != nil && rt.m.Response.Schema != nil && rt.m.Response.Schema.Value != nil {
		return rt.m.Response.Schema.Value
	}
	if s := genericSuccessSchema(rt.op); s != nil && s.Type.Is("array") && s.Items != nil {
		return s.Items.Value
	}
	return nil
}

// idKeyFor picks the row property that identifies an item: id, else the item
// path's parameter, else name.
func idKeyFor(schema *openapi3.Schema, param string) string {
	if schema == nil {
		return "id"
	}
	props := schemaProperties(schema)
	for _, k := range []string{"id", param, "name"} {
		if _, ok := props[k]; ok && k != "" {
			return k
		}
	}
	return "id"
}

func schemaProperties(s *openapi3.Schema) map[string]*openapi3.SchemaRef {
	out := map[string]*openapi3.SchemaRef{}
	for _, part := range s.AllOf {
		if part.Value != nil {
			for k, v := range schemaProperties(part.Value) {
				out[k] = v
			}
		}
	}
	for k, v := range s.Properties {
		out[k] = v
	}
	return out
}

// collectionWord names the collection's items in generated values: the last
// literal, singular ("pets" -> "pet").
func collectionWord(segs []pathtemplate.Segment) string {
	for i := len(segs) - 1; i >= 0; i-- {
		if l := segs[i].Literal; l != "" {
			l = strings.ToLower(l)
			if len(l) > 3 && strings.HasSuffix(l, "s") && !strings.HasSuffix(l, "ss") {
				l = l[:len(l)-1]
			}
			return l
		}
	}
	return "item"
}

// sampleID is item i's id: 1, 2, ... for integer ids, <word>-0001 otherwise.
func sampleID(schema *openapi3.Schema, key string, i int, word string) any {
	if p := schemaProperties(schema)[key]; p != nil && p.Value != nil && (p.Value.Type.Is("integer") || p.Value.Type.Is("number")) {
		return i + 1
	}
	return fmt.Sprintf("%s-%04d", word, i+1)
}

var sampleWords = []string{"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"}

func nameHash(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// sampleItem builds row i of a collection from its schema: ids count up,
// names are <word>-<n>, enums and words cycle, numbers, booleans, dates and
// uuids vary with the seed. where (the collection's path) keeps nested
// collections' values apart.
func sampleItem(s *openapi3.Schema, i int, word string, seedValue int64, where string) any {
	return sampleField("", s, i, word, seedValue, nameHash(where), 0)
}

func sampleField(name string, s *openapi3.Schema, i int, word string, seedValue int64, salt uint64, depth int) any {
	if s == nil || depth > 4 {
		return nil
	}
	r := seeded.Mix(seedValue, uint64(i)+1, nameHash(name)^salt)
	if len(s.Enum) > 0 {
		return s.Enum[(i+int(nameHash(name)%7))%len(s.Enum)]
	}
	lower := strings.ToLower(name)
	switch {
	case s.Type.Is("integer"):
		if lower == "id" {
			return i + 1
		}
		return int(r % 1000)
	case s.Type.Is("number"):
		return float64(r%100000) / 100
	case s.Type.Is("boolean"):
		return r%2 == 0
	case s.Type.Is("array"):
		if s.Items == nil || s.Items.Value == nil {
			return []any{}
		}
		return []any{sampleField(name, s.Items.Value, i, word, seedValue, salt, depth+1)}
	case s.Type.Is("string"):
		switch s.Format {
		case "date-time":
			return samples.Time.Add(time.Duration(i) * time.Hour).Format(time.RFC3339)
		case "date":
			return samples.Time.AddDate(0, 0, i).Format("2006-01-02")
		case "uuid":
			return seeded.GUID(seedValue, uint64(i)+1, salt%1000)
		case "email":
			return fmt.Sprintf("%s%d@example.com", word, i+1)
		case "uri", "url":
			return fmt.Sprintf("https://example.com/%s/%d", word, i+1)
		}
		switch lower {
		case "id":
			return fmt.Sprintf("%s-%04d", word, i+1)
		case "name", "title", "displayname", "display_name":
			return fmt.Sprintf("%s-%03d", word, i+1)
		}
		return sampleWords[r%uint64(len(sampleWords))]
	}
	props := schemaProperties(s)
	if len(props) == 0 {
		if s.Type.Is("object") {
			return map[string]any{}
		}
		return fmt.Sprintf("%s-%03d", word, i+1)
	}
	obj := map[string]any{}
	for k, p := range props {
		if p.Value == nil {
			continue
		}
		if v := sampleField(k, p.Value, i, word, seedValue, salt, depth+1); v != nil {
			obj[k] = v
		}
	}
	return obj
}
