package cli

import (
	"bytes"
	"strings"
	"testing"
)

func run(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = Main(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestVersionPrintsVersionAndCommit(t *testing.T) {
	code, out, _ := run("--version")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	if !strings.HasPrefix(out, "skyql ") || !strings.Contains(out, "commit ") {
		t.Fatalf("version output %q lacks version or commit", out)
	}
}

func TestHelpListsEverySubcommand(t *testing.T) {
	code, out, _ := run("--help")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, sub := range []string{"exec", "shell", "docs", "provider", "registry", "sandbox"} {
		if !strings.Contains(out, "\n  "+sub+" ") {
			t.Errorf("help does not list %q:\n%s", sub, out)
		}
	}
}

func TestBadOutputFormatIsAUsageError(t *testing.T) {
	code, _, errOut := run("exec", "-o", "xml", "SELECT 1")
	if code != exitUsage || !strings.Contains(errOut, "unknown output format") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
}
