// Package cli wires skyql's commands (cobra) to the engine. It parses flags,
// builds an engine.Session from them and maps results to exit codes; it holds
// no query logic of its own.
package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// Exit codes. Anything but success means something the user asked for did
// not happen, so scripts and CI jobs can rely on `$?`.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// usageError marks errors in how skyql was called (bad flag, missing
// argument), as opposed to a query or API that failed.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

// Main runs skyql with args and returns the process exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCommand(stdin, stdout, stderr)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	fmt.Fprintf(stderr, "skyql: %v\n", err)
	var ue usageError
	if errors.As(err, &ue) {
		return exitUsage
	}
	return exitError
}

func newRootCommand(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	opts := &globalOptions{}
	root := &cobra.Command{
		Use:   "skyql",
		Short: "Query and manage cloud APIs with SQL",
		Long: `skyql turns OpenAPI-described cloud APIs (Azure first) into SQL tables:
SELECT inventory, join across services, and create, update, delete or run
actions on resources, from a shell, a script or CI.`,
		Version:       versionString(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	opts.register(root)

	root.AddCommand(
		newExecCommand(opts),
		newShellCommand(opts),
		newDocsCommand(opts),
		newProviderCommand(opts),
		newRegistryCommand(opts),
		newSandboxCommand(opts),
		newServeCommand(opts),
		newCacheCommand(opts),
	)
	return root
}
