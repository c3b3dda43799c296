package cli

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/skyql/skyql/pkg/emulator"
)

func TestSandboxRefusesNonLoopbackAddress(t *testing.T) {
	code, _, errOut := run("sandbox", "--addr", "0.0.0.0:0", "--size", "vault:1")
	if code != exitUsage || !strings.Contains(errOut, "loopback") {
		t.Fatalf("exit %d, stderr %q; want a usage error naming loopback", code, errOut)
	}
}

func TestSandboxFlagsBecomeOptions(t *testing.T) {
	f := &sandboxFlags{size: "vault:500", throttle: "5%", pageSize: 50}
	o, err := f.options()
	if err != nil {
		t.Fatal(err)
	}
	if o.ThrottleRate != 0.05 || o.Dataset.Instances != 500 || o.PageSize != 50 {
		t.Errorf("options %+v", o)
	}
	f.throttle = "20"
	if o, err = f.options(); err != nil || o.ThrottleEvery != 20 {
		t.Errorf("--throttle 20: %+v, %v", o, err)
	}
	for _, bad := range []string{"1", "x", "150%"} {
		f.throttle = bad
		if _, err := f.options(); err == nil {
			t.Errorf("--throttle %q accepted", bad)
		}
	}
	f.throttle, f.size = "", "3xbad"
	if _, err := f.options(); err == nil {
		t.Error("--size 3xbad accepted")
	}
	f.size, f.refuse = "default", []string{"sub-a=forbidden", "sub-b=Unregistered"}
	if o, err = f.options(); err != nil || o.RefuseSubscriptions["sub-a"] != emulator.RefuseForbidden || o.RefuseSubscriptions["sub-b"] != emulator.RefuseUnregistered {
		t.Errorf("--refuse-subscription: %+v, %v", o.RefuseSubscriptions, err)
	}
	for _, bad := range []string{"sub-a", "=forbidden", "sub-a=gone"} {
		f.refuse = []string{bad}
		if _, err := f.options(); err == nil {
			t.Errorf("--refuse-subscription %q accepted", bad)
		}
	}
}

// TestSandboxServesThePulledProvider: `skyql sandbox` serves the Azure
// provider pulled into --app-dir, which is newer than the bundled one, and
// the other providers installed there, each at its own endpoint.
func TestSandboxServesThePulledProvider(t *testing.T) {
	appDir := t.TempDir()
	if err := os.CopyFS(filepath.Join(appDir, "src", "tiny", "v0.10.0"), os.DirFS("../registry/testdata/src/tiny/v0.10.0")); err != nil {
		t.Fatal(err)
	}
	pulled := filepath.Join(appDir, "src", "azure", "v0.2.0")
	if err := os.CopyFS(pulled, os.DirFS("../../registry/src/azure/v0.1.0")); err != nil {
		t.Fatal(err)
	}
	manifest := filepath.Join(pulled, "provider.yaml")
	data, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	doc["version"] = "v0.2.0"
	if data, err = yaml.Marshal(doc); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(manifest, data, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	out, w := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- runSandbox(ctx, &globalOptions{appDir: appDir}, &sandboxFlags{addr: "127.0.0.1:0", size: "vault:1"}, w)
		w.Close()
	}()
	lines := bufio.NewScanner(out)
	var provider, tiny string
	for tiny == "" && lines.Scan() {
		line := strings.TrimSpace(lines.Text())
		if rest, ok := strings.CutPrefix(line, "provider:"); ok {
			provider = strings.TrimSpace(rest)
		}
		if rest, ok := strings.CutPrefix(line, "--endpoint tiny="); ok {
			tiny = rest
		}
	}
	if tiny == "" {
		t.Error("the banner names no endpoint for the installed tiny provider")
	} else if resp, err := http.Get(tiny + "/projects/p1/widgets"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("GET the tiny provider's widgets: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	cancel()
	go io.Copy(io.Discard, out)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(provider, "azure v0.2.0") {
		t.Errorf("the sandbox serves %q, want the pulled azure v0.2.0", provider)
	}
}
