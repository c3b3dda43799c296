package server

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/skyql/skyql/pkg/output"
	"github.com/skyql/skyql/pkg/parser"
	"github.com/skyql/skyql/pkg/planner"
)

// cursorOf runs a statement that writes cols and rows through the
// engine's output.Writer, and describes its result.
func cursorOf(t *testing.T, cols []output.Column, rows [][]any) *cursor {
	t.Helper()
	cur := startCursor(context.Background(), 0, func(_ context.Context, sink *rowSink) error {
		w := outputSink{sink}
		if err := w.Begin(cols); err != nil {
			return err
		}
		for _, r := range rows {
			if err := w.Row(r); err != nil {
				return err
			}
		}
		return w.End()
	})
	t.Cleanup(cur.close)
	if err := cur.describe(); err != nil {
		t.Fatal(err)
	}
	return cur
}

// textRows encodes the rest of a cursor's rows as text, NULL as "NULL".
func textRows(t *testing.T, cur *cursor) ([]string, error) {
	t.Helper()
	var out []string
	for {
		row, err := cur.next()
		if err != nil || row == nil {
			return out, err
		}
		values, _, err := cur.encodeRow(row, nil, nil)
		if err != nil {
			return out, err
		}
		var cells []string
		for _, v := range values {
			if v == nil {
				cells = append(cells, "NULL")
			} else {
				cells = append(cells, string(v))
			}
		}
		out = append(out, strings.Join(cells, "|"))
	}
}

func TestColumnTypesComeFromTheFirstRows(t *testing.T) {
	when := time.Date(2026, 11, 27, 4, 5, 6, 0, time.UTC)
	cols := []output.Column{{Name: "n"}, {Name: "x"}, {Name: "ok"}, {Name: "at"}, {Name: "s"}, {Name: "mixed"}, {Name: "j", JSON: true}, {Name: "none"}}
	cur := cursorOf(t, cols, [][]any{
		{int64(1), int64(2), true, when, "a", int64(1), `{"a":1}`, nil},
		{nil, 2.5, false, nil, "b", "x", "not json", nil},
	})
	want := []uint32{oidInt8, oidFloat8, oidBool, oidTimestamptz, oidText, oidText, oidJSON, oidText}
	if fmt.Sprint(cur.types) != fmt.Sprint(want) {
		t.Errorf("types %v, want %v", cur.types, want)
	}
	rows, err := textRows(t, cur)
	if err != nil || len(rows) != 2 || rows[1] != `NULL|2.5|f|NULL|b|x|"not json"|NULL` {
		t.Errorf("rows %q, %v", rows, err)
	}
	if tag := (&conn{}).tag(statement{verb: "SELECT"}, cur); tag != "SELECT 2" {
		t.Errorf("tag %q", tag)
	}
}

func TestATypeChangeAfterTheSampleIsAnError(t *testing.T) {
	var rows [][]any
	for i := range typeSample {
		rows = append(rows, []any{int64(i)})
	}
	cur := cursorOf(t, []output.Column{{Name: "n"}}, append(rows, []any{"text"}))
	sent, err := textRows(t, cur)
	var tc *typeChangeError
	if !errors.As(err, &tc) || tc.row != typeSample+1 || errorResponse(err, "").Code != "42804" {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), "CAST(n AS TEXT)") {
		t.Errorf("the error does not say what to do: %v", err)
	}
	if len(sent) != typeSample {
		t.Errorf("%d rows sent, want the %d before the change", len(sent), typeSample)
	}
}

func TestErrorsCarryPostgresCodesAndPositions(t *testing.T) {
	text := "SELECT 1;\nSELECT name\nFROM WHERE é"
	_, err := parser.Parse(text)
	e := errorResponse(err, text)
	if e.Code != "42601" || e.Position != int32(strings.Index(text, "WHERE")+1) {
		t.Errorf("syntax error: code %s position %d", e.Code, e.Position)
	}
	missing := &planner.MissingParamsError{Table: "t", Missing: []string{"vaultName"}}
	if e := errorResponse(fmt.Errorf("wrapped: %w", missing), ""); e.Code != "42P02" || !strings.Contains(e.Message, "vaultName") || !strings.Contains(e.Detail, "methods that serve SELECT") {
		t.Errorf("missing parameter: %+v", e)
	}
	if e := errorResponse(errors.New("other"), ""); e.Code != "XX000" || e.Message != "other" {
		t.Errorf("other: %+v", e)
	}
}

func TestTextValues(t *testing.T) {
	for _, tt := range []struct {
		v    any
		want string
	}{
		{int64(-3), "-3"}, {1e21, "1e+21"}, {0.5, "0.5"}, {true, "t"}, {"é", "é"},
		{[]byte("ok"), "ok"}, {[]byte{0xff, 0x00}, `\xff00`},
		{time.Date(2026, 1, 2, 3, 4, 5, 600, time.UTC), "2026-01-02 03:04:05.0000006+00:00"},
	} {
		if got := string(textValue(tt.v)); got != tt.want {
			t.Errorf("textValue(%#v) = %q, want %q", tt.v, got, tt.want)
		}
	}
	if textValue(nil) != nil {
		t.Error("NULL is not nil")
	}
}

func TestLargeValuesEndTheTypeSampleEarly(t *testing.T) {
	big := strings.Repeat("x", typeSampleBytes/2+1)
	cur := cursorOf(t, []output.Column{{Name: "s"}}, [][]any{{big}, {big}, {big}})
	if len(cur.pending) != 2 {
		t.Fatalf("%d rows held to type the result; want 2, the first to pass 1 MiB", len(cur.pending))
	}
	if rows, err := textRows(t, cur); err != nil || len(rows) != 3 {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
}
