package cli

import "github.com/spf13/cobra"

func newDocsCommand(opts *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "docs [--out DIR] <provider>[.<service>]",
		Short: "Generate a reference page per resource",
		RunE: func(cmd *cobra.Command, args []string) error {
			return errNotImplemented("docs")
		},
	}
}
