package auth

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
)

func newRequest(t *testing.T) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "https://api.example.com/things?api-version=2024-01-01", nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func authorize(t *testing.T, cfg Config) *http.Request {
	t.Helper()
	a, err := New("testprov", cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	req := newRequest(t)
	if err := a.Authorize(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	return req
}

func TestStaticCredentials(t *testing.T) {
	t.Setenv("SKYQL_TEST_KEY", "k3y")
	t.Setenv("SKYQL_TEST_TOKEN", "t0ken")
	t.Setenv("SKYQL_TEST_USER", "alice")
	t.Setenv("SKYQL_TEST_PASS", "s3cret:with:colons")
	t.Setenv("SKYQL_TEST_BASIC_B64", base64.StdEncoding.EncodeToString([]byte("bob:pw")))
	t.Setenv("SKYQL_TEST_BASIC_PLAIN", "carol:pw")

	cases := []struct {
		name         string
		cfg          Config
		header, want string
	}{
		{"api_key default header with prefix",
			Config{Type: TypeAPIKey, CredentialsEnvVar: "SKYQL_TEST_KEY", ValuePrefix: "Bearer "},
			"Authorization", "Bearer k3y"},
		{"api_key custom header, no prefix",
			Config{Type: TypeAPIKey, CredentialsEnvVar: "SKYQL_TEST_KEY", Name: "X-Api-Key"},
			"X-Api-Key", "k3y"},
		{"bearer",
			Config{Type: TypeBearer, CredentialsEnvVar: "SKYQL_TEST_TOKEN"},
			"Authorization", "Bearer t0ken"},
		{"basic from username_var and password_var",
			Config{Type: TypeBasic, UsernameVar: "SKYQL_TEST_USER", PasswordVar: "SKYQL_TEST_PASS"},
			"Authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:s3cret:with:colons"))},
		{"basic from StackQL's base64 credentialsenvvar",
			Config{Type: TypeBasic, CredentialsEnvVar: "SKYQL_TEST_BASIC_B64"},
			"Authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte("bob:pw"))},
		{"basic from plain user:pass credentialsenvvar",
			Config{Type: TypeBasic, CredentialsEnvVar: "SKYQL_TEST_BASIC_PLAIN"},
			"Authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte("carol:pw"))},
		{"null_auth",
			Config{Type: TypeNull},
			"Authorization", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := authorize(t, c.cfg)
			if got := req.Header.Get(c.header); got != c.want {
				t.Fatalf("%s = %q, want %q", c.header, got, c.want)
			}
		})
	}
}

func TestAPIKeyInQuery(t *testing.T) {
	t.Setenv("SKYQL_TEST_KEY", "k3y")
	req := authorize(t, Config{Type: TypeAPIKey, CredentialsEnvVar: "SKYQL_TEST_KEY", Location: "query", Name: "key"})
	q := req.URL.Query()
	if q.Get("key") != "k3y" || q.Get("api-version") != "2024-01-01" {
		t.Fatalf("query = %q, want key=k3y next to the existing api-version", req.URL.RawQuery)
	}
	if req.Header.Get("Authorization") != "" {
		t.Fatal("query api_key also set a header")
	}
}

func TestMissingEnvVarIsNamed(t *testing.T) {
	t.Setenv("SKYQL_TEST_EMPTY", " ")
	cases := []struct {
		name, wantInError string
		cfg               Config
	}{
		{"api_key unset", "environment variable SKYQL_TEST_UNSET_KEY (named by \"credentialsenvvar\") is not set",
			Config{Type: TypeAPIKey, CredentialsEnvVar: "SKYQL_TEST_UNSET_KEY"}},
		{"bearer empty", "environment variable SKYQL_TEST_EMPTY (named by \"credentialsenvvar\") is empty",
			Config{Type: TypeBearer, CredentialsEnvVar: "SKYQL_TEST_EMPTY"}},
		{"basic password unset", "SKYQL_TEST_UNSET_PASS (named by \"password_var\") is not set",
			Config{Type: TypeBasic, UsernameVar: "SKYQL_TEST_EMPTY_OK", PasswordVar: "SKYQL_TEST_UNSET_PASS"}},
		{"api_key without credentialsenvvar", `"credentialsenvvar" is empty`,
			Config{Type: TypeAPIKey}},
		{"oauth2 secret unset", "SKYQL_TEST_UNSET_SECRET (named by \"client_secret_env_var\") is not set",
			Config{Type: TypeOAuth2, TokenURL: "https://login.example.com/token", ClientID: "app", ClientSecretEnvVar: "SKYQL_TEST_UNSET_SECRET"}},
	}
	t.Setenv("SKYQL_TEST_EMPTY_OK", "user")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := New("testprov", c.cfg, nil)
			if err == nil || !strings.Contains(err.Error(), c.wantInError) {
				t.Fatalf("error = %v, want it to contain %q", err, c.wantInError)
			}
			if !strings.Contains(err.Error(), `provider "testprov"`) {
				t.Fatalf("error does not say which provider's auth failed: %v", err)
			}
		})
	}
}

func TestMalformedBasicSecretStaysOutOfError(t *testing.T) {
	const secret = "definitely-not-base64!!"
	t.Setenv("SKYQL_TEST_BASIC", secret)
	_, err := New("testprov", Config{Type: TypeBasic, CredentialsEnvVar: "SKYQL_TEST_BASIC"}, nil)
	if err == nil || !strings.Contains(err.Error(), "SKYQL_TEST_BASIC must hold base64") {
		t.Fatalf("error = %v, want it to explain the expected format", err)
	}
	if strings.Contains(err.Error(), secret) {
		t.Fatalf("error contains the secret: %v", err)
	}
}
