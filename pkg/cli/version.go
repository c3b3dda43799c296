package cli

import (
	"fmt"
	"runtime/debug"
)

// Set at link time by the Makefile (-X); a plain `go run` or `go build`
// falls back to what the Go toolchain recorded in the binary.
var (
	version = ""
	commit  = ""
)

// versionString reports the version and the commit the binary was built from.
func versionString() string {
	v, c := version, commit
	if info, ok := debug.ReadBuildInfo(); ok {
		if v == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			v = info.Main.Version
		}
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && c == "" {
				c = s.Value
			}
		}
	}
	if v == "" {
		v = "dev"
	}
	if c == "" {
		c = "unknown (built without VCS stamping; `make build` records it)"
	}
	return fmt.Sprintf("skyql %s (commit %s)", v, c)
}
