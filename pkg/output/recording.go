package output

import (
	"errors"
	"io"
)

// destination is where a writer from New prints. While a Recorder asks, it
// passes a copy of what it prints to the Recorder's keep writer: every
// writer prints a result whole by the time End returns, and nothing
// outside Begin and End.
type destination struct {
	w      io.Writer
	format string

	// keep takes a copy of every byte printed while a Recorder asks; nil
	// otherwise, and once a copy failed.
	keep io.Writer
}

func (d *destination) Write(p []byte) (int, error) {
	if d.keep != nil {
		if _, err := d.keep.Write(p); err != nil {
			d.keep = nil
		}
	}
	return d.w.Write(p)
}

// printer is embedded in every writer New returns.
type printer struct{ d *destination }

func (p printer) destination() *destination { return p.d }

// recordable is what the writers New returns have in common.
type recordable interface {
	Writer
	destination() *destination
}

// recordingMagic starts every recording; the digit is the layout's
// version, the format's name follows.
const recordingMagic = "skyql-output-1 "

// Recorder is a Writer that passes one result on to a Writer from New and
// copies the bytes it prints to keep, as they are printed, in the layout
// Replay prints again for a writer of the same format: a result cache keeps
// such recordings. Nothing is held in memory: keep decides where the copy
// goes and how much of it it takes (a write that fails stops the copy).
type Recorder struct {
	next Writer
	keep io.Writer
	kept bool
}

// NewRecorder returns a Recorder that copies what next prints to keep.
func NewRecorder(next Writer, keep io.Writer) *Recorder {
	return &Recorder{next: next, keep: keep}
}

// Begin implements Writer.
func (r *Recorder) Begin(cols []Column) error {
	r.kept = false
	if w, ok := r.next.(recordable); ok {
		d := w.destination()
		d.keep = r.keep
		if _, err := io.WriteString(r.keep, recordingMagic+d.format+"\n"); err != nil {
			d.keep = nil
		}
	}
	return r.next.Begin(cols)
}

// Row implements Writer.
func (r *Recorder) Row(values []any) error { return r.next.Row(values) }

// End implements Writer.
func (r *Recorder) End() error {
	err := r.next.End()
	if w, ok := r.next.(recordable); ok {
		d := w.destination()
		r.kept = err == nil && d.keep != nil
		d.keep = nil
	}
	return err
}

// Close stops copying what the writer prints. End does that; Close is for
// a result that never ended (its query failed), so that the writer's
// later results are not copied.
func (r *Recorder) Close() {
	if w, ok := r.next.(recordable); ok {
		w.destination().keep = nil
	}
}

// Recordable reports whether a Recorder can copy what w prints: w is a
// Writer from New.
func Recordable(w Writer) bool {
	_, ok := w.(recordable)
	return ok
}

// Kept reports whether the result, once it has ended, went to keep whole:
// it was printed by a Writer from New and every copy to keep succeeded.
func (r *Recorder) Kept() bool { return r.kept }

// ErrNotReplayable is what Replay says of a recording it cannot print to
// the given writer: one damaged, made by another version, or printed in
// another format. Replay then prints nothing.
var ErrNotReplayable = errors.New("the recorded result cannot be printed in this format")

// Replay prints a recorded result, read from r, to w, a Writer from New of
// the format the recording was made with, exactly as it was printed then.
// It copies r as it is: a file goes to a file or pipe without passing
// through memory.
func Replay(r io.Reader, w Writer) error {
	out, ok := w.(recordable)
	if !ok {
		return ErrNotReplayable
	}
	d := out.destination()
	want := recordingMagic + d.format + "\n"
	header := make([]byte, len(want))
	if _, err := io.ReadFull(r, header); err != nil || string(header) != want {
		return ErrNotReplayable
	}
	_, err := io.Copy(d.w, r)
	return err
}
