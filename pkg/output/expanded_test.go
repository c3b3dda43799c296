package output

import (
	"bytes"
	"testing"
)

func TestExpandedPrintsOneRecordPerRow(t *testing.T) {
	var buf bytes.Buffer
	w := NewExpanded(&buf)
	if err := w.Begin([]Column{{Name: "name"}, {Name: "properties", JSON: true}, {Name: "n"}}); err != nil {
		t.Fatal(err)
	}
	for _, row := range [][]any{{"vault-α", `{"a":1}`, int64(2)}, {"line\nbreak", nil, 0.5}} {
		if err := w.Row(row); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.End(); err != nil {
		t.Fatal(err)
	}
	want := "-[ RECORD 1 ]-------\n" +
		"name       | vault-α\n" +
		"properties | {\"a\":1}\n" +
		"n          | 2\n" +
		"-[ RECORD 2 ]-----------\n" +
		"name       | line\\nbreak\n" +
		"properties | \n" +
		"n          | 0.5\n"
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}
}
