package cli

import "github.com/spf13/cobra"

func newRegistryCommand(opts *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "registry",
		Short: "List, pull, build and sign provider registries",
		RunE: func(cmd *cobra.Command, args []string) error {
			return errNotImplemented("registry")
		},
	}
}
