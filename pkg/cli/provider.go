package cli

import "github.com/spf13/cobra"

func newProviderCommand(opts *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "provider",
		Short: "Generate and validate providers from OpenAPI specs",
		RunE: func(cmd *cobra.Command, args []string) error {
			return errNotImplemented("provider")
		},
	}
}
