package auth

import (
	"context"
	"net/url"
	"strings"
	"testing"
)

func TestSourcesRedactEverySecretByValue(t *testing.T) {
	t.Setenv("SKYQL_TEST_QUERY_KEY", "q-key/with+chars")
	t.Setenv("SKYQL_TEST_BEARER", "bearer-token-1")
	t.Setenv("SKYQL_TEST_PASS", "hunter22")
	t.Setenv("SKYQL_TEST_CLIENT_SECRET", "right-secret")
	tokenURL, _ := tokenEndpoint(t, "app-1", "right-secret")
	sources := NewSources(Configs{
		"keyed":  {Type: TypeAPIKey, Location: "query", Name: "subscription-key", CredentialsEnvVar: "SKYQL_TEST_QUERY_KEY"},
		"bearer": {Type: TypeBearer, CredentialsEnvVar: "SKYQL_TEST_BEARER"},
		"basic":  {Type: TypeBasic, CredentialsEnvVar: "SKYQL_TEST_PASS_PAIR"},
		"saas":   {Type: TypeOAuth2, TokenURL: tokenURL, ClientID: "app-1", ClientSecretEnvVar: "SKYQL_TEST_CLIENT_SECRET", Scopes: []string{"read"}},
	})
	t.Setenv("SKYQL_TEST_PASS_PAIR", "alice:hunter22")
	var shown []string
	for _, name := range []string{"keyed", "bearer", "basic", "saas"} {
		a, err := sources.For(name, nil)
		if err != nil {
			t.Fatal(err)
		}
		req := newRequest(t)
		if err := a.Authorize(context.Background(), req); err != nil {
			t.Fatal(err)
		}
		shown = append(shown, req.URL.String(), req.Header.Get("Authorization"))
	}
	// What an API might echo back: the URL with the key in its query, the
	// headers, the raw values inside a sentence.
	text := strings.Join(shown, "\n") + "\nkey q-key/with+chars, password hunter22, secret right-secret, token cc-token for read"
	got := sources.Redact(text)
	for _, secret := range []string{"q-key/with+chars", url.QueryEscape("q-key/with+chars"), "bearer-token-1", "hunter22",
		"YWxpY2U6aHVudGVyMjI=", "right-secret", "cc-token for read"} {
		if strings.Contains(got, secret) {
			t.Errorf("%q is still in the redacted text:\n%s", secret, got)
		}
	}
	if !strings.Contains(got, "subscription-key=***") || !strings.Contains(got, "Bearer ***") || !strings.Contains(got, "Basic ***") {
		t.Errorf("redacted text lost its shape:\n%s", got)
	}
}

func TestSecretsLeaveShortValuesAndOtherTextAlone(t *testing.T) {
	var s Secrets
	s.add("abc", "long-secret", "long-secret-and-more")
	got := s.Redact("abc long-secret-and-more long-secret done")
	if want := "abc *** *** done"; got != want {
		t.Fatalf("Redact = %q, want %q", got, want)
	}
	var none *Secrets
	if got := none.Redact("text"); got != "text" {
		t.Fatalf("nil Secrets changed the text to %q", got)
	}
}

func TestDryRunAuthorizersFetchNothing(t *testing.T) {
	t.Setenv("SKYQL_TEST_QUERY_KEY", "q-key-123")
	t.Setenv("SKYQL_TEST_CLIENT_SECRET", "wrong-secret")
	tokenURL, hits := tokenEndpoint(t, "app-1", "right-secret")
	cases := []struct {
		provider string
		cfg      Config
		want     func(t *testing.T, shownURL, header string)
	}{
		{"keyed", Config{Type: TypeAPIKey, Location: "query", Name: "subscription-key", CredentialsEnvVar: "SKYQL_TEST_QUERY_KEY"},
			func(t *testing.T, shownURL, _ string) {
				if u, _ := url.Parse(shownURL); u.Query().Get("subscription-key") != "***" {
					t.Errorf("dry-run URL %s", shownURL)
				}
			}},
		{"saas", Config{Type: TypeOAuth2, TokenURL: tokenURL, ClientID: "app-1", ClientSecretEnvVar: "SKYQL_TEST_CLIENT_SECRET"},
			func(t *testing.T, _, header string) {
				if header != "Bearer ***" {
					t.Errorf("dry-run Authorization %q", header)
				}
			}},
	}
	for _, tc := range cases {
		a, err := New(tc.provider, tc.cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		req := newRequest(t)
		a.AuthorizeDryRun(req)
		tc.want(t, req.URL.String(), req.Header.Get("Authorization"))
	}
	if hits.Load() != 0 {
		t.Fatalf("a dry run asked the token endpoint %d times", hits.Load())
	}
}
