package output

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// sampleColumns and sampleRows cover every value type SQLite hands over,
// JSON columns (valid and not), a repeated column name and awkward text.
var sampleColumns = []Column{
	{Name: "id"},
	{Name: "name"},
	{Name: "score"},
	{Name: "active"},
	{Name: "tags", JSON: true},
	{Name: "properties", JSON: true},
	{Name: "note", JSON: true},
	{Name: "missing"},
	{Name: "id"},
}

var sampleRows = [][]any{
	{int64(1), "vault-α", 0.5, true, `["a", "b"]`, []byte(`{"state": "ok", "n": 2}`), "not json {", nil, int64(10)},
	{int64(-20), "tab\there \"quoted\"", 1e21, false, `[]`, `{"nested":{"deep":[1,2]}}`, `"a json string"`, nil, int64(20)},
	{int64(300), "line\nbreak, größe ✓", -3.25, false, nil, `{}`, []byte(`12`), "present", int64(30)},
}

func render(t *testing.T, format string, cols []Column, rows [][]any) string {
	t.Helper()
	var buf bytes.Buffer
	w, err := New(format, &buf)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Begin(cols); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := w.Row(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.End(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

type sampleRecord struct {
	ID         int64          `json:"id"`
	Name       string         `json:"name"`
	Score      float64        `json:"score"`
	Active     bool           `json:"active"`
	Tags       []string       `json:"tags"`
	Properties map[string]any `json:"properties"`
	Note       any            `json:"note"`
	Missing    *string        `json:"missing"`
	ID2        int64          `json:"id_2"`
}

func wantRecords() []sampleRecord {
	present := "present"
	return []sampleRecord{
		{1, "vault-α", 0.5, true, []string{"a", "b"}, map[string]any{"state": "ok", "n": float64(2)}, "not json {", nil, 10},
		{-20, "tab\there \"quoted\"", 1e21, false, []string{}, map[string]any{"nested": map[string]any{"deep": []any{float64(1), float64(2)}}}, "a json string", nil, 20},
		{300, "line\nbreak, größe ✓", -3.25, false, nil, map[string]any{}, float64(12), &present, 30},
	}
}

func decodeStrict(t *testing.T, data string, into any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		t.Fatalf("%v in:\n%s", err, data)
	}
}

func TestJSONParsesIntoTypedValues(t *testing.T) {
	out := render(t, "json", sampleColumns, sampleRows)
	var got []sampleRecord
	decodeStrict(t, out, &got)
	if want := wantRecords(); !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v\njson:\n%s", got, want, out)
	}
	// Keys come in column order, the repeated name suffixed.
	firstLine := strings.SplitN(out, "\n", 3)[1]
	var keys []string
	dec := json.NewDecoder(strings.NewReader(strings.TrimSuffix(firstLine, ",")))
	_, _ = dec.Token()
	for dec.More() {
		k, _ := dec.Token()
		keys = append(keys, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	if want := []string{"id", "name", "score", "active", "tags", "properties", "note", "missing", "id_2"}; !reflect.DeepEqual(keys, want) {
		t.Fatalf("keys %q, want %q", keys, want)
	}
}

func TestJSONLOneObjectPerLine(t *testing.T) {
	out := render(t, "jsonl", sampleColumns, sampleRows)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	want := wantRecords()
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), out)
	}
	for i, line := range lines {
		var got sampleRecord
		decodeStrict(t, line, &got)
		if !reflect.DeepEqual(got, want[i]) {
			t.Fatalf("line %d: got %+v, want %+v", i+1, got, want[i])
		}
	}
}

func TestCSVParses(t *testing.T) {
	out := render(t, "csv", sampleColumns, sampleRows)
	records, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"id", "name", "score", "active", "tags", "properties", "note", "missing", "id"},
		{"1", "vault-α", "0.5", "true", `["a", "b"]`, `{"state": "ok", "n": 2}`, "not json {", "", "10"},
		{"-20", "tab\there \"quoted\"", "1e+21", "false", "[]", `{"nested":{"deep":[1,2]}}`, `"a json string"`, "", "20"},
		{"300", "line\nbreak, größe ✓", "-3.25", "false", "", "{}", "12", "present", "30"},
	}
	if !reflect.DeepEqual(records, want) {
		t.Fatalf("got  %q\nwant %q", records, want)
	}
}

func TestGolden(t *testing.T) {
	for _, format := range []string{"table", "text", "yaml"} {
		t.Run(format, func(t *testing.T) {
			got := render(t, format, sampleColumns, sampleRows)
			path := filepath.Join("testdata", format+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Fatalf("output differs from %s (go test -update rewrites it):\n--- got\n%s--- want\n%s", path, got, want)
			}
		})
	}
}

func TestEmptyResult(t *testing.T) {
	cols := []Column{{Name: "id"}, {Name: "name"}}
	want := map[string]string{
		"json":  "[]\n",
		"jsonl": "",
		"csv":   "id,name\n",
		"text":  "id\tname\n",
		"table": "|----|------|\n| id | name |\n|----|------|\n",
	}
	for format, w := range want {
		if got := render(t, format, cols, nil); got != w {
			t.Errorf("%s: got %q, want %q", format, got, w)
		}
	}
}

func TestRowMustMatchColumns(t *testing.T) {
	for _, format := range Formats {
		w, err := New(format, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Begin([]Column{{Name: "a"}, {Name: "b"}}); err != nil {
			t.Fatal(err)
		}
		err = w.Row([]any{int64(1)})
		if err == nil || !strings.Contains(err.Error(), "row has 1 values but the result has 2 columns") {
			t.Errorf("%s: error %v", format, err)
		}
	}
}

func TestUnknownFormat(t *testing.T) {
	_, err := New("xml", io.Discard)
	if err == nil || !strings.Contains(err.Error(), "table, json, jsonl, csv, text, tsv, yaml") {
		t.Fatalf("error %v, want the list of formats", err)
	}
}

func TestUniqueNames(t *testing.T) {
	cols := []Column{{Name: "id"}, {Name: "id_2"}, {Name: "id"}, {Name: "id"}}
	if got, want := uniqueNames(cols), []string{"id", "id_2", "id_3", "id_4"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// countingWriter counts what reaches it and keeps it for parsing.
type countingWriter struct {
	n   int
	buf bytes.Buffer
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n += len(p)
	return c.buf.Write(p)
}

var largeColumns = []Column{{Name: "id"}, {Name: "name"}, {Name: "location"}, {Name: "size"}, {Name: "properties", JSON: true}}

func largeRow(i int) []any {
	return []any{int64(i), fmt.Sprintf("backup-instance-%06d", i), "westeurope", float64(i) * 1.5,
		fmt.Sprintf(`{"protectionStatus":{"status":"ProtectionConfigured"},"dataSourceInfo":{"resourceID":"/subscriptions/x/vm-%d"}}`, i)}
}

func TestJSONStreamsLargeResults(t *testing.T) {
	const rows = 100_000
	var out countingWriter
	w, err := New("json", &out)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Begin(largeColumns); err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		if err := w.Row(largeRow(i)); err != nil {
			t.Fatal(err)
		}
	}
	beforeEnd := out.n
	if err := w.End(); err != nil {
		t.Fatal(err)
	}
	// All but the last buffer's worth must have been written before End.
	if out.n-beforeEnd > 64<<10 {
		t.Fatalf("%d of %d bytes held back until End; rows are being buffered", out.n-beforeEnd, out.n)
	}

	dec := json.NewDecoder(&out.buf)
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		t.Fatalf("first token %v, %v", tok, err)
	}
	var record struct {
		ID         int64  `json:"id"`
		Name       string `json:"name"`
		Properties struct {
			DataSourceInfo struct {
				ResourceID string `json:"resourceID"`
			} `json:"dataSourceInfo"`
		} `json:"properties"`
	}
	n := 0
	for dec.More() {
		if err := dec.Decode(&record); err != nil {
			t.Fatal(err)
		}
		if record.ID != int64(n) || record.Properties.DataSourceInfo.ResourceID != fmt.Sprintf("/subscriptions/x/vm-%d", n) {
			t.Fatalf("row %d decoded as %+v", n, record)
		}
		n++
	}
	if n != rows {
		t.Fatalf("decoded %d rows, want %d", n, rows)
	}
}

// byteCounter discards output, counting bytes for b.SetBytes.
type byteCounter struct{ n int64 }

func (c *byteCounter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

func BenchmarkWriters(b *testing.B) {
	const rows = 100_000
	input := make([][]any, rows)
	for i := range input {
		input[i] = largeRow(i)
	}
	for _, format := range Formats {
		b.Run(format, func(b *testing.B) {
			var out byteCounter
			for b.Loop() {
				w, _ := New(format, &out)
				if err := w.Begin(largeColumns); err != nil {
					b.Fatal(err)
				}
				for _, r := range input {
					if err := w.Row(r); err != nil {
						b.Fatal(err)
					}
				}
				if err := w.End(); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(out.n / int64(b.N))
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows), "ns/row")
		})
	}
}

// One writer prints every result of a multi-statement run, each with its
// own columns.
func TestOneWriterPrintsSeveralResults(t *testing.T) {
	for _, format := range Formats {
		var buf bytes.Buffer
		w, err := New(format, &buf)
		if err != nil {
			t.Fatal(err)
		}
		results := [][]Column{{{Name: "a"}, {Name: "b"}, {Name: "c"}, {Name: "d"}}, {{Name: "x"}}}
		for i, cols := range results {
			if err := w.Begin(cols); err != nil {
				t.Fatal(err)
			}
			for r := 0; r < 2-i; r++ {
				row := make([]any, len(cols))
				for j := range row {
					row[j] = fmt.Sprintf("value-%d-%d", r, j)
				}
				if err := w.Row(row); err != nil {
					t.Fatalf("%s: %v", format, err)
				}
			}
			if err := w.End(); err != nil {
				t.Fatalf("%s: %v", format, err)
			}
		}
		if !strings.Contains(buf.String(), "value-0-3") || strings.Count(buf.String(), "value-0-0") != 2 {
			t.Errorf("%s output lacks a result:\n%s", format, buf.String())
		}
		if format == "json" {
			dec := json.NewDecoder(&buf)
			for i := range results {
				var rows []map[string]any
				if err := dec.Decode(&rows); err != nil || len(rows) != 2-i {
					t.Errorf("json result %d: %d rows, %v", i, len(rows), err)
				}
			}
		}
	}
}

// BenchmarkCSV prints 20,000 two-column rows, the cached repeat's result.
func BenchmarkCSV(b *testing.B) {
	cols := []Column{{Name: "name"}, {Name: "state"}}
	row := []any{"aks-prod01-000003-3d0c2449-c4ee-451c-803c-5bd277e2a193", "ProtectionConfigured"}
	b.ReportAllocs()
	for b.Loop() {
		w, _ := New("csv", io.Discard)
		w.Begin(cols)
		for range 20000 {
			w.Row(row)
		}
		w.End()
	}
}

func TestTerminalControlsInDataAreEscaped(t *testing.T) {
	hostile := "a\x1b[2Jb\x1b]0;owned\x07c\u009b31md\x7fe\xfff\tg"
	cols := []Column{{Name: "v\x1b[1m"}}
	rows := [][]any{{hostile}, {[]byte(hostile)}}
	for format, want := range map[string]string{
		"table": `a\x1b[2Jb\x1b]0;owned\x07c\x9b31md\x7fe\xfff\tg`,
		"text":  `a\x1b[2Jb\x1b]0;owned\x07c\x9b31md\x7fe\xfff\tg`,
	} {
		out := render(t, format, cols, rows)
		if strings.ContainsAny(out, "\x1b\x07\x7f\u009b") || !strings.Contains(out, want) || !strings.Contains(out, `v\x1b[1m`) {
			t.Errorf("%s output lets control characters through:\n%q", format, out)
		}
	}
	// Structured formats keep the data exact: their readers are programs.
	for _, format := range []string{"json", "csv"} {
		if out := render(t, format, cols, rows[:1]); !strings.Contains(out, "\x1b[2J") && !strings.Contains(out, `\u001b[2J`) {
			t.Errorf("%s output changed the data:\n%q", format, out)
		}
	}
}
