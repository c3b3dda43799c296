package shell

import (
	"bytes"
	"fmt"
	"io"
	"os/exec"
	"time"
	"unicode/utf8"

	"github.com/skyql/skyql/pkg/output"
)

// view is how one statement's results reach the user. At an interactive
// terminal, table results are collected and shown once the statement is
// done, so that they can go through the pager or switch to expanded
// display; everything else streams to Out (or \o's file).
type view struct {
	writer    output.Writer
	collected *collector // results to show once the statement is done
	counted   *counter   // rows printed as they came, for the footer
}

// output is where results go: \o's file, or Out.
func (s *session) output() io.Writer {
	if s.outFile != nil {
		return s.outFile
	}
	return s.cfg.Out
}

func (s *session) newView() (*view, error) {
	table := s.cfg.Format == "table"
	if table && s.interactive && s.outFile == nil {
		c := &collector{}
		return &view{writer: c, collected: c}, nil
	}
	var w output.Writer
	if table && s.expanded == expandedOn {
		w = output.NewExpanded(s.output())
	} else {
		var err error
		if w, err = output.New(s.cfg.Format, s.output()); err != nil {
			return nil, err
		}
	}
	if !s.interactive {
		return &view{writer: w}, nil // as it is: kept results replay only into writers from output.New
	}
	c := &counter{next: w}
	return &view{writer: c, counted: c}, nil
}

// show prints the collected results and, at the terminal, the footer:
// "(N rows, T s)", where N counts the rows of every result of the
// statement. A failed statement shows the rows that arrived (--allow-partial)
// but no footer: its error follows.
func (v *view) show(s *session, elapsed time.Duration, ok bool) {
	rows, results := 0, 0
	switch {
	case v.collected != nil:
		s.display(v.collected.results)
		results = len(v.collected.results)
		for _, r := range v.collected.results {
			rows += len(r.rows)
		}
	case v.counted != nil:
		rows, results = v.counted.rows, v.counted.results
	}
	if !s.interactive || !ok {
		return
	}
	secs := fmt.Sprintf("%.3f s", elapsed.Seconds())
	switch {
	case results == 0:
		fmt.Fprintf(s.cfg.Err, "(done, %s)\n", secs)
	case rows == 1:
		fmt.Fprintf(s.cfg.Err, "(1 row, %s)\n", secs)
	default:
		fmt.Fprintf(s.cfg.Err, "(%d rows, %s)\n", rows, secs)
	}
}

// display prints results as tables, or in expanded display when \x is on
// or, with \x auto, when a table is wider than the terminal; through the
// pager when the text is longer or wider than the terminal.
func (s *session) display(results []result) {
	width, height := 0, 0
	if s.cfg.TerminalSize != nil {
		if w, h, err := s.cfg.TerminalSize(); err == nil {
			width, height = w, h
		}
	}
	var text bytes.Buffer
	for _, r := range results {
		start := text.Len()
		expanded := s.expanded == expandedOn
		if !expanded {
			table, _ := output.New("table", &text)
			r.writeTo(table)
			expanded = s.expanded == expandedAuto && width > 0 && len(r.rows) > 0 && widest(text.Bytes()[start:]) > width
			if expanded {
				text.Truncate(start)
			}
		}
		if expanded {
			r.writeTo(output.NewExpanded(&text))
		}
	}
	tooBig := width > 0 && (widest(text.Bytes()) > width || bytes.Count(text.Bytes(), []byte{'\n'}) > height-2)
	if tooBig && s.cfg.Pager != "" {
		err := s.page(text.Bytes())
		if err == nil {
			return
		}
		fmt.Fprintf(s.cfg.Err, "warning: the pager %q failed (%v); set PAGER to another one\n", s.cfg.Pager, err)
	}
	if _, err := s.cfg.Out.Write(text.Bytes()); err != nil {
		fmt.Fprintf(s.cfg.Err, "error: printing the result: %v\n", err)
	}
}

// page shows text through the pager, which gets the terminal until the
// user leaves it.
func (s *session) page(text []byte) error {
	cmd := exec.Command("sh", "-c", s.cfg.Pager)
	cmd.Stdin = bytes.NewReader(text)
	cmd.Stdout = s.cfg.Out
	cmd.Stderr = s.cfg.Err
	return cmd.Run()
}

// widest is the width of text's longest line, in characters.
func widest(text []byte) int {
	w := 0
	for len(text) > 0 {
		line := text
		if i := bytes.IndexByte(text, '\n'); i >= 0 {
			line, text = text[:i], text[i+1:]
		} else {
			text = nil
		}
		w = max(w, utf8.RuneCount(line))
	}
	return w
}

// result is one collected result.
type result struct {
	cols []output.Column
	rows [][]any
}

func (r result) writeTo(w output.Writer) {
	// Writers into memory fail only on a row of the wrong width, which
	// the collector already refused.
	w.Begin(r.cols)
	for _, row := range r.rows {
		w.Row(row)
	}
	w.End()
}

// collector is a Writer that keeps results to show later. The engine hands
// over each row's values in a slice of their own.
type collector struct{ results []result }

func (c *collector) Begin(cols []output.Column) error {
	c.results = append(c.results, result{cols: cols})
	return nil
}

func (c *collector) Row(values []any) error {
	if len(c.results) == 0 {
		return fmt.Errorf("shell: Row called before Begin")
	}
	r := &c.results[len(c.results)-1]
	if len(values) != len(r.cols) {
		return fmt.Errorf("shell: row has %d values but the result has %d columns", len(values), len(r.cols))
	}
	r.rows = append(r.rows, values)
	return nil
}

func (c *collector) End() error { return nil }

// counter passes results on to a Writer, counting them and their rows.
type counter struct {
	next          output.Writer
	results, rows int
}

func (c *counter) Begin(cols []output.Column) error {
	c.results++
	return c.next.Begin(cols)
}

func (c *counter) Row(values []any) error {
	c.rows++
	return c.next.Row(values)
}

func (c *counter) End() error { return c.next.End() }
