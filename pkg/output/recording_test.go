package output

import (
	"bytes"
	"errors"
	"testing"
)

// cappedBuffer takes writes until they would pass limit bytes, as a kept
// result does.
type cappedBuffer struct {
	bytes.Buffer
	limit int
}

func (c *cappedBuffer) Write(p []byte) (int, error) {
	if c.Len()+len(p) > c.limit {
		return 0, errors.New("over the limit")
	}
	return c.Buffer.Write(p)
}

// record prints rows through a Recorder to w and returns what it kept, in
// a buffer of limit bytes.
func record(t *testing.T, w Writer, limit int, cols []Column, rows [][]any) ([]byte, bool) {
	t.Helper()
	kept := &cappedBuffer{limit: limit}
	rec := NewRecorder(w, kept)
	if err := rec.Begin(cols); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := rec.Row(r); err != nil {
			t.Fatal(err)
		}
	}
	if rec.Kept() {
		t.Fatal("Kept before End")
	}
	if err := rec.End(); err != nil {
		t.Fatal(err)
	}
	if !rec.Kept() {
		return nil, false
	}
	return kept.Bytes(), true
}

func TestReplayPrintsWhatWasPrinted(t *testing.T) {
	for _, format := range Formats {
		t.Run(format, func(t *testing.T) {
			// The recorded result is the second one a writer prints: it
			// must stand on its own.
			var printed bytes.Buffer
			w, _ := New(format, &printed)
			first := [][]any{{"x", "y", 1.5, false, nil, nil, nil, nil, int64(0)}}
			if _, ok := record(t, w, 1<<20, sampleColumns, first); !ok {
				t.Fatal("a small result was not kept")
			}
			before := printed.Len()
			recording, ok := record(t, w, 1<<20, sampleColumns, sampleRows)
			if !ok {
				t.Fatal("a small result was not kept")
			}
			second := printed.String()[before:]
			if direct := render(t, format, sampleColumns, sampleRows); second != direct {
				t.Fatalf("the Recorder changed what was printed:\n%s\nwant\n%s", second, direct)
			}
			var again bytes.Buffer
			w2, _ := New(format, &again)
			if err := Replay(bytes.NewReader(recording), w2); err != nil {
				t.Fatal(err)
			}
			if again.String() != second {
				t.Fatalf("replayed:\n%s\nprinted:\n%s", again.String(), second)
			}
		})
	}
}

func TestRecorderKeepsNothingOverItsLimit(t *testing.T) {
	var printed bytes.Buffer
	w, _ := New("csv", &printed)
	if recording, ok := record(t, w, 64, sampleColumns, sampleRows); ok || recording != nil {
		t.Fatalf("kept %d bytes over a 64-byte limit", len(recording))
	}
	if printed.String() != render(t, "csv", sampleColumns, sampleRows) {
		t.Fatal("a result over the limit was not printed whole")
	}
	if _, ok := record(t, &rowKeeper{}, 1<<20, sampleColumns, sampleRows); ok || Recordable(&rowKeeper{}) {
		t.Fatal("kept the result of a Writer not from New")
	}
	if !Recordable(w) {
		t.Fatal("a Writer from New is not recordable")
	}
}

// rowKeeper is a Writer not from New.
type rowKeeper struct{ rows int }

func (k *rowKeeper) Begin([]Column) error { return nil }
func (k *rowKeeper) Row([]any) error      { k.rows++; return nil }
func (k *rowKeeper) End() error           { return nil }

func TestReplayElsewherePrintsNothing(t *testing.T) {
	w, _ := New("csv", &bytes.Buffer{})
	recording, _ := record(t, w, 1<<20, sampleColumns, sampleRows)
	cases := map[string]struct {
		recording []byte
		format    string
	}{
		"another format":    {recording, "json"},
		"another version":   {append([]byte("skyql-output-0 csv\n"), recording[len(recordingMagic)+4:]...), "csv"},
		"empty":             {nil, "csv"},
		"cut in the header": {recording[:len(recordingMagic)+2], "csv"},
	}
	for name, c := range cases {
		var out bytes.Buffer
		w, _ := New(c.format, &out)
		if err := Replay(bytes.NewReader(c.recording), w); !errors.Is(err, ErrNotReplayable) {
			t.Errorf("%s: err = %v, want ErrNotReplayable", name, err)
		}
		if out.Len() > 0 {
			t.Errorf("%s: printed %q", name, out.String())
		}
	}
	if err := Replay(bytes.NewReader(recording), &rowKeeper{}); !errors.Is(err, ErrNotReplayable) {
		t.Errorf("replay to a Writer not from New: err = %v", err)
	}
}
