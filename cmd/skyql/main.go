// Command skyql queries and manages cloud APIs with SQL.
//
// All behaviour lives in pkg/cli; this file only hands over the process's
// arguments and turns the outcome into an exit code.
//
// SKYQL_CPUPROFILE=FILE writes a pprof CPU profile of the whole run to
// FILE, for `go tool pprof` (see docs/performance.md).
package main

import (
	"fmt"
	"os"
	"runtime/pprof"

	"github.com/skyql/skyql/pkg/cli"
)

func main() {
	os.Exit(run())
}

func run() int {
	if path := os.Getenv("SKYQL_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			fmt.Fprintf(os.Stderr, "skyql: SKYQL_CPUPROFILE: %v\n", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(os.Stderr, "skyql: SKYQL_CPUPROFILE: %v\n", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	return cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
}
