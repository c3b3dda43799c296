package cli

import "github.com/spf13/cobra"

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
