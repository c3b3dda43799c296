package shell

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestCommandsEndAtTheLineBreakAndNeverStartAStatement(t *testing.T) {
	r := &recordingRunner{}
	err, stdout, stderr := runScript(t, "help\n\\?\nSELECT 1;\nquit\nSELECT 2;\n", r)
	if err != nil {
		t.Fatalf("Run: %v (%s)", err, stderr)
	}
	if got := r.statements(); !reflect.DeepEqual(got, []string{"SELECT 1"}) {
		t.Errorf("statements %q: quit should stop before SELECT 2", got)
	}
	if strings.Count(stdout, `\dt, .tables`) != 2 {
		t.Errorf("help and \\? should each print the list:\n%s", stdout)
	}
	for _, leave := range []string{"exit", `\q`, ".quit", "EXIT;"} {
		r := &recordingRunner{}
		if err, _, _ := runScript(t, leave+"\nSELECT 1;\n", r); err != nil || len(r.statements()) != 0 {
			t.Errorf("%s: Run %v, statements %q", leave, err, r.statements())
		}
	}
}

func TestCommandsRunTheStatementsTheyStandFor(t *testing.T) {
	r := &recordingRunner{}
	script := "\\d;\n.tables\n\\dt azure\n\\dt azure.compute\n\\dt azure.compute.virtual%\n" +
		"\\d azure.compute.virtual_machines\n.schema azure.compute.disks;\n\\d+ azure.compute.disks\n"
	if err, _, stderr := runScript(t, script, r); err != nil {
		t.Fatalf("Run: %v (%s)", err, stderr)
	}
	want := []string{
		"SHOW PROVIDERS", "SHOW PROVIDERS", "SHOW SERVICES IN azure", "SHOW RESOURCES IN azure.compute",
		"SHOW RESOURCES IN azure.compute LIKE 'virtual%'", "DESCRIBE azure.compute.virtual_machines",
		"DESCRIBE azure.compute.disks", "DESCRIBE EXTENDED azure.compute.disks",
	}
	if got := r.statements(); !reflect.DeepEqual(got, want) {
		t.Errorf("statements\n got %q\nwant %q", got, want)
	}
}

func TestBadCommandsFailWithUsageAndTheScriptGoesOn(t *testing.T) {
	r := &recordingRunner{failing: map[string]bool{"SELECT * FROM missing": true}}
	script := "\\d azure'x\n\\d azure; DROP\n\\x sideways\n\\timing on\nSELECT * FROM missing;\n\\nope\nSELECT 1;\n"
	err, _, stderr := runScript(t, script, r)
	if err == nil || !strings.Contains(err.Error(), "5 of 7 statements failed") {
		t.Fatalf("Run returned %v; stderr:\n%s", err, stderr)
	}
	for _, want := range []string{
		`error in the command on line 1: \d: "azure'x" is not a name like azure.compute.virtual_machines`,
		`error in the command on line 2: \d takes one name, got 2 words`,
		`usage: \x [on|off|auto]`,
		"error in the statement on line 5: no such table",
		`unknown command "\\nope": type help or \? for the list`,
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if got := r.statements(); !reflect.DeepEqual(got, []string{"SELECT * FROM missing", "SELECT 1"}) {
		t.Errorf("statements %q", got)
	}
}

func TestOutputToAFileAndBack(t *testing.T) {
	file := filepath.Join(t.TempDir(), "out.csv")
	r := &recordingRunner{results: map[string][]string{"SELECT a": {"a"}, "SELECT b": {"b"}}}
	err, stdout, stderr := runScript(t, "\\o "+file+"\nSELECT a;\n\\o\nSELECT b;\n", r)
	if err != nil {
		t.Fatalf("Run: %v (%s)", err, stderr)
	}
	got, _ := os.ReadFile(file)
	if !strings.Contains(string(got), "| a ") || strings.Contains(string(got), "| b ") {
		t.Errorf("file holds %q, want only the first result", got)
	}
	if !strings.Contains(stdout, "| b ") || strings.Contains(stdout, "| a ") {
		t.Errorf("stdout %q, want only the second result", stdout)
	}
}

func TestIncludeRunsAFileAndReportsItsErrorsByLine(t *testing.T) {
	dir := t.TempDir()
	inner := filepath.Join(dir, "inner.sql")
	if err := os.WriteFile(inner, []byte("SELECT 1;\n\n\nSELECT * FROM missing;\n\\x on\nSELECT 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := &recordingRunner{failing: map[string]bool{"SELECT * FROM missing": true}, results: map[string][]string{"SELECT 2": {"two"}}}
	err, stdout, stderr := runScript(t, ".read "+inner+"\nSELECT 3;\n\\i "+filepath.Join(dir, "nope.sql")+"\n", r)
	if err == nil || !strings.Contains(err.Error(), "2 of 6 statements failed") {
		t.Fatalf("Run returned %v; stderr:\n%s", err, stderr)
	}
	if got := r.statements(); !reflect.DeepEqual(got, []string{"SELECT 1", "SELECT * FROM missing", "SELECT 2", "SELECT 3"}) {
		t.Errorf("statements %q", got)
	}
	for _, want := range []string{"error in the statement on line 4 in " + inner + ": no such table", "no such file or directory"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if !strings.Contains(stdout, "-[ RECORD 1 ]\nvalue | two\n") {
		t.Errorf("\\x on in the file: stdout %q, want an expanded record", stdout)
	}
}

func TestBackslashCommandsWorkInsideAStatementButNotInsideAString(t *testing.T) {
	r := &recordingRunner{}
	err, _, stderr := runScript(t, "SELECT 1\n\\timing on\n, 2;\nSELECT 'a\n\\x\n';\nSELECT 3\n.timing off\n;\n", r)
	if err != nil {
		t.Fatalf("Run: %v (%s)", err, stderr)
	}
	want := []string{"SELECT 1\n, 2", "SELECT 'a\n\\x\n'", "SELECT 3\n.timing off"}
	if got := r.statements(); !reflect.DeepEqual(got, want) {
		t.Errorf("statements\n got %q\nwant %q", got, want)
	}
	if !strings.Contains(stderr, "Timing is on.") || strings.Contains(stderr, "Expanded") {
		t.Errorf("stderr %q: \\timing should run, \\x is inside a string", stderr)
	}
}
