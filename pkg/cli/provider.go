package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/skyql/skyql/pkg/generator"
	"github.com/skyql/skyql/pkg/provider"
)

func newProviderCommand(opts *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "provider",
		Short: "Generate and validate providers from OpenAPI specs",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return usageError{errors.New("name a subcommand: generate or validate (see skyql provider --help)")}
		},
	}
	cmd.AddCommand(newProviderGenerateCommand(), newProviderValidateCommand())
	return cmd
}

func newProviderGenerateCommand() *cobra.Command {
	var configFile, spec, name, version, out string
	var report bool
	cmd := &cobra.Command{
		Use:   "generate (--config FILE | --spec FILE|DIR --name PROVIDER) [--out DIR]",
		Short: "Build provider documents (provider.yaml, services/*.yaml) from Swagger 2.0 / OpenAPI 3 specs",
		Long: `Build a registry source tree <out>/<provider>/<version>/ from specs.

With --config, a provider config (e.g. providers/azure/config.yaml) lists the specs of
each service and naming overrides. With --spec, every spec file found (a file, or a
folder searched recursively) becomes one service, named after its resource provider
namespace (Microsoft.Compute -> compute) or its file name; adding --config then
reads only overrides from it (conventions, server, config.auth, and per service
name, resources, verbs, objectKeys, pagination).

Azure-style specs get resources from operationIds (BackupInstances_Get); other
OpenAPI 3 specs get resources from paths (/pets and /pets/{petId} -> pets), verbs
from HTTP methods, paging from the response shape (next-page token or URL in the
body, Link or x-next header, page parameter) and auth from securitySchemes.

--report prints what each service was made of: its resources, each method's verb and
spec path, how each list pages and how that was inferred, and what the spec leaves
ambiguous (set those in the config's pagination). Without it, ambiguities are counted
on stderr.

A service whose specs are broken is reported and skipped; the others are still written,
and the command exits non-zero.`,
		Example: `  skyql provider generate --config providers/azure/config.yaml --out registry/src
  skyql provider generate --spec specs/dataprotection.json --name myazure --out /tmp/src
  skyql provider generate --spec petstore.yaml --name petstore --config overrides.yaml --out /tmp/src
  skyql provider generate --spec openapi.yaml --name linode --out /tmp/src --report`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var cfg *generator.Config
			var err error
			switch {
			case spec != "" && name == "":
				return usageError{errors.New("--spec needs --name: the provider's name, e.g. --name petstore")}
			case spec != "" && configFile != "":
				cfg, err = generator.SpecConfigWithOverrides(name, version, spec, configFile)
			case configFile != "":
				cfg, err = generator.LoadConfig(configFile)
			case spec != "":
				cfg, err = generator.SingleSpecConfig(name, version, spec)
			default:
				return usageError{errors.New("say what to build: --config providers/azure/config.yaml, or --spec FILE --name PROVIDER")}
			}
			if err != nil {
				return err
			}
			start := time.Now()
			res := generator.Generate(cfg)
			if err := res.Write(out); err != nil {
				return fmt.Errorf("writing %s: %w", out, err)
			}
			total := res.Total()
			fmt.Fprintf(cmd.OutOrStdout(), "%s %s: %d services, %d resources, %d methods written to %s in %s; %d skipped, %d excluded by the config\n",
				res.Provider, res.Version, len(res.Services), total.Resources, total.Methods,
				filepath.Join(out, res.Provider, res.Version), time.Since(start).Round(time.Millisecond), len(res.Problems), len(cfg.Exclude))
			for _, r := range res.Reports {
				if report {
					if _, err := r.WriteTo(cmd.OutOrStdout()); err != nil {
						return err
					}
				} else if n := len(r.Ambiguous()); n > 0 {
					fmt.Fprintf(cmd.ErrOrStderr(), "service %s: %d method(s) with ambiguous paging: run again with --report to see them\n", r.Service, n)
				}
			}
			return res.Err()
		},
	}
	f := cmd.Flags()
	f.StringVar(&configFile, "config", "", "provider config YAML (specs, services, naming overrides); with --spec, overrides only")
	f.StringVar(&spec, "spec", "", "a Swagger 2.0 / OpenAPI 3 file, or a folder of them, instead of --config")
	f.StringVar(&name, "name", "", "provider name, with --spec")
	f.StringVar(&version, "version", "v0.1.0", "provider version, with --spec")
	f.StringVar(&out, "out", "registry/src", "source tree root to write <provider>/<version>/ into")
	f.BoolVar(&report, "report", false, "print each service's resources, methods, paging and ambiguities")
	return cmd
}

func newProviderValidateCommand() *cobra.Command {
	var strict bool
	cmd := &cobra.Command{
		Use:   "validate <dir>",
		Short: "Load every service of the providers under dir and report what is wrong",
		Long: `Load every service document with the same loader the engine uses, resolve each
resource and method, and run OpenAPI validation. dir is a provider version folder
(holding provider.yaml) or any folder above such folders, e.g. registry/src.

What stops a document from loading is a problem (exit 1). What queries survive is a
warning: an objectKey the response schema does not reach, a file named in another case,
and OpenAPI validation findings (the public registry publishes many documents the
anchor tool accepts with them). --strict counts warnings as problems.`,
		Example: "  skyql provider validate registry/src/azure/v0.1.0\n  skyql provider validate --strict registry/src",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dirs, err := providerDirs(args[0])
			if err != nil {
				return err
			}
			var problems []error
			for _, dir := range dirs {
				problems = append(problems, validateProvider(cmd, dir, strict)...)
			}
			if len(problems) > 0 {
				return fmt.Errorf("%d problem(s):\n%w", len(problems), errors.Join(problems...))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&strict, "strict", false, "count warnings (OpenAPI validation findings, documents queries survive) as problems")
	return cmd
}

// providerDirs finds the folders holding a provider.yaml at or below root.
func providerDirs(root string) ([]string, error) {
	var dirs []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && d.Name() == "provider.yaml" {
			dirs = append(dirs, filepath.Dir(path))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", root, err)
	}
	if len(dirs) == 0 {
		return nil, fmt.Errorf("no provider.yaml at or below %s: point at a provider version folder such as registry/src/azure/v0.1.0", root)
	}
	return dirs, nil
}

func validateProvider(cmd *cobra.Command, dir string, strict bool) []error {
	p, err := provider.LoadDir(dir)
	if err != nil {
		return []error{err}
	}
	var problems []error
	for _, name := range p.ServiceNames() {
		s, err := p.Service(name)
		if err != nil {
			problems = append(problems, err)
			continue
		}
		before := len(problems)
		warnings := s.Warnings()
		if err := s.Validate(context.Background()); err != nil {
			warnings = append(warnings, err)
		}
		if strict {
			problems = append(problems, warnings...)
			warnings = nil
		}
		resources, methods := 0, 0
		for _, rname := range s.ResourceNames() {
			r, err := s.Resource(rname)
			if err != nil {
				problems = append(problems, err)
				continue
			}
			resources++
			methods += len(r.Methods())
		}
		status := "ok"
		if len(problems) > before {
			status = fmt.Sprintf("%d problem(s)", len(problems)-before)
		}
		// Warnings are what a pull installs despite them: queries work,
		// but not all of the document is understood.
		if n := len(warnings); n > 0 {
			status += fmt.Sprintf(", %d warning(s)", n)
		}
		fmt.Fprintf(cmd.OutOrStdout(), "%s.%s (%s): %d resources, %d methods: %s\n", p.Name, name, filepath.Join(dir, "services", name+".yaml"), resources, methods, status)
		for _, w := range warnings {
			fmt.Fprintf(cmd.OutOrStdout(), "  warning: %v\n", w)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "services")); err != nil {
		problems = append(problems, fmt.Errorf("%s has no services folder", dir))
	}
	return problems
}
