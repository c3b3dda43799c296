package test

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
)

// The binary against a hostile API: what the executor's tests show per
// request must reach the user as a failure, never as exit 0.

const vaultsSQL = "SELECT name FROM azure.data_protection.backup_vaults WHERE subscriptionId = '" + sub + "'"

// hostileAzure answers the vault list by calling misbehave, and counts
// the requests that reached it.
func hostileAzure(t *testing.T, misbehave http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		misbehave(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// silent answers nothing, not even headers, until skyql leaves.
func silent(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() }

func hostileArgs(t *testing.T, url string, args ...string) []string {
	return append([]string{"--endpoint", "azure=" + url,
		"--auth", `{"azure":{"type":"bearer","credentialsenvvar":"` + tokenEnv + `"}}`,
		"--app-dir", t.TempDir()}, args...)
}

func TestHostileAPIsFailTheQuery(t *testing.T) {
	elsewhere, stolen := hostileAzure(t, func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, `{"value":[{"name":"stolen-row"}]}`)
	})
	const token = "e2e-hostile-token-9b1d"
	for _, tc := range []struct {
		name      string
		misbehave http.HandlerFunc
		flags     []string
		wants     []string
	}{
		{"redirect to another port", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, elsewhere.URL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
		}, nil, []string{"refused"}},
		{"stalled body", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, `{"value":[`)
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}, []string{"--body-idle-timeout", "100ms"}, []string{"the response body sent nothing within 100ms"}},
		{"endless body", func(w http.ResponseWriter, _ *http.Request) {
			for err := error(nil); err == nil; _, err = fmt.Fprint(w, "                ") {
			}
		}, []string{"--max-response-size", "64KiB"}, []string{"larger than 64 KiB"}},
		{"silent server", silent, []string{"--header-timeout", "100ms"}, []string{"no response headers within 100ms"}},
		{"error echoing the token", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintf(w, `{"error":{"code":"Denied","message":"token %s is not allowed"}}`, r.Header.Get("Authorization"))
		}, nil, []string{"token Bearer *** is not allowed"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := hostileAzure(t, tc.misbehave)
			args := hostileArgs(t, srv.URL, append(append([]string{"exec"}, tc.flags...), vaultsSQL)...)
			r := runSkyql(t, []string{tokenEnv + "=" + token}, args...)
			r.mustFail(t, tc.wants...)
			if strings.Contains(r.stdout, "stolen-row") || strings.Contains(r.stderr, token) {
				t.Fatalf("stolen rows or the token were printed:\nstdout %s\nstderr %s", r.stdout, r.stderr)
			}
		})
	}
	if stolen.Load() != 0 {
		t.Fatalf("%d requests reached the other origin", stolen.Load())
	}
}

func TestDryRunIsOffline(t *testing.T) {
	// Every credential source the default chain could try points at a
	// recorder: a managed-identity endpoint and an `az` that leaves a mark.
	identity, asked := hostileAzure(t, func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, `{"access_token":"mi-token","expires_in":"3600","token_type":"Bearer"}`)
	})
	bin := t.TempDir()
	mark := filepath.Join(bin, "az-ran")
	if err := os.WriteFile(filepath.Join(bin, "az"), []byte("#!/bin/sh\ntouch "+mark+"\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	env := []string{"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"),
		"IDENTITY_ENDPOINT=" + identity.URL, "IDENTITY_HEADER=secret-header"}
	r := runSkyql(t, env, "--app-dir", t.TempDir(), "--dry-run", "exec",
		fmt.Sprintf("DELETE FROM azure.data_protection.backup_instances WHERE %s AND backupInstanceName = 'disk-new'", instanceWhere)).mustSucceed(t)
	if !strings.Contains(r.stderr, "DELETE https://management.azure.com/") || !strings.Contains(r.stderr, "Authorization: Bearer ***") {
		t.Fatalf("dry run output:\n%s", r.stderr)
	}
	if _, err := os.Stat(mark); err == nil || asked.Load() != 0 {
		t.Fatalf("the dry run walked the credential chain (az ran: %v, identity endpoint asked %d times)", err == nil, asked.Load())
	}
}

func TestTerminationSignalsCleanUpLikeCtrlC(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGHUP, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			asked := make(chan struct{}, 1)
			srv, _ := hostileAzure(t, func(w http.ResponseWriter, r *http.Request) {
				asked <- struct{}{}
				silent(w, r)
			})
			tmp := t.TempDir()
			cmd := exec.Command(skyqlBin, hostileArgs(t, srv.URL, "--no-cache", "exec", vaultsSQL)...)
			cmd.Env = append(os.Environ(), tokenEnv+"=t", "TMPDIR="+tmp)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			<-asked // the scratch database exists and the statement is running
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 {
				t.Fatalf("exit: %v, want skyql's own failure exit 1\nstderr: %s", err, stderr.String())
			}
			left, _ := filepath.Glob(filepath.Join(tmp, "skyql-*"))
			if len(left) > 0 {
				t.Fatalf("the scratch database was left behind: %v", left)
			}
			if !strings.Contains(stderr.String(), "canceled") {
				t.Fatalf("stderr: %s", stderr.String())
			}
		})
	}
}
