package cli

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/skyql/skyql/pkg/registry"
	"github.com/spf13/cobra"
)

func newRegistryCommand(opts *globalOptions) *cobra.Command {
	var skipVerify bool
	cmd := &cobra.Command{
		Use:   "registry",
		Short: "List, pull, build and sign provider registries",
		Long: `A registry serves signed provider documents: providers.yaml and one archive
per provider version. Address it with --registry '{"url":"https://..."}' (or
file:///abs/path/to/dist); trust extra signing keys with
'{"verifyConfig":{"publicKeys":["<base64>"],"publicKeyFiles":["key.pub"]}}'.`,
	}
	cmd.PersistentFlags().BoolVar(&skipVerify, "insecure-skip-verify", false, "install without checking signatures (prints a warning every time)")
	open := func(cmd *cobra.Command) (*registry.Registry, string, error) {
		return openRegistry(cmd, opts, skipVerify)
	}
	cmd.AddCommand(
		newRegistryListCommand(opts, open),
		newRegistryPullCommand(opts, open),
		newRegistryRemoveCommand(opts),
		newRegistryBuildCommand(),
		newRegistryKeygenCommand(),
		newRegistrySignCommand(),
	)
	return cmd
}

// registryEnv holds the registry config used when --registry is not given.
const registryEnv = "SKYQL_REGISTRY"

// openRegistry opens the registry named by --registry (else $SKYQL_REGISTRY)
// and returns it with the folder providers are installed below
// (localDocRoot, else the app dir).
func openRegistry(cmd *cobra.Command, opts *globalOptions, skipVerify bool) (*registry.Registry, string, error) {
	text := opts.registry
	if text == "" {
		text = os.Getenv(registryEnv)
	}
	if text == "" {
		return nil, "", usageError{fmt.Errorf(`no registry set: pass --registry '{"url":"https://<host>/<dist dir>"}' (or file:///abs/path/to/dist), or set %s to that JSON to use it by default; SHOW PROVIDERS lists the providers installed here`, registryEnv)}
	}
	cfg, err := registry.ParseConfig(text)
	if err != nil {
		return nil, "", usageError{err}
	}
	if skipVerify {
		cfg.VerifyConfig.NopVerify = true
	}
	cfg.Warnings = cmd.ErrOrStderr()
	r, err := registry.Open(cfg)
	if err != nil {
		return nil, "", err
	}
	root := cfg.LocalDocRoot
	if root == "" {
		if root, err = opts.appDirectory(); err != nil {
			return nil, "", err
		}
	}
	return r, root, nil
}

// argRange accepts between min and max positional arguments, reporting a
// wrong count as a usage error.
func argRange(min, max int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < min || len(args) > max {
			want := "no arguments"
			if _, params, ok := strings.Cut(cmd.Use, " "); ok {
				want = params
			}
			return usageError{fmt.Errorf("usage: %s takes %s, got %d argument(s)", cmd.CommandPath(), want, len(args))}
		}
		return nil
	}
}

type openFunc func(cmd *cobra.Command) (*registry.Registry, string, error)

func newRegistryListCommand(opts *globalOptions, open openFunc) *cobra.Command {
	return &cobra.Command{
		Use:   "list [<provider>]",
		Short: "Show the newest version of each provider, or every version of one",
		Args:  argRange(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, root, err := open(cmd)
			if err != nil {
				return err
			}
			installed, err := registry.Installed(root)
			if err != nil {
				return err
			}
			installedVersions := map[string][]string{}
			for _, e := range installed {
				installedVersions[e.Name] = append(installedVersions[e.Name], e.Version)
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			if len(args) == 0 {
				list, err := r.List(cmd.Context())
				if err != nil {
					return err
				}
				fmt.Fprintln(w, "PROVIDER\tNEWEST\tINSTALLED")
				for _, l := range list {
					fmt.Fprintf(w, "%s\t%s\t%s\n", l.Name, l.Version, orDash(strings.Join(installedVersions[l.Name], ", ")))
				}
				return w.Flush()
			}
			versions, err := r.Versions(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			fmt.Fprintln(w, "VERSION\tINSTALLED")
			for _, v := range versions {
				mark := "-"
				if slices.Contains(installedVersions[args[0]], v) {
					mark = "yes"
				}
				fmt.Fprintf(w, "%s\t%s\n", v, mark)
			}
			return w.Flush()
		},
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func newRegistryPullCommand(opts *globalOptions, open openFunc) *cobra.Command {
	var fromDir string
	cmd := &cobra.Command{
		Use:   "pull <provider>[@<version>] [<version>]",
		Short: "Install a provider version (the newest when omitted) after checking its signatures, or from a local source tree",
		Long: `Install a provider version from the registry named by --registry (the newest
when no version is given), or with --from-dir from a source tree on disk, as the
public registry keeps them: providers/src/<provider>/<version> (or the provider
folder above, to install each version in it). Documents the anchor tool accepts
but that carry known faults are installed with a warning; anything unsafe or
unreadable is refused and nothing is installed.

An installed version is used by queries in preference to the one built into
skyql, whatever the version numbers; pin another with --registry
'{"pins":{"<provider>":"<version>"}}' or the app directory's config.json.`,
		Example: `  skyql registry pull azure@v24.01.00200 --registry '{"url":"https://..."}'
  skyql registry pull okta --insecure-skip-verify --registry '{"url":"file:///srv/dist"}'
  skyql registry pull --from-dir providers/src/okta/v00.00.00000`,
		Args: argRange(0, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if fromDir != "" {
				if len(args) > 0 {
					return usageError{fmt.Errorf("registry pull --from-dir takes no provider: the folder's provider.yaml names it (got %q)", strings.Join(args, " "))}
				}
				appDir, err := opts.appDirectory()
				if err != nil {
					return err
				}
				entries, err := registry.InstallDir(fromDir, appDir, cmd.ErrOrStderr())
				for _, e := range entries {
					fmt.Fprintf(cmd.OutOrStdout(), "installed %s %s from %s into %s\n", e.Name, e.Version, e.From, e.Dir)
				}
				return err
			}
			if len(args) == 0 {
				return usageError{fmt.Errorf("registry pull needs a provider (e.g. azure or azure@v24.01.00200), or --from-dir DIR")}
			}
			name, version, err := registry.SplitPinned(args[0])
			if err != nil {
				return usageError{err}
			}
			if len(args) == 2 {
				if version != "" && version != args[1] {
					return usageError{fmt.Errorf("registry pull %s %s names two versions: give one, as %s@<version> or as a second argument", args[0], args[1], name)}
				}
				version = args[1]
			}
			r, root, err := open(cmd)
			if err != nil {
				return err
			}
			entry, err := r.Pull(cmd.Context(), name, version, root)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "pulled %s %s into %s\n", entry.Name, entry.Version, entry.Dir)
			return nil
		},
	}
	cmd.Flags().StringVar(&fromDir, "from-dir", "", "install from this source tree folder (providers/src/<provider>/<version>, or the provider folder) instead of a registry")
	return cmd
}

func newRegistryRemoveCommand(opts *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "remove <provider>[@<version>]",
		Short: "Delete a pulled provider (every pulled version, or one), so queries use the built-in one again",
		Example: `  skyql registry remove azure
  skyql registry remove azure@v24.10.00256`,
		Args: argRange(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, version, _ := strings.Cut(args[0], "@")
			appDir, err := opts.appDirectory()
			if err != nil {
				return err
			}
			removed, err := registry.Remove(appDir, name, version)
			for _, e := range removed {
				fmt.Fprintf(cmd.OutOrStdout(), "removed %s %s from %s\n", e.Name, e.Version, e.Dir)
			}
			return err
		},
	}
}

func newRegistryBuildCommand() *cobra.Command {
	var keyFile string
	cmd := &cobra.Command{
		Use:   "build <src dir> <out dir>",
		Short: "Build a registry dist directory (providers.yaml and signed archives) from a source tree",
		Args:  argRange(2, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if keyFile == "" {
				return usageError{fmt.Errorf("build needs --key <private key file> (create one with `skyql registry keygen --out DIR`)")}
			}
			key, err := registry.ReadPrivateKey(keyFile)
			if err != nil {
				return err
			}
			if err := registry.Build(args[0], args[1], key); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "built registry in %s; serve that folder and pass --registry '{\"url\":\"<its URL>\"}'\n", args[1])
			return nil
		},
	}
	cmd.Flags().StringVar(&keyFile, "key", "", "Ed25519 private key file (PEM or base64) to sign with")
	return cmd
}

func newRegistryKeygenCommand() *cobra.Command {
	var outDir, format string
	cmd := &cobra.Command{
		Use:   "keygen",
		Short: "Create an Ed25519 signing key pair",
		Args:  argRange(0, 0),
		RunE: func(cmd *cobra.Command, args []string) error {
			if outDir == "" {
				return usageError{fmt.Errorf("keygen needs --out DIR")}
			}
			privPath, pubPath, err := registry.GenerateKey(outDir, format)
			if err != nil {
				return err
			}
			pub, err := registry.ReadPublicKey(pubPath)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "private key: %s (keep it secret; sign with --key)\n", privPath)
			fmt.Fprintf(out, "public key:  %s\n", pubPath)
			fmt.Fprintf(out, "clients trust it with --registry '{\"url\":\"...\",\"verifyConfig\":{\"publicKeys\":[\"%s\"]}}'\n", registry.EncodePublicKeyBase64(pub))
			return nil
		},
	}
	cmd.Flags().StringVar(&outDir, "out", "", "directory to write "+registry.PrivateKeyFile+" and "+registry.PublicKeyFile+" into")
	cmd.Flags().StringVar(&format, "format", registry.FormatPEM, "key file format: pem|base64")
	return cmd
}

func newRegistrySignCommand() *cobra.Command {
	var keyFile string
	cmd := &cobra.Command{
		Use:   "sign <file>",
		Short: "Write <file>.sig, a base64 Ed25519 signature of the file",
		Args:  argRange(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if keyFile == "" {
				return usageError{fmt.Errorf("sign needs --key <private key file>")}
			}
			key, err := registry.ReadPrivateKey(keyFile)
			if err != nil {
				return err
			}
			sigPath, err := registry.SignFile(args[0], key)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s\n", sigPath)
			return nil
		},
	}
	cmd.Flags().StringVar(&keyFile, "key", "", "Ed25519 private key file (PEM or base64)")
	return cmd
}
