package shell

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/skyql/skyql/pkg/parser"
)

// DefaultHistoryLimit is how many entries the history file keeps when
// Config.HistoryLimit is zero. It matches the line editor's own limit.
const DefaultHistoryLimit = 1000

// history is the list of statements and commands typed at the prompt, one
// entry each (a statement typed over several lines is put on one line, see
// oneLine, so that Up recalls it whole), persisted to a file only its owner
// can read, one entry per line: queries may carry subscription ids and
// resource names.
type history struct {
	path    string
	limit   int
	entries []string
}

// loadHistory reads the history file at path; a missing file is an empty
// history.
func loadHistory(path string, limit int) (*history, error) {
	h := &history{path: path, limit: limit}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return h, nil
	}
	if err != nil {
		return h, fmt.Errorf("reading history: %w", err)
	}
	defer f.Close()
	scanner := bufio.NewScanner(f)
	scanner.Buffer(nil, 1<<20)
	for scanner.Scan() {
		if line := scanner.Text(); strings.TrimSpace(line) != "" {
			h.entries = append(h.entries, line)
		}
	}
	if err := scanner.Err(); err != nil {
		return h, fmt.Errorf("reading history %s: %w", path, err)
	}
	h.trim()
	return h, nil
}

// oneLine is the history entry of a statement typed as lines.
func oneLine(lines []string) string {
	return parser.OneLine(strings.Join(lines, "\n"))
}

// add records one entry, skipping blanks and immediate repeats.
func (h *history) add(line string) bool {
	// An entry with a line break (inside a string) would be two lines of
	// the file; the line editor still recalls it in this session.
	if strings.TrimSpace(line) == "" || strings.Contains(line, "\n") || (len(h.entries) > 0 && h.entries[len(h.entries)-1] == line) {
		return false
	}
	h.entries = append(h.entries, line)
	h.trim()
	return true
}

func (h *history) trim() {
	if len(h.entries) > h.limit {
		h.entries = h.entries[len(h.entries)-h.limit:]
	}
}

// save writes the history through a temporary file renamed into place, so
// a crash never leaves a truncated file, and the file is always mode 0600.
func (h *history) save() error {
	dir := filepath.Dir(h.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("saving history: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".history-*")
	if err != nil {
		return fmt.Errorf("saving history: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	w := bufio.NewWriter(tmp)
	for _, e := range h.entries {
		w.WriteString(e)
		w.WriteByte('\n')
	}
	err = errors.Join(w.Flush(), tmp.Chmod(0o600), tmp.Close())
	if err == nil {
		err = os.Rename(tmp.Name(), h.path)
	}
	if err != nil {
		return fmt.Errorf("saving history to %s: %w", h.path, err)
	}
	return nil
}
