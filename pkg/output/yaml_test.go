package output

import (
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestGolden checks the YAML text; this checks what a YAML reader makes of it.
func TestYAMLParsesIntoTypedValues(t *testing.T) {
	got := render(t, "yaml", sampleColumns, sampleRows)
	var rows []map[string]any
	if err := yaml.Unmarshal([]byte(got), &rows); err != nil {
		t.Fatalf("not YAML: %v\n%s", err, got)
	}
	if len(rows) != len(sampleRows) {
		t.Fatalf("%d rows, want %d", len(rows), len(sampleRows))
	}
	first := rows[0]
	wantFirst := map[string]any{
		"id": 1, "name": "vault-α", "score": 0.5, "active": true,
		"tags": []any{"a", "b"}, "properties": map[string]any{"state": "ok", "n": 2},
		"note": "not json {", "missing": nil, "id_2": 10,
	}
	if !reflect.DeepEqual(first, wantFirst) {
		t.Errorf("first row\n got %#v\nwant %#v", first, wantFirst)
	}
	if rows[2]["name"] != "line\nbreak, größe ✓" {
		t.Errorf("a value with a line break came back as %q", rows[2]["name"])
	}
}

func TestTSVHasNoHeader(t *testing.T) {
	got := render(t, "tsv", sampleColumns[:3], [][]any{{int64(1), "a\tb", 0.5}, {nil, "c", -1.0}})
	if want := "1\ta\\tb\t0.5\n\tc\t-1\n"; got != want {
		t.Errorf("tsv: got %q, want %q", got, want)
	}
}

func TestYAMLAndTSVOfAnEmptyResult(t *testing.T) {
	cols := []Column{{Name: "id"}}
	for format, want := range map[string]string{"yaml": "[]\n", "tsv": ""} {
		if got := render(t, format, cols, nil); got != want {
			t.Errorf("%s: got %q, want %q", format, got, want)
		}
	}
	// A writer prints several results in turn; each empty one is its own [].
	if got := render(t, "yaml", cols, [][]any{{int64(1)}}); !strings.HasPrefix(got, "- id: 1\n") {
		t.Errorf("yaml: got %q", got)
	}
}
