// Command skyql queries and manages cloud APIs with SQL.
//
// All behaviour lives in pkg/cli; this file only hands over the process's
// arguments and turns the outcome into an exit code.
package main

import (
	"os"

	"github.com/skyql/skyql/pkg/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
