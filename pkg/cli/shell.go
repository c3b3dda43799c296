package cli

import "github.com/spf13/cobra"

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
