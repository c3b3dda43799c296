package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeAz is a stand-in for the Azure CLI: each run appends its arguments to
// a log and prints what `az account get-access-token -o json` prints, with
// token "tok-<run number>". SKYQL_TEST_AZ_MODE switches it to failing
// ("fail") or to a token with an unparseable expiry ("badexpiry").
const fakeAz = `#!/bin/sh
echo "$*" >> "$SKYQL_TEST_AZ_LOG"
n=$(wc -l < "$SKYQL_TEST_AZ_LOG" | tr -d ' ')
case "$SKYQL_TEST_AZ_MODE" in
fail)
  echo "ERROR: Please run 'az login' to setup account." >&2
  exit 1;;
badexpiry)
  printf '{"accessToken":"%s","expiresOn":"soon","tokenType":"Bearer"}\n' "$SKYQL_TEST_AZ_SECRET"
  exit 0;;
esac
printf '{"accessToken":"tok-%s","expiresOn":"2030-01-01 00:00:00.000000","expires_on":%s,"subscription":"00000000-0000-0000-0000-000000000000","tenant":"11111111-1111-1111-1111-111111111111","tokenType":"Bearer"}\n' "$n" "$SKYQL_TEST_AZ_EXPIRES_ON"
`

// azCLI puts fakeAz first on PATH, narrows DefaultAzureCredential to the
// Azure CLI, and returns a function that reads the log of az runs.
func azCLI(t *testing.T, expiresOn time.Time) (runs func() []string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "az"), []byte(fakeAz), 0o755); err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(dir, "az.log")
	if err := os.WriteFile(log, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("AZURE_TOKEN_CREDENTIALS", "AzureCLICredential")
	t.Setenv("SKYQL_TEST_AZ_LOG", log)
	t.Setenv("SKYQL_TEST_AZ_EXPIRES_ON", strconv.FormatInt(expiresOn.Unix(), 10))
	t.Setenv("SKYQL_TEST_AZ_MODE", "")
	return func() []string {
		b, err := os.ReadFile(log)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) == 0 {
			return nil
		}
		return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	}
}

// fakeClock is a settable clock for the token cache; the credential itself
// keeps real time.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func newAzureAuthorizer(t *testing.T, cfg Config, clock *fakeClock) *tokenAuthorizer {
	t.Helper()
	a, err := New("azure", cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	ta := a.(*tokenAuthorizer)
	if clock != nil {
		ta.now = clock.now
	}
	return ta
}

func authorizationOf(t *testing.T, a Authorizer) (string, error) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "https://management.azure.com/subscriptions?api-version=2022-12-01", nil)
	if err != nil {
		t.Fatal(err)
	}
	err = a.Authorize(context.Background(), req)
	return req.Header.Get("Authorization"), err
}

func TestAzureCLITokenFetchedOnceForConcurrentRequests(t *testing.T) {
	runs := azCLI(t, time.Now().Add(time.Hour))
	a := newAzureAuthorizer(t, Config{Type: TypeAzureDefault}, nil)

	const callers = 32
	var wg sync.WaitGroup
	start := make(chan struct{})
	headers := make([]string, callers)
	errs := make([]error, callers)
	for i := range callers {
		wg.Go(func() {
			<-start
			req, _ := http.NewRequest(http.MethodGet, "https://management.azure.com/", nil)
			errs[i] = a.Authorize(context.Background(), req)
			headers[i] = req.Header.Get("Authorization")
		})
	}
	close(start)
	wg.Wait()
	for i := range callers {
		if errs[i] != nil || headers[i] != "Bearer tok-1" {
			t.Fatalf("caller %d: header %q, error %v; want Bearer tok-1", i, headers[i], errs[i])
		}
	}
	got := runs()
	if len(got) != 1 {
		t.Fatalf("az ran %d times for %d concurrent requests, want once: %q", len(got), callers, got)
	}
	if want := "account get-access-token -o json --resource https://management.azure.com"; got[0] != want {
		t.Fatalf("az arguments %q, want %q", got[0], want)
	}
}

func TestAzureCLITokenRefreshedInsideExpiryWindow(t *testing.T) {
	expires := time.Now().Add(time.Hour).Truncate(time.Second)
	runs := azCLI(t, expires)
	clock := &fakeClock{t: expires.Add(-time.Hour)}
	a := newAzureAuthorizer(t, Config{Type: TypeAzureDefault}, clock)

	steps := []struct {
		at         time.Time
		wantHeader string
		wantRuns   int
	}{
		{expires.Add(-time.Hour), "Bearer tok-1", 1},
		{expires.Add(-30 * time.Minute), "Bearer tok-1", 1},
		// Inside the 5-minute window: renewed.
		{expires.Add(-4 * time.Minute), "Bearer tok-2", 2},
		// The new token has 4 minutes left, so it is renewed at half of that.
		{expires.Add(-3 * time.Minute), "Bearer tok-2", 2},
		{expires.Add(-time.Minute), "Bearer tok-3", 3},
	}
	for _, s := range steps {
		clock.set(s.at)
		got, err := authorizationOf(t, a)
		if err != nil {
			t.Fatal(err)
		}
		if got != s.wantHeader || len(runs()) != s.wantRuns {
			t.Fatalf("at expiry%v: header %q after %d az runs, want %q after %d", s.at.Sub(expires), got, len(runs()), s.wantHeader, s.wantRuns)
		}
	}
}

func TestAzureCLIFailureIsRememberedBrieflyNotForever(t *testing.T) {
	runs := azCLI(t, time.Now().Add(time.Hour))
	t.Setenv("SKYQL_TEST_AZ_MODE", "fail")
	clock := &fakeClock{t: time.Now()}
	a := newAzureAuthorizer(t, Config{Type: TypeAzureDefault}, clock)

	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() { _, errs[i] = authorizationOf(t, a) })
	}
	wg.Wait()
	for i, err := range errs {
		if err == nil || !strings.Contains(err.Error(), `auth for provider "azure" (azure_default)`) || !strings.Contains(err.Error(), "az login") {
			t.Fatalf("caller %d: error %v, want one naming the source and suggesting az login", i, err)
		}
	}
	if n := len(runs()); n != 1 {
		t.Fatalf("az ran %d times for %d concurrent failing requests, want once", n, len(errs))
	}

	t.Setenv("SKYQL_TEST_AZ_MODE", "")
	clock.set(clock.now().Add(failureBackoff + time.Second))
	got, err := authorizationOf(t, a)
	if err != nil || got != "Bearer tok-2" {
		t.Fatalf("after the backoff: header %q, error %v; want a fresh token tok-2", got, err)
	}
}

func TestAzureCredentialErrorOmitsToken(t *testing.T) {
	const secret = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.secret-part"
	azCLI(t, time.Now().Add(time.Hour))
	t.Setenv("SKYQL_TEST_AZ_MODE", "badexpiry")
	t.Setenv("SKYQL_TEST_AZ_SECRET", secret)
	a := newAzureAuthorizer(t, Config{Type: TypeAzureDefault}, nil)
	_, err := authorizationOf(t, a)
	if err == nil {
		t.Fatal("a token without a usable expiry was accepted")
	}
	if strings.Contains(err.Error(), "secret-part") {
		t.Fatalf("error text contains the token: %v", err)
	}
	if !strings.Contains(err.Error(), "could not get a token for scope "+AzureResourceManagerScope) {
		t.Fatalf("error does not say what failed: %v", err)
	}
}

// appServiceIdentity answers like App Service's managed identity endpoint
// (api-version 2019-08-01, X-IDENTITY-HEADER).
func appServiceIdentity(t *testing.T, secretHeader, clientID, token string) (url string, resources func() []string) {
	t.Helper()
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if r.Header.Get("X-IDENTITY-HEADER") != secretHeader || q.Get("api-version") != "2019-08-01" || q.Get("client_id") != clientID {
			http.Error(w, `{"error":"bad request"}`, http.StatusBadRequest)
			return
		}
		resource := q.Get("resource")
		mu.Lock()
		seen = append(seen, resource)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{
			"access_token": token,
			"expires_on":   strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10),
			"resource":     resource,
			"token_type":   "Bearer",
			"client_id":    clientID,
		})
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/msi/token", func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), seen...)
	}
}

func TestAzureDefaultThroughManagedIdentity(t *testing.T) {
	cases := []struct {
		name         string
		cfg          Config
		wantResource string
	}{
		{"public cloud", Config{Type: TypeAzureDefault}, "https://management.azure.com"},
		{"sovereign cloud audience", Config{Type: TypeAzureDefault, Audience: "https://management.usgovcloudapi.net/"}, "https://management.usgovcloudapi.net"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// MSAL caches managed identity tokens process-wide, keyed by
			// client ID: a fresh user-assigned ID per run keeps -count=N honest.
			clientID := fmt.Sprintf("skyql-test-%d", time.Now().UnixNano())
			t.Setenv("AZURE_CLIENT_ID", clientID)
			endpoint, resources := appServiceIdentity(t, "identity-header-value", clientID, "mi-token-"+strings.ReplaceAll(c.name, " ", "-"))
			t.Setenv("IDENTITY_ENDPOINT", endpoint)
			t.Setenv("IDENTITY_HEADER", "identity-header-value")
			t.Setenv("AZURE_TOKEN_CREDENTIALS", "ManagedIdentityCredential")
			a := newAzureAuthorizer(t, c.cfg, nil)
			for range 3 {
				got, err := authorizationOf(t, a)
				if err != nil {
					t.Fatal(err)
				}
				if want := "Bearer mi-token-" + strings.ReplaceAll(c.name, " ", "-"); got != want {
					t.Fatalf("Authorization = %q, want %q", got, want)
				}
			}
			if got := resources(); len(got) != 1 || got[0] != c.wantResource {
				t.Fatalf("identity endpoint asked for resources %q, want exactly one request for %q", got, c.wantResource)
			}
		})
	}
}
