package store

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	sqlite3 "github.com/mattn/go-sqlite3"
)

// The result cache keeps whole query results as files in the result
// directory, so that a repeated query is answered by copying a file
// instead of running its SQL. The caller names a result by a key that
// covers everything the result depends on: the database's instance, the
// statement, the rows its views show (the calls and their generations;
// see CallRef) and the build that computed it; the file's name adds the
// SQLite library, since another version may compute a result differently.
// A key is only ever looked up with the current instance and the current
// generations of its calls, and neither comes back once gone, so a result
// whose rows were fetched again is never found; it waits for eviction,
// least recently used first, once the results pass maxResults files or
// resultBudget bytes.
const (
	// maxResultSize is the largest result worth keeping: a larger one
	// costs more to keep than to compute again.
	maxResultSize = 16 << 20
	resultBudget  = 128 << 20
	maxResults    = 1000
	// resultBlock is the least disk space a file takes, which small
	// results are counted as.
	resultBlock = 4096
	// tempPrefix starts the name of a result being written.
	tempPrefix = ".writing-"
)

// ResultSlot is where the result of one key is kept, or would be. A nil
// *ResultSlot (a store without a result directory) keeps nothing.
type ResultSlot struct {
	dir, path string
}

// Instance names this cache database among all there ever were at its
// path: Clear, and rebuilding a damaged cache, make a new one. A caller
// that keeps results reads it before it looks up a single call, and puts
// it in its keys: call ids start again in a new instance.
func (s *Store) Instance(ctx context.Context) (string, error) {
	var instance string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM skyql_meta WHERE key = 'instance'`).Scan(&instance)
	return instance, err
}

// KeepsResults reports whether the store keeps results at all (it has a
// result directory), so that callers spend nothing on keys otherwise.
func (s *Store) KeepsResults() bool { return s.resultDir != "" }

// ResultSlot returns the slot of key.
func (s *Store) ResultSlot(key string) *ResultSlot {
	if !s.KeepsResults() {
		return nil
	}
	version, _, source := sqlite3.Version()
	h := sha256.Sum256([]byte(version + "\x00" + source + "\x00" + key))
	return &ResultSlot{dir: s.resultDir, path: filepath.Join(s.resultDir, hex.EncodeToString(h[:]))}
}

// Open opens the result kept in the slot, for the caller to read and
// close, and reports false when there is none.
func (r *ResultSlot) Open() (*os.File, bool, error) {
	if r == nil {
		return nil, false, nil
	}
	f, err := os.Open(r.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	now := time.Now()
	os.Chtimes(r.path, now, now) // used: last to be evicted; a failure only costs that
	return f, true, nil
}

// Create starts keeping a result in the slot. The caller writes the result
// to the ResultFile as it prints it, then Commits or Discards it. The
// result goes to a file as it is written, never to memory whole: copying
// a 20,000-row CSV result (1.5 MB) into a growing buffer before saving it
// cost that query about 35 ms, more than printing it did.
func (r *ResultSlot) Create() (*ResultFile, error) {
	if err := os.MkdirAll(r.dir, 0o700); err != nil {
		return nil, err
	}
	// Written aside and renamed into place: a reader sees a whole result
	// or none.
	file, err := os.CreateTemp(r.dir, tempPrefix+"*")
	if err != nil {
		return nil, err
	}
	return &ResultFile{slot: r, file: file, buf: bufio.NewWriterSize(file, 64<<10)}, nil
}

// ResultFile is a result being kept. It takes at most maxResultSize bytes.
type ResultFile struct {
	slot *ResultSlot
	file *os.File
	buf  *bufio.Writer
	size int
}

// errResultTooLarge is what a ResultFile's Write says past maxResultSize,
// which stops the copy.
var errResultTooLarge = errors.New("the result is larger than a kept result may be")

// Write appends p to the result.
func (f *ResultFile) Write(p []byte) (int, error) {
	if f.size+len(p) > maxResultSize {
		return 0, errResultTooLarge
	}
	f.size += len(p)
	return f.buf.Write(p)
}

// Commit puts the result in its slot, and evicts the least recently used
// results beyond the budget.
func (f *ResultFile) Commit() error {
	err := f.buf.Flush()
	if cerr := f.file.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.file.Name(), f.slot.path)
	}
	if err != nil {
		os.Remove(f.file.Name())
		return err
	}
	return evictResults(f.slot.dir, maxResults, resultBudget)
}

// Discard drops the result.
func (f *ResultFile) Discard() {
	f.file.Close()
	os.Remove(f.file.Name())
}

// keptResult is one file in the result directory.
type keptResult struct {
	path string
	size int64 // as counted against the budget: at least a block
	used time.Time
}

// listResults lists the kept results in dir, and removes results left
// half-written by a process that died. A missing dir holds none.
func listResults(dir string) ([]keptResult, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var results []keptResult
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() {
			continue // removed meanwhile, or not ours
		}
		path := filepath.Join(dir, e.Name())
		if strings.HasPrefix(e.Name(), tempPrefix) {
			if time.Since(info.ModTime()) > time.Hour {
				os.Remove(path)
			}
			continue
		}
		results = append(results, keptResult{path, max(info.Size(), resultBlock), info.ModTime()})
	}
	return results, nil
}

// evictResults removes the least recently used results until at most
// count are left and they fit in budget bytes.
func evictResults(dir string, count int, budget int64) error {
	results, err := listResults(dir)
	if err != nil {
		return err
	}
	var total int64
	for _, r := range results {
		total += r.size
	}
	slices.SortFunc(results, func(a, b keptResult) int { return a.used.Compare(b.used) })
	for i, r := range results {
		if total <= budget && len(results)-i <= count {
			break
		}
		if err := os.Remove(r.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		total -= r.size
	}
	return nil
}

// Stats is what the cache holds.
type Stats struct {
	// Calls and Rows count the complete calls and their rows.
	Calls, Rows int64
	// Results and ResultBytes count the kept results and the disk space
	// they are counted for against the budget.
	Results, ResultBytes int64
}

// Stats says what the cache holds.
func (s *Store) Stats(ctx context.Context) (Stats, error) {
	var st Stats
	if err := s.db.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(row_count), 0) FROM skyql_calls WHERE complete = 1`).Scan(&st.Calls, &st.Rows); err != nil {
		return st, err
	}
	if !s.KeepsResults() {
		return st, nil
	}
	results, err := listResults(s.resultDir)
	for _, r := range results {
		st.Results++
		st.ResultBytes += r.size
	}
	return st, err
}
