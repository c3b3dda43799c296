package cli

import (
	"strings"
	"testing"
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
}
