package test

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/skyql/skyql/pkg/emulator"
)

// terminal is skyql shell running in a pseudo-terminal, as a user runs it.
type terminal struct {
	t    *testing.T
	tty  *os.File
	cmd  *exec.Cmd
	mu   sync.Mutex
	seen bytes.Buffer // everything the shell printed
	read int          // how much of seen the last wait consumed
}

// startShell runs skyql shell against the emulator in a terminal of the
// given size, with env added to the environment.
func startShell(t *testing.T, sb *sandbox, rows, cols uint16, env ...string) *terminal {
	t.Helper()
	cmd := exec.Command(skyqlBin, "--endpoint", "azure="+sb.url, "--app-dir", t.TempDir(),
		"--auth", `{"azure":{"type":"bearer","credentialsenvvar":"`+tokenEnv+`"}}`, "shell")
	cmd.Env = append(os.Environ(), append([]string{"TERM=xterm", "PAGER=", "LESS=", tokenEnv + "=" + sb.Token()}, env...)...)
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: rows, Cols: cols})
	if err != nil {
		t.Fatal(err)
	}
	term := &terminal{t: t, tty: tty, cmd: cmd}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := tty.Read(buf)
			term.mu.Lock()
			term.seen.Write(buf[:n])
			term.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		tty.Close()
	})
	term.waitFor("skyql> ")
	return term
}

// typeKeys sends keys as typed; \t is Tab, \r Enter, \x03 Ctrl-C.
func (term *terminal) typeKeys(keys string) {
	term.t.Helper()
	if _, err := io.WriteString(term.tty, keys); err != nil {
		term.t.Fatal(err)
	}
}

// ansi matches the terminal control sequences the line editor and less
// print, which come between the characters a user sees.
var ansi = regexp.MustCompile("\x1b\\[[0-9;?]*[A-Za-z]|\x1b[=>]|\r")

// waitFor waits until the shell has printed want since the last wait (with
// control sequences removed) and returns what it printed up to there. The
// deadline only bounds a hung shell; nothing is timed.
func (term *terminal) waitFor(want string) string {
	term.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		term.mu.Lock()
		text := ansi.ReplaceAllString(term.seen.String()[term.read:], "")
		raw := term.seen.Len()
		term.mu.Unlock()
		if i := strings.Index(text, want); i >= 0 {
			term.read = raw
			return text[:i+len(want)]
		}
		if time.Now().After(deadline) {
			term.t.Fatalf("the shell never printed %q; it printed:\n%s", want, text)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

const inVault = " WHERE subscriptionId = '" + sub + "' AND resourceGroupName = 'rg-prod-eastus' AND vaultName = 'vault-prod-01'"

func TestShellInATerminalCompletesAndShowsAFooter(t *testing.T) {
	sb := startEmulator(t, emulator.Options{})
	term := startShell(t, sb, 40, 200)

	term.typeKeys("SELECT count(*) AS n FROM azure.data_protection.backup_inst\t")
	term.waitFor("azure.data_protection.backup_instances")
	term.typeKeys(" WHERE subscriptionId = '" + sub + "' AND resourceGr\t")
	term.waitFor("resourceGroupName")
	term.typeKeys(" = 'rg-prod-eastus' AND vaultN\t")
	term.waitFor("vaultName")
	term.typeKeys(" = 'vault-prod-01'\r")
	term.waitFor("...> ") // the statement goes on
	term.typeKeys("AND json_extract(properties, '$.currentProt\t")
	term.waitFor("'$.currentProtectionState")
	term.typeKeys("') IS NOT NULL;\r")
	out := term.waitFor(" s)")
	if !regexp.MustCompile(`\| +\d+ \|\n\|-+\|\n\(1 row, \d+\.\d{3} s\)`).MatchString(out) {
		t.Errorf("want a table and a (1 row, T s) footer:\n%s", out)
	}

	// Up recalls the whole statement, typed on two lines, as one entry.
	term.typeKeys("\x1b[A")
	term.waitFor("vaultName = 'vault-prod-01' AND json_extract(properties, '$.currentProtectionState') IS NOT NULL;")
	term.typeKeys("\x15\\dt azure.data_protection.backup_v%;\r") // Ctrl-U clears the recalled line
	if out := term.waitFor("(2 rows, "); !strings.Contains(out, "| backup_vaults ") {
		t.Errorf(`\dt printed:\n%s`, out)
	}
	term.typeKeys("SELECT 1 AS one WHERE 1 = 0;\r")
	term.waitFor("(0 rows, ")
	term.typeKeys("quit\r")
	if err := term.cmd.Wait(); err != nil {
		t.Errorf("quit: %v", err)
	}
}

func TestShellInATerminalPagesALongResult(t *testing.T) {
	sb := startEmulator(t, emulator.Options{})
	term := startShell(t, sb, 12, 200) // PAGER is empty: the default, less -S
	term.typeKeys("SELECT name FROM azure.data_protection.backup_instances" + inVault + " LIMIT 20;\r")
	term.waitFor("| aks-prod01-000003-") // the first page of less
	term.typeKeys("G")                   // to the end
	term.waitFor("(END)")
	term.typeKeys("q")
	out := term.waitFor("(20 rows, ")
	if strings.Count(out, "aks-") != 0 {
		t.Errorf("rows were printed after the pager closed:\n%s", out)
	}
}

func TestShellInATerminalCancelsAtCtrlCAndTellsTheTruth(t *testing.T) {
	sb := startEmulator(t, emulator.Options{Latency: 5 * time.Second})
	term := startShell(t, sb, 40, 200)
	term.typeKeys("SELECT count(*) FROM azure.data_protection.backup_instances WHERE subscriptionId = '" + sub +
		"' AND resourceGroupName = 'rg-prod-eastus' AND vaultName IN ('vault-prod-01', 'vault-prod-02', 'vault-x');\r")
	for sb.Stats().InFlight < 3 { // every call is waiting on the emulator
		time.Sleep(20 * time.Millisecond)
	}
	term.typeKeys("\x03")
	out := term.waitFor("canceled")
	if strings.Contains(out, "3/3 calls") || strings.Contains(out, "rows, ") {
		t.Errorf("after Ctrl-C the shell claimed the fetch finished:\n%s", out)
	}
	term.typeKeys("SELECT 'still' || ' here' AS alive;\r")
	if out := term.waitFor("(1 row, "); !strings.Contains(out, "| still here |") {
		t.Errorf("the shell did not go on after Ctrl-C:\n%s", out)
	}
}
