package provider

import (
	"strings"
	"testing"
)

func TestFieldsOfAnObjectColumnFromTheIndexedService(t *testing.T) {
	dir := "../../registry/src/azure/v0.1.0"
	cache := DirIndexCache(t.TempDir())
	for _, fromIndex := range []bool{false, true} { // the first load writes the index
		p, err := LoadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		p.Index = cache
		svc, err := p.Service("data_protection")
		if err != nil {
			t.Fatal(err)
		}
		if fromIndex && svc.Doc != nil {
			t.Fatal("the second load parsed the document instead of reading the index")
		}
		r, err := svc.Resource("backup_instances")
		if err != nil {
			t.Fatal(err)
		}
		fields, err := r.Fields("properties")
		if err != nil {
			t.Fatal(err)
		}
		types := map[string]string{}
		for i, f := range fields {
			types[f.Path] = f.Type
			if i > 0 && strings.Count(f.Path, ".") == strings.Count(fields[i-1].Path, ".") && f.Path < fields[i-1].Path {
				t.Errorf("siblings out of order: %s after %s", f.Path, fields[i-1].Path)
			}
		}
		for path, want := range map[string]string{
			"$.currentProtectionState":    "string",
			"$.dataSourceInfo":            "object",
			"$.dataSourceInfo.resourceID": "string",
			"$.policyInfo.policyId":       "string",
		} {
			if types[path] != want {
				t.Errorf("fromIndex=%v: %s has type %q, want %q (fields: %d)", fromIndex, path, types[path], want, len(fields))
			}
		}
	}
	r := itemsResource(t)
	if _, err := r.Fields("nope"); err == nil || !strings.Contains(err.Error(), "has no column nope") {
		t.Errorf("unknown column: %v", err)
	}
}
