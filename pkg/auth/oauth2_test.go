package auth

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// tokenEndpoint is an OAuth 2.0 token endpoint that accepts one client.
func tokenEndpoint(t *testing.T, clientID, secret string) (url string, hits *atomic.Int32) {
	t.Helper()
	hits = &atomic.Int32{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if err := r.ParseForm(); err != nil {
			t.Error(err)
		}
		w.Header().Set("Content-Type", "application/json")
		if r.PostForm.Get("grant_type") != "client_credentials" || r.PostForm.Get("client_id") != clientID || r.PostForm.Get("client_secret") != secret {
			w.WriteHeader(http.StatusUnauthorized)
			// Some servers reflect the request; the error must not repeat it.
			_, _ = w.Write([]byte(`{"error":"invalid_client","error_description":"client authentication failed","request":"` + r.PostForm.Encode() + `"}`))
			return
		}
		_, _ = w.Write([]byte(`{"access_token":"cc-token for ` + r.PostForm.Get("scope") + `","token_type":"Bearer","expires_in":"3599"}`))
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/oauth2/token", hits
}

func TestOAuth2ClientCredentials(t *testing.T) {
	url, hits := tokenEndpoint(t, "app-1", "right-secret")
	t.Setenv("SKYQL_TEST_CLIENT_SECRET", "right-secret")
	a, err := New("saas", Config{Type: TypeOAuth2, GrantType: "client_credentials", TokenURL: url,
		ClientID: "app-1", ClientSecretEnvVar: "SKYQL_TEST_CLIENT_SECRET", Scopes: []string{"read", "write"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		got, err := authorizationOf(t, a)
		if err != nil {
			t.Fatal(err)
		}
		if got != "Bearer cc-token for read write" {
			t.Fatalf("Authorization = %q", got)
		}
	}
	if n := hits.Load(); n != 1 {
		t.Fatalf("token endpoint called %d times for 3 requests, want once", n)
	}
}

func TestOAuth2RejectedClientSecretStaysOutOfError(t *testing.T) {
	url, _ := tokenEndpoint(t, "app-1", "right-secret")
	t.Setenv("SKYQL_TEST_CLIENT_SECRET", "wrong-secret-value")
	a, err := New("saas", Config{Type: TypeOAuth2, TokenURL: url, ClientID: "app-1", ClientSecretEnvVar: "SKYQL_TEST_CLIENT_SECRET"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = authorizationOf(t, a)
	if err == nil || !strings.Contains(err.Error(), "invalid_client") || !strings.Contains(err.Error(), `auth for provider "saas" (oauth2)`) {
		t.Fatalf("error = %v, want the server's error code and the failing source", err)
	}
	if strings.Contains(err.Error(), "wrong-secret-value") {
		t.Fatalf("error contains the client secret: %v", err)
	}
}

// BenchmarkCachedTokenAuthorize measures Authorize once the token is cached,
// from parallel goroutines as the executor calls it.
func BenchmarkCachedTokenAuthorize(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"access_token":"cached","expires_in":3600}`))
	}))
	defer srv.Close()
	b.Setenv("SKYQL_TEST_CLIENT_SECRET", "s")
	a, err := New("saas", Config{Type: TypeOAuth2, TokenURL: srv.URL, ClientID: "app", ClientSecretEnvVar: "SKYQL_TEST_CLIENT_SECRET"}, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.RunParallel(func(pb *testing.PB) {
		req, _ := http.NewRequest(http.MethodGet, "https://api.example.com/", nil)
		for pb.Next() {
			if err := a.Authorize(b.Context(), req); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func TestOAuth2SecretIsNotSentThroughARedirect(t *testing.T) {
	elsewhere, hits := tokenEndpoint(t, "app-1", "right-secret")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(srv.Close)
	t.Setenv("SKYQL_TEST_CLIENT_SECRET", "right-secret")
	a, err := New("saas", Config{Type: TypeOAuth2, TokenURL: srv.URL, ClientID: "app-1", ClientSecretEnvVar: "SKYQL_TEST_CLIENT_SECRET"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = a.Authorize(t.Context(), newRequest(t))
	if err == nil || !strings.Contains(err.Error(), "307") {
		t.Fatalf("err = %v, want the redirect refused", err)
	}
	if hits.Load() != 0 {
		t.Fatal("the client secret followed the redirect")
	}
}
