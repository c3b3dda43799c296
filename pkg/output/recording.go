package output

import (
	"errors"
	"io"
)

// destination is where a writer from New prints. While a Recorder asks, it
// keeps a copy of what passes through: every writer prints a result whole
// by the time End returns, and nothing outside Begin and End.
type destination struct {
	w      io.Writer
	format string

	keeping bool
	limit   int
	kept    []byte
}

func (d *destination) Write(p []byte) (int, error) {
	if d.keeping {
		if len(d.kept)+len(p) > d.limit {
			d.keeping, d.kept = false, nil
		} else {
			d.kept = append(d.kept, p...)
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
// keeps a copy of the bytes it prints, which Replay prints again for a
// writer of the same format: a result cache keeps such recordings. A
// result over the size limit is printed but not kept.
type Recorder struct {
	next      Writer
	limit     int
	recording []byte
}

// NewRecorder returns a Recorder that keeps results of up to limit bytes.
func NewRecorder(next Writer, limit int) *Recorder {
	return &Recorder{next: next, limit: limit}
}

// Begin implements Writer.
func (r *Recorder) Begin(cols []Column) error {
	r.recording = nil
	if w, ok := r.next.(recordable); ok {
		d := w.destination()
		d.keeping, d.limit = true, r.limit
		d.kept = append(make([]byte, 0, 64<<10), recordingMagic+d.format+"\n"...)
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
		if err == nil && d.keeping {
			r.recording = d.kept
		}
		d.keeping, d.kept = false, nil
	}
	return err
}

// Close stops keeping a copy of what the writer prints. End does that;
// Close is for a result that never ended (its query failed), so that
// the writer's later results are not copied.
func (r *Recorder) Close() {
	if w, ok := r.next.(recordable); ok {
		d := w.destination()
		d.keeping, d.kept = false, nil
	}
}

// Recording returns the result as printed, once it has ended, and false if
// it was not kept: it was over the limit, or printed by a Writer not from
// New.
func (r *Recorder) Recording() ([]byte, bool) {
	return r.recording, r.recording != nil
}

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
