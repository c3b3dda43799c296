package store_test

import (
	"bufio"
	"context"
	"database/sql"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/skyql/skyql/pkg/emulator"
	"github.com/skyql/skyql/pkg/emulator/emulatortest"
	"github.com/skyql/skyql/pkg/executor"
	"github.com/skyql/skyql/pkg/provider"
	"github.com/skyql/skyql/pkg/store"
)

var stress = flag.Bool("stress", false, "run TestConcurrentFetchesOfOneCall with more processes, sessions and kills")

// The stress test's call: one vault's backup instances.
const (
	stressRows    = 20000
	stressService = "../../registry/src/azure/v0.1.0"
	stressLease   = 2 * time.Second
	// Set in the environment of a helper process (see TestFetchHelperProcess).
	helperEnv = "SKYQL_STORE_FETCH_HELPER"
)

var stressColumns = []store.Column{
	{Name: "id", Kind: store.KindText},
	{Name: "name", Kind: store.KindText},
	{Name: "properties", Kind: store.KindJSON},
	{Name: "systemData", Kind: store.KindJSON},
	{Name: "type", Kind: store.KindText},
	{Name: "api-version", Kind: store.KindText, Param: true},
	{Name: "subscriptionId", Kind: store.KindText, Param: true},
	{Name: "resourceGroupName", Kind: store.KindText, Param: true},
	{Name: "vaultName", Kind: store.KindText, Param: true},
}

// stressTarget is where fetchAndCount fetches from and stores into.
type stressTarget struct {
	cache, url, token string
}

type bearer string

func (b bearer) Authorize(_ context.Context, r *http.Request) error {
	r.Header.Set("Authorization", "Bearer "+string(b))
	return nil
}

// fetchAndCount is one session: it opens its own store on the shared
// cache, materializes the call (onFetch is told when this session is the
// one fetching), and reads the call's rows through a view, returning how
// many it read and how many distinct names they hold.
func fetchAndCount(ctx context.Context, target stressTarget, onFetch func()) (rows, names int, err error) {
	p, err := provider.LoadDir(stressService)
	if err != nil {
		return 0, 0, err
	}
	svc, err := p.Service("data_protection")
	if err != nil {
		return 0, 0, err
	}
	res, err := svc.Resource("backup_instances")
	if err != nil {
		return 0, 0, err
	}
	method, ok := res.Method("BackupInstances_List")
	if !ok {
		return 0, 0, fmt.Errorf("no BackupInstances_List in %s", stressService)
	}
	call := &executor.Call{Method: method, BaseURL: target.url, Auth: bearer(target.token), Params: map[string]string{
		"api-version": "2022-05-01", "subscriptionId": "00000000-0000-0000-0000-000000000001",
		"resourceGroupName": "rg-prod-eastus", "vaultName": "vault-prod-01"}}
	key, err := call.URL()
	if err != nil {
		return 0, 0, err
	}
	st, err := store.Open(ctx, store.Options{Path: target.cache, TTL: time.Hour, LeaseDuration: stressLease})
	if err != nil {
		return 0, 0, err
	}
	defer st.Close()
	tbl, err := st.EnsureTable(ctx, res.ID, stressColumns)
	if err != nil {
		return 0, 0, err
	}
	ex := executor.New(executor.Options{})
	got, err := st.Materialize(ctx, tbl, []store.Call{{Key: key, Description: call.Describe(), Params: call.Params}},
		func(ctx context.Context, indexes []int, add func(int, [][]byte) error) []error {
			onFetch()
			r := ex.Fetch(ctx, []*executor.Call{call}, executor.SinkFunc(func(_ int, items [][]byte) error {
				return add(indexes[0], items)
			}))
			return []error{r[0].Err}
		})
	if err != nil {
		return 0, 0, err
	}
	if got[0].Err != nil {
		return 0, 0, got[0].Err
	}
	if _, err := st.BindView(ctx, "instances", tbl, []store.ViewCall{{CallRef: got[0].CallRef}}, nil); err != nil {
		return 0, 0, err
	}
	r, err := st.Query(ctx, `SELECT name FROM instances`)
	if err != nil {
		return 0, 0, err
	}
	defer r.Close()
	seen := map[string]bool{}
	for r.Next() {
		var name string
		if err := r.Scan(&name); err != nil {
			return 0, 0, err
		}
		rows++
		seen[name] = true
	}
	return rows, len(seen), r.Err()
}

// TestFetchHelperProcess is a session in a process of its own, started by
// TestConcurrentFetchesOfOneCall: it prints "fetching" when it starts
// fetching, and "rows N names M" at the end.
func TestFetchHelperProcess(t *testing.T) {
	spec := os.Getenv(helperEnv)
	if spec == "" {
		t.Skip("a helper process of TestConcurrentFetchesOfOneCall")
	}
	parts := strings.SplitN(spec, "|", 3)
	if len(parts) != 3 {
		t.Fatalf("%s=%q; want cache|url|token", helperEnv, spec)
	}
	target := stressTarget{cache: parts[0], url: parts[1], token: parts[2]}
	rows, names, err := fetchAndCount(context.Background(), target, func() { fmt.Println("fetching") })
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	fmt.Printf("rows %d names %d\n", rows, names)
	os.Exit(0)
}

// helper is a running helper process.
type helper struct {
	cmd      *exec.Cmd
	fetching chan struct{} // closed when it starts fetching
	result   chan string   // its last line
}

// startHelper starts a helper process; onFetch is told when it starts
// fetching.
func startHelper(t *testing.T, target stressTarget, onFetch func()) *helper {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestFetchHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"="+target.cache+"|"+target.url+"|"+target.token)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h := &helper{cmd: cmd, fetching: make(chan struct{}), result: make(chan string, 1)}
	go func() {
		var last string
		lines := bufio.NewScanner(out)
		for lines.Scan() {
			if lines.Text() == "fetching" {
				close(h.fetching)
				onFetch()
			}
			last = lines.Text()
		}
		h.result <- last
	}()
	return h
}

// Several processes and several sessions of one process fetch the same
// 20,000-row call into one cache at once. Some fetchers are stopped a few
// pages into their fetch: a process by SIGKILL (the first fetcher always
// is one), a session of this process by cancelling its statement; and
// some processes are killed while they wait. Every session that survives
// must read exactly the call's rows, once each; afterwards the call's
// bookkeeping must equal its table, and only one fetch may have run at a
// time: one per stopped fetcher, plus the one that completed.
func TestConcurrentFetchesOfOneCall(t *testing.T) {
	processes, sessions, fetcherStops, waiterKills := 3, 4, 1, 1
	if *stress {
		processes, sessions, fetcherStops, waiterKills = 8, 16, 4, 2
	}
	// The latency stretches the fetch (200 pages) to well over the time
	// a stopped fetcher is given before it is stopped.
	_, em, url := emulatortest.StartServices(t, stressService, []string{"data_protection"},
		emulator.Options{Dataset: emulator.SingleVault(stressRows), Latency: 2 * time.Millisecond})
	target := stressTarget{cache: filepath.Join(t.TempDir(), "cache.db"), url: url, token: em.Token()}

	// Each fetcher, as it starts, hands over the function that stops it.
	// They run on this goroutine only.
	fetchers := make(chan func(), 4*(processes+sessions))
	startedFetching := func(stop func()) {
		select {
		case fetchers <- stop:
		default: // more fetches than could ever be stopped: the count below tells
		}
	}
	killed := map[*helper]bool{}
	kill := func(h *helper) {
		if err := h.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		killed[h] = true
	}
	helpers := make([]*helper, processes)
	for i := range helpers {
		var h *helper
		h = startHelper(t, target, func() { startedFetching(func() { kill(h) }) })
		helpers[i] = h
	}
	t.Cleanup(func() {
		for _, h := range helpers {
			h.cmd.Process.Kill()
		}
	})

	var inProcessFetches atomic.Int64
	var wg sync.WaitGroup
	results := make([]string, sessions)
	cancelled := make([]bool, sessions)
	sessionsDone := make(chan struct{})
	startSessions := func() {
		for i := range sessions {
			ctx, cancel := context.WithCancel(t.Context())
			stop := func() {
				cancel()
				cancelled[i] = true
			}
			wg.Go(func() {
				defer cancel()
				rows, names, err := fetchAndCount(ctx, target, func() {
					inProcessFetches.Add(1)
					startedFetching(stop)
				})
				if err != nil {
					results[i] = "error " + err.Error()
					return
				}
				results[i] = fmt.Sprintf("rows %d names %d", rows, names)
			})
		}
		go func() {
			wg.Wait()
			close(sessionsDone)
		}()
	}
	stopped := 0
stopping:
	for stopped < fetcherStops {
		select {
		case stop := <-fetchers:
			if stopped == 0 {
				startSessions() // to wait for the first fetcher, a process
			}
			time.Sleep(100 * time.Millisecond)
			stop()
			stopped++
		case <-sessionsDone:
			break stopping // the call is complete: nobody fetches any more
		case <-time.After(30 * time.Second):
			t.Fatal("nobody started fetching within 30 s")
		}
	}
	waitersKilled := 0
	for _, h := range helpers {
		select {
		case <-h.fetching:
		default:
			if waitersKilled < waiterKills && !killed[h] {
				kill(h)
				waitersKilled++
			}
		}
	}
	wg.Wait()

	want := fmt.Sprintf("rows %d names %d", stressRows, stressRows)
	checked, sessionsStopped := 0, 0
	for i, r := range results {
		switch {
		case cancelled[i]:
			sessionsStopped++
			if r != "error "+context.Canceled.Error() {
				t.Errorf("session %d, cancelled while fetching: %s", i, r)
			}
		case r != want:
			t.Errorf("session %d: %s; want %s", i, r, want)
		default:
			checked += stressRows
		}
	}
	helperFetches := 0
	for i, h := range helpers {
		h.cmd.Wait()
		last := <-h.result
		select {
		case <-h.fetching:
			helperFetches++
		default:
		}
		switch {
		case killed[h]:
		case last != want:
			t.Errorf("process %d: %s; want %s", i, last, want)
		default:
			checked += stressRows
		}
	}
	if fetches := helperFetches + int(inProcessFetches.Load()); fetches != stopped+1 {
		t.Errorf("%d fetches ran for %d stopped fetchers; want one more than stopped", fetches, stopped)
	}
	checkBookkeeping(t, target.cache)
	t.Logf("%d processes (%d killed while fetching, %d while waiting), %d sessions in this process (%d cancelled while fetching); %d rows checked",
		processes, stopped-sessionsStopped, waitersKilled, sessions, sessionsStopped, checked)
}

// checkBookkeeping checks, through a connection of its own, that the one
// call is complete with stressRows rows, that its table holds exactly
// those, and that no lease is left.
func checkBookkeeping(t *testing.T, cache string) {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+cache+"?_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var generation, rowCount, complete int64
	var tbl string
	if err := db.QueryRow(`SELECT generation, row_count, complete, tbl FROM skyql_calls`).Scan(&generation, &rowCount, &complete, &tbl); err != nil {
		t.Fatal(err)
	}
	var tagged, total, leases int64
	if err := db.QueryRow(`SELECT count(*) FILTER (WHERE _generation = ?), count(*) FROM `+store.QuoteIdent(tbl), generation).Scan(&tagged, &total); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT count(*) FROM skyql_fetches`).Scan(&leases); err != nil {
		t.Fatal(err)
	}
	if complete != 1 || rowCount != stressRows || tagged != stressRows || total != stressRows || leases != 0 {
		t.Errorf("the call says complete=%d with %d rows; its generation has %d rows, the table %d; %d leases left; want complete, %d everywhere, none left",
			complete, rowCount, tagged, total, leases, stressRows)
	}
}
