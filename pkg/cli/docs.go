package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"

	"github.com/spf13/cobra"

	"github.com/skyql/skyql/pkg/docgen"
	"github.com/skyql/skyql/pkg/provider"
	pkgregistry "github.com/skyql/skyql/pkg/registry"
	"github.com/skyql/skyql/registry"
)

func newDocsCommand(opts *globalOptions) *cobra.Command {
	defaults := docgen.DefaultOptions()
	var out, src string
	pageOpts := defaults
	cmd := &cobra.Command{
		Use:   "docs [--out DIR] <provider>[.<service>]",
		Short: "Generate a reference page per resource",
		Long: `Write markdown reference pages: <out>/<provider>/<service>/<resource>/index.md for
every resource, <out>/<provider>/<service>/index.md for every service and, when a whole
provider is rendered, <out>/<provider>/index.md. Documents come from the providers built
into skyql (newest version) unless --src names a source tree.`,
		Example: `  skyql docs --out docs/providers azure
  skyql docs azure.data_protection
  skyql docs --src registry/src --out /tmp/docs azure`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			providerName, service, _ := strings.Cut(args[0], ".")
			var fsys fs.FS = registry.Source
			root := "src"
			if src != "" {
				fsys, root = os.DirFS(src), "."
			}
			dir, err := newestVersionDir(fsys, root, providerName)
			if err != nil {
				return err
			}
			p, err := provider.LoadFS(fsys, dir)
			if err != nil {
				return err
			}
			var services []string
			if service != "" {
				services = []string{service}
			}
			written, err := docgen.Write(p, services, out, pageOpts)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s %s: %d page(s) written under %s\n", p.Name, p.Version, len(written), out)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&out, "out", "docs", "folder to write <provider>/... pages into")
	f.StringVar(&src, "src", "", "registry source tree (<provider>/<version>/provider.yaml) to read instead of the built-in providers")
	f.StringVar(&pageOpts.Product, "product", defaults.Product, "product name in the pages' keywords and image")
	f.StringSliceVar(&pageOpts.Keywords, "keywords", defaults.Keywords, "extra front matter keywords")
	f.StringVar(&pageOpts.Image, "image", defaults.Image, "front matter image; {provider} and {product} are replaced")
	return cmd
}

// newestVersionDir finds root/<provider>/<newest version> in fsys.
func newestVersionDir(fsys fs.FS, root, providerName string) (string, error) {
	base := path.Join(root, providerName)
	entries, err := fs.ReadDir(fsys, base)
	if err != nil {
		var available []string
		if all, err := fs.ReadDir(fsys, root); err == nil {
			for _, e := range all {
				if e.IsDir() {
					available = append(available, e.Name())
				}
			}
		}
		return "", fmt.Errorf("no provider %q (available: %s)", providerName, strings.Join(available, ", "))
	}
	newest := ""
	for _, e := range entries {
		if e.IsDir() && (newest == "" || pkgregistry.CompareVersions(e.Name(), newest) > 0) {
			newest = e.Name()
		}
	}
	if newest == "" {
		return "", errors.New("provider " + providerName + " has no version folder under " + base)
	}
	return path.Join(base, newest), nil
}
