package cli

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/skyql/skyql/pkg/emulator"
	"github.com/skyql/skyql/pkg/provider"
)

// sandboxFlags are the emulator knobs `skyql sandbox` exposes.
type sandboxFlags struct {
	addr, size, throttle, src string
	pageSize, emptyPageEvery  int
	lroPolls, failEvery       int
	failBurst, dropEvery      int
	latency, jitter           time.Duration
	retryAfter                time.Duration
	seed                      int64
	token                     string
	refuse                    []string // SUBSCRIPTION=unregistered|forbidden
}

func newSandboxCommand(opts *globalOptions) *cobra.Command {
	f := &sandboxFlags{}
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Serve the local Azure Resource Manager emulator",
		Long: `Serve every service of the installed Azure provider (pulled into --app-dir,
else the bundled one) from a local, stateful Azure Resource Manager emulator
on loopback. Each service document is parsed when a request first reaches
it, so the sandbox starts at once. It holds sample subscriptions, resource
groups, backup vaults, backup instances, policies, virtual machines and
disks (sized by --size), and an inventory over subscriptions 1 and 2: storage
accounts, virtual networks, network security groups, key vaults, SQL
servers, web apps, AKS clusters and role assignments. Every other provider
installed in --app-dir is served too, from sample data its documents
describe, each at its own endpoint and parsed when first reached. It prints
the endpoints and the test token, and runs until Ctrl-C.

The default dataset always has subscription ` + emulator.DefaultSubscriptionID + `,
resource group ` + emulator.DefaultResourceGroup + ` and vault ` + emulator.DefaultVault + `.`,
		Example: `  skyql sandbox
  skyql sandbox --addr 127.0.0.1:8443 --size vault:20000 --page-size 100
  skyql sandbox --latency 20ms --jitter 30ms --throttle 5% --fail-every 50
  skyql sandbox --refuse-subscription 00000000-0000-0000-0000-000000000002=forbidden`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := untilTerminated(cmd.Context(), terminationSignals...)
			defer stop()
			return runSandbox(ctx, opts, f, cmd.OutOrStdout())
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.addr, "addr", "127.0.0.1:8443", "loopback address to listen on (127.0.0.1:PORT or [::1]:PORT; port 0 picks a free one)")
	fl.StringVar(&f.size, "size", "default", "dataset: default, vault:N (one vault with N backup instances), or SUBSxRGSxVAULTSxINSTANCES[xVMS]")
	fl.IntVar(&f.pageSize, "page-size", 100, "items per list page")
	fl.IntVar(&f.emptyPageEvery, "empty-page-every", 0, "serve every Nth list page empty (still with a nextLink); 0: never")
	fl.IntVar(&f.lroPolls, "lro-polls", 1, "polls a long-running operation answers InProgress before it completes")
	fl.DurationVar(&f.latency, "latency", 0, "latency added to every request")
	fl.DurationVar(&f.jitter, "jitter", 0, "up to this much more latency, drawn per request from --seed")
	fl.StringVar(&f.throttle, "throttle", "", "answer 429: N for every Nth request, or P% for that share of requests")
	fl.IntVar(&f.failEvery, "fail-every", 0, "start a burst of 500/503 answers every Nth request")
	fl.IntVar(&f.failBurst, "fail-burst", 1, "length of each 500/503 burst (alternating 500 and 503)")
	fl.IntVar(&f.dropEvery, "drop-every", 0, "close the connection without answering every Nth request")
	fl.StringArrayVar(&f.refuse, "refuse-subscription", nil, "answer every request in a subscription with 409 MissingSubscriptionRegistration (ID=unregistered) or 403 AuthorizationFailed (ID=forbidden); repeatable")
	fl.DurationVar(&f.retryAfter, "retry-after", time.Second, "Retry-After sent on 429s and long-running operations")
	fl.Int64Var(&f.seed, "seed", 0, "seed for the dataset and the random faults")
	fl.StringVar(&f.token, "token", emulator.DefaultToken, "bearer token requests must carry")
	fl.StringVar(&f.src, "src", "", "serve the provider version directory at this path (provider.yaml + services/) instead of the bundled Azure provider")
	return cmd
}

func (f *sandboxFlags) options() (emulator.Options, error) {
	size, err := emulator.ParseDatasetSize(f.size)
	if err != nil {
		return emulator.Options{}, usageError{fmt.Errorf("--size: %w", err)}
	}
	o := emulator.Options{
		PageSize: f.pageSize, EmptyPageEvery: f.emptyPageEvery, LROPolls: f.lroPolls,
		Latency: f.latency, Jitter: f.jitter, FailEvery: f.failEvery, FailBurst: f.failBurst,
		DropEvery: f.dropEvery, RetryAfter: f.retryAfter, Seed: f.seed, Token: f.token, Dataset: size,
	}
	refusals := map[string]emulator.Refusal{"unregistered": emulator.RefuseUnregistered, "forbidden": emulator.RefuseForbidden}
	for _, r := range f.refuse {
		sub, kind, _ := strings.Cut(r, "=")
		refusal, ok := refusals[strings.ToLower(kind)]
		if sub == "" || !ok {
			return o, usageError{fmt.Errorf("--refuse-subscription %q: use SUBSCRIPTION_ID=unregistered (409 MissingSubscriptionRegistration) or SUBSCRIPTION_ID=forbidden (403 AuthorizationFailed)", r)}
		}
		if o.RefuseSubscriptions == nil {
			o.RefuseSubscriptions = map[string]emulator.Refusal{}
		}
		o.RefuseSubscriptions[sub] = refusal
	}
	if t := strings.TrimSpace(f.throttle); t != "" {
		if pct, ok := strings.CutSuffix(t, "%"); ok {
			v, err := strconv.ParseFloat(pct, 64)
			if err != nil || v < 0 || v > 100 {
				return o, usageError{fmt.Errorf("--throttle %q: give a percentage between 0%% and 100%%, e.g. 5%%", t)}
			}
			o.ThrottleRate = v / 100
		} else {
			n, err := strconv.Atoi(t)
			if err != nil || n < 2 {
				return o, usageError{fmt.Errorf("--throttle %q: give N (every Nth request, N >= 2) or a percentage like 5%%", t)}
			}
			o.ThrottleEvery = n
		}
	}
	return o, nil
}

func runSandbox(ctx context.Context, opts *globalOptions, f *sandboxFlags, out io.Writer) error {
	o, err := f.options()
	if err != nil {
		return err
	}
	started := time.Now()
	p, cat, err := sandboxProvider(opts, f.src)
	if err != nil {
		return err
	}
	em, err := emulator.ServeProvider(p, o)
	if err != nil {
		return usageError{err}
	}
	url, err := em.Start(f.addr)
	if err != nil {
		return usageError{err}
	}
	defer em.Close()
	others := map[string]string{}
	if cat != nil {
		var closeOthers func() error
		if others, closeOthers, err = serveOtherProviders(cat, em.Token()); err != nil {
			return err
		}
		defer closeOthers()
	}
	d := o.Dataset
	fmt.Fprintf(out, `skyql sandbox: Azure Resource Manager emulator at %s (ready in %s)
  token:    %s
  provider: %s %s (%d services)
  dataset:  %d subscription(s) x %d resource group(s) x %d vault(s) x %d backup instance(s), %d VM(s) per group,
            and an inventory of storage accounts, networks, key vaults, SQL servers, web apps, AKS clusters
            and role assignments over subscriptions %s and %s
  try:      export AZ_ACCESS_TOKEN=%s
            skyql exec --endpoint azure=%s \
              --auth '{"azure":{"type":"api_key","valuePrefix":"Bearer ","credentialsenvvar":"AZ_ACCESS_TOKEN"}}' \
              "SELECT name, json_extract(properties, '$.currentProtectionState') AS state FROM azure.data_protection.backup_instances WHERE subscriptionId='%s' AND resourceGroupName='%s' AND vaultName='%s'"
  stats:    %s/_emulator/stats   log: %s/_emulator/log
%sPress Ctrl-C to stop.
`, url, time.Since(started).Round(time.Millisecond), em.Token(),
		p.Name, p.Version, len(p.ServiceNames()),
		d.Subscriptions, d.ResourceGroups, d.Vaults, d.Instances, d.VirtualMachines, emulator.SubscriptionID(0), emulator.SubscriptionID(1),
		em.Token(), url, emulator.DefaultSubscriptionID, emulator.DefaultResourceGroup, emulator.DefaultVault, url, url, othersBanner(others, em.Token()))
	<-ctx.Done()
	st := em.Stats()
	fmt.Fprintf(out, "skyql sandbox: stopped after %d requests (%d throttled, %d failed, %d dropped)\n", st.Requests, st.Throttled, st.Failed, st.Dropped)
	return nil
}

// othersBanner tells where the providers other than Azure are served.
func othersBanner(others map[string]string, token string) string {
	if len(others) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "  also:     sample data of the other installed providers, token %s sent as each one's auth config asks:\n", token)
	for _, name := range slices.Sorted(maps.Keys(others)) {
		fmt.Fprintf(&b, "            --endpoint %s=%s\n", name, others[name])
	}
	return b.String()
}

// sandboxProvider is the provider version directory src, or else the
// Azure provider installed in the app directory or bundled, with the
// catalog the other providers to serve come from (nil for src).
func sandboxProvider(opts *globalOptions, src string) (*provider.Provider, *catalog, error) {
	if src != "" {
		p, err := provider.LoadDir(src)
		if err != nil {
			return nil, nil, usageError{fmt.Errorf("--src: %w", err)}
		}
		return p, nil, nil
	}
	appDir, err := opts.appDirectory()
	if err != nil {
		appDir = "" // no app directory: the bundled provider only
	}
	pins, err := opts.providerPins(appDir)
	if err != nil {
		return nil, nil, err
	}
	cat := newCatalog(appDir, pins)
	p, err := cat.Open("azure")
	return p, cat, err
}
