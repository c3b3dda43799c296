package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/skyql/skyql/pkg/output"
)

// globalOptions are the flags every command shares.
type globalOptions struct {
	auth        string
	registry    string
	endpoints   []string
	sandbox     bool
	output      string
	noCache     bool
	dryRun      bool
	concurrency int
	appDir      string
}

func (o *globalOptions) register(cmd *cobra.Command) {
	f := cmd.PersistentFlags()
	f.StringVar(&o.auth, "auth", "", `auth config as JSON keyed by provider, e.g. '{"azure":{"type":"api_key","valuePrefix":"Bearer ","credentialsenvvar":"AZ_ACCESS_TOKEN"}}'`)
	f.StringVar(&o.registry, "registry", "", `registry config as JSON: '{"url":"https://...","localDocRoot":"...","verifyConfig":{...}}' (default $SKYQL_REGISTRY)`)
	f.StringArrayVar(&o.endpoints, "endpoint", nil, "point a provider at another base URL: <provider>=<url> (repeatable)")
	f.BoolVar(&o.sandbox, "sandbox", false, "start the bundled Azure emulator in-process and send every call to it")
	f.StringVarP(&o.output, "output", "o", "table", "output format: "+strings.Join(output.Formats, "|"))
	f.BoolVar(&o.noCache, "no-cache", false, "neither read nor write the response cache")
	f.BoolVar(&o.dryRun, "dry-run", false, "print the HTTP requests a statement would send instead of sending them")
	f.IntVar(&o.concurrency, "concurrency", 8, "maximum HTTP calls in flight")
	f.StringVar(&o.appDir, "app-dir", "", "directory for the cache, history and pulled providers (default $SKYQL_HOME or the user config dir)")
}

// validate checks the shared flags once, before any command does work.
func (o *globalOptions) validate() error {
	if !slices.Contains(output.Formats, o.output) {
		return usageError{fmt.Errorf("unknown output format %q: use one of %s", o.output, strings.Join(output.Formats, ", "))}
	}
	if o.concurrency < 1 {
		return usageError{fmt.Errorf("--concurrency must be at least 1, got %d", o.concurrency)}
	}
	return nil
}
