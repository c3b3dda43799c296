package shell

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runInteractive runs lines as if typed at a terminal width x height, with
// pager as the pager, and returns what went to Out and Err.
func runInteractive(t *testing.T, r Runner, lines string, width, height int, pager string) (stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	s := newSession(Config{
		Format: "table", Out: &out, Err: &errOut, Interactive: true, Pager: pager,
		TerminalSize: func() (int, int, error) { return width, height, nil },
	}, r)
	s.interrupt = make(chan struct{})
	if err := s.finish(s.loop(context.Background(), &input{src: newReaderLines(strings.NewReader(lines)), fromTerminal: true})); err != nil {
		t.Fatalf("shell: %v", err)
	}
	return out.String(), errOut.String()
}

func TestFooterCountsRowsAndSaysZero(t *testing.T) {
	r := &recordingRunner{results: map[string][]string{"SELECT two": {"a", "b"}, "SELECT one": {"a"}, "SELECT none": nil}}
	stdout, stderr := runInteractive(t, r, "SELECT two;\nSELECT one;\nSELECT none;\nSELECT nothing;\n", 80, 24, "")
	footers := strings.Split(strings.TrimSpace(stderr), "\n")
	want := []string{"(2 rows, ", "(1 row, ", "(0 rows, ", "(done, "}
	if len(footers) != len(want) {
		t.Fatalf("footers %q, want %d", footers, len(want))
	}
	for i, f := range footers {
		if !strings.HasPrefix(f, want[i]) || !strings.HasSuffix(f, " s)") {
			t.Errorf("footer %d: %q, want %q... s)", i, f, want[i])
		}
	}
	if !strings.Contains(stdout, "| value |\n|-------|\n") {
		t.Errorf("the empty result should still show its header:\n%s", stdout)
	}
}

func TestWideRowsSwitchToExpandedDisplay(t *testing.T) {
	wide := strings.Repeat("w", 60)
	r := &recordingRunner{results: map[string][]string{"SELECT wide": {wide}, "SELECT narrow": {"n"}}}
	stdout, _ := runInteractive(t, r, "SELECT wide;\nSELECT narrow;\n\\x off\nSELECT wide;\n\\x on\nSELECT narrow;\n", 40, 100, "")
	want := "-[ RECORD 1 ]" + strings.Repeat("-", 55) + "\nvalue | " + wide + "\n" + // auto: wider than 40
		"|-------|\n| value |\n|-------|\n| n     |\n|-------|\n" + // auto: fits
		"|--------------------------------------------------------------|\n" // off: a table however wide
	if !strings.HasPrefix(stdout, want) {
		t.Errorf("got\n%s\nwant it to start with\n%s", stdout, want)
	}
	if !strings.HasSuffix(stdout, "-[ RECORD 1 ]\nvalue | n\n\n") { // the last line ends the session, as Ctrl-D does
		t.Errorf("\\x on should expand even a narrow result:\n%s", stdout)
	}
}

func TestLongResultsGoThroughThePager(t *testing.T) {
	paged := filepath.Join(t.TempDir(), "paged")
	r := &recordingRunner{results: map[string][]string{"SELECT long": strings.Split(strings.Repeat("x", 30), ""), "SELECT short": {"s"}}}
	stdout, stderr := runInteractive(t, r, "SELECT long;\nSELECT short;\n", 80, 24, "cat > "+paged)
	got, err := os.ReadFile(paged)
	if err != nil {
		t.Fatalf("the pager did not run: %v (stderr %q)", err, stderr)
	}
	if strings.Count(string(got), "| x     |") != 30 {
		t.Errorf("the pager got %q", got)
	}
	if strings.Contains(stdout, "| x ") || !strings.Contains(stdout, "| s     |") {
		t.Errorf("stdout should hold only the short result:\n%s", stdout)
	}
	if !strings.Contains(stderr, "(30 rows, ") {
		t.Errorf("no footer after the pager: %q", stderr)
	}
}

func TestABrokenPagerFallsBackToPrinting(t *testing.T) {
	r := &recordingRunner{results: map[string][]string{"SELECT long": strings.Split(strings.Repeat("x", 30), "")}}
	stdout, stderr := runInteractive(t, r, "SELECT long;\n", 80, 24, "exit 3")
	if strings.Count(stdout, "| x     |") != 30 || !strings.Contains(stderr, `the pager "exit 3" failed`) {
		t.Errorf("stdout %q\nstderr %q", stdout, stderr)
	}
}
