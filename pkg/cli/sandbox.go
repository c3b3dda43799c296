package cli

import "github.com/spf13/cobra"

func newSandboxCommand(opts *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "sandbox",
		Short: "Serve the local Azure Resource Manager emulator",
		RunE: func(cmd *cobra.Command, args []string) error {
			return errNotImplemented("sandbox")
		},
	}
}
