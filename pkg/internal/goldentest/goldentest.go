// Package goldentest compares what a test generates with the copy
// committed to the repository, for tests that rewrite it with -update.
package goldentest

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// CompareTrees reports every file below fresh/dir that is missing from, or
// differs from, the same file below committed/dir, and every committed
// file no longer generated. hint says how to bring the committed copy up
// to date.
func CompareTrees(t testing.TB, fresh, committed, dir, hint string) {
	t.Helper()
	want, got := readTree(t, fresh, dir), readTree(t, committed, dir)
	for name, content := range want {
		old, ok := got[name]
		switch {
		case !ok:
			t.Errorf("%s is not committed: %s", name, hint)
		case !bytes.Equal(old, content):
			t.Errorf("%s is stale (first difference at line %d): %s", name, FirstDifferentLine(string(old), string(content)), hint)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s is committed but no longer generated: %s", name, hint)
		}
	}
}

// readTree reads the files below root/dir, by their slash path from root.
func readTree(t testing.TB, root, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		files[filepath.ToSlash(rel)] = data
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return files
}

// FirstDifferentLine is the 1-based number of the first line where a and b
// differ.
func FirstDifferentLine(a, b string) int {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			return i + 1
		}
	}
	return min(len(la), len(lb)) + 1
}
