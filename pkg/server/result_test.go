package server

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/skyql/skyql/pkg/output"
	"github.com/skyql/skyql/pkg/parser"
	"github.com/skyql/skyql/pkg/planner"
)

// sent runs fill on a resultWriter and reads back, with pgproto3's client
// side, the messages it sent.
func sent(t *testing.T, fill func(w *resultWriter) error) ([]pgproto3.BackendMessage, error) {
	t.Helper()
	var buf bytes.Buffer
	w := &resultWriter{b: pgproto3.NewBackend(nil, &buf), verb: "SELECT"}
	err := fill(w)
	if ferr := w.b.Flush(); ferr != nil {
		t.Fatal(ferr)
	}
	f := pgproto3.NewFrontend(&buf, io.Discard)
	var msgs []pgproto3.BackendMessage
	for {
		m, rerr := f.Receive()
		if errors.Is(rerr, io.EOF) || errors.Is(rerr, io.ErrUnexpectedEOF) {
			break
		}
		if rerr != nil {
			t.Fatal(rerr)
		}
		switch m := m.(type) { // Receive reuses its messages
		case *pgproto3.RowDescription:
			c := *m
			c.Fields = append([]pgproto3.FieldDescription(nil), m.Fields...)
			msgs = append(msgs, &c)
		case *pgproto3.DataRow:
			var values [][]byte
			for _, v := range m.Values {
				values = append(values, bytes.Clone(v))
			}
			msgs = append(msgs, &pgproto3.DataRow{Values: values})
		case *pgproto3.CommandComplete:
			msgs = append(msgs, &pgproto3.CommandComplete{CommandTag: bytes.Clone(m.CommandTag)})
		}
	}
	return msgs, err
}

func TestColumnTypesComeFromTheFirstRows(t *testing.T) {
	when := time.Date(2026, 11, 27, 4, 5, 6, 0, time.UTC)
	cols := []output.Column{{Name: "n"}, {Name: "x"}, {Name: "ok"}, {Name: "at"}, {Name: "s"}, {Name: "mixed"}, {Name: "j", JSON: true}, {Name: "none"}}
	rows := [][]any{
		{int64(1), int64(2), true, when, "a", int64(1), `{"a":1}`, nil},
		{nil, 2.5, false, nil, "b", "x", "not json", nil},
	}
	msgs, err := sent(t, func(w *resultWriter) error {
		w.Begin(cols)
		for _, r := range rows {
			if err := w.Row(r); err != nil {
				return err
			}
		}
		return w.End()
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 4 {
		t.Fatalf("%d messages: %v", len(msgs), msgs)
	}
	var types []uint32
	for _, f := range msgs[0].(*pgproto3.RowDescription).Fields {
		types = append(types, f.DataTypeOID)
	}
	want := []uint32{oidInt8, oidFloat8, oidBool, oidTimestamptz, oidText, oidText, oidJSON, oidText}
	if fmt.Sprint(types) != fmt.Sprint(want) {
		t.Errorf("types %v, want %v", types, want)
	}
	var got []string
	for _, v := range msgs[2].(*pgproto3.DataRow).Values {
		if v == nil {
			got = append(got, "NULL")
		} else {
			got = append(got, string(v))
		}
	}
	if strings.Join(got, "|") != `NULL|2.5|f|NULL|b|x|"not json"|NULL` {
		t.Errorf("second row %q", got)
	}
	if tag := string(msgs[3].(*pgproto3.CommandComplete).CommandTag); tag != "SELECT 2" {
		t.Errorf("tag %q", tag)
	}
}

func TestATypeChangeAfterTheSampleIsAnError(t *testing.T) {
	msgs, err := sent(t, func(w *resultWriter) error {
		w.Begin([]output.Column{{Name: "n"}})
		for i := range typeSample {
			if err := w.Row([]any{int64(i)}); err != nil {
				return err
			}
		}
		return w.Row([]any{"text"})
	})
	var tc *typeChangeError
	if !errors.As(err, &tc) || tc.row != typeSample+1 || errorResponse(err, "").Code != "42804" {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), "CAST(n AS TEXT)") {
		t.Errorf("the error does not say what to do: %v", err)
	}
	if len(msgs) != typeSample+1 {
		t.Errorf("%d messages, want the RowDescription and the %d rows before the change", len(msgs), typeSample)
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
	msgs, err := sent(t, func(w *resultWriter) error {
		w.Begin([]output.Column{{Name: "s"}})
		for range 3 {
			if err := w.Row([]any{big}); err != nil {
				return err
			}
		}
		return nil // no End: what went out went out because of the byte cap
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 4 {
		t.Fatalf("%d messages; want the RowDescription once 1 MiB was held, then all 3 rows", len(msgs))
	}
}
