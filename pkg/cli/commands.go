package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

// errNotImplemented is returned by commands whose issue has not landed yet,
// so that nothing ever reports a silent success.
func errNotImplemented(what string) error {
	return fmt.Errorf("%s is not implemented yet", what)
}

func newExecCommand(opts *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "exec [SQL]",
		Short: "Run SQL statements and print their results",
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.validate(); err != nil {
				return err
			}
			return errNotImplemented("exec")
		},
	}
}

func newShellCommand(opts *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "shell",
		Short: "Start an interactive SQL shell",
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.validate(); err != nil {
				return err
			}
			return errNotImplemented("shell")
		},
	}
}

func newDocsCommand(opts *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "docs [--out DIR] <provider>[.<service>]",
		Short: "Generate a reference page per resource",
		RunE: func(cmd *cobra.Command, args []string) error {
			return errNotImplemented("docs")
		},
	}
}

func newProviderCommand(opts *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "provider",
		Short: "Generate and validate providers from OpenAPI specs",
		RunE: func(cmd *cobra.Command, args []string) error {
			return errNotImplemented("provider")
		},
	}
}

func newRegistryCommand(opts *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "registry",
		Short: "List, pull, build and sign provider registries",
		RunE: func(cmd *cobra.Command, args []string) error {
			return errNotImplemented("registry")
		},
	}
}

func newSandboxCommand(opts *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "sandbox",
		Short: "Serve the local Azure Resource Manager emulator",
		RunE: func(cmd *cobra.Command, args []string) error {
			return errNotImplemented("sandbox")
		},
	}
}
