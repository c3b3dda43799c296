package auth

import (
	"testing"
)

func TestSourcesUserConfigWinsAndIsBuiltOnce(t *testing.T) {
	t.Setenv("SKYQL_TEST_DOC_KEY", "from-doc")
	t.Setenv("SKYQL_TEST_USER_KEY", "from-user")
	doc := map[string]any{"type": "api_key", "credentialsenvvar": "SKYQL_TEST_DOC_KEY", "name": "X-Api-Key"}
	s := NewSources(Configs{"okta": {Type: TypeAPIKey, CredentialsEnvVar: "SKYQL_TEST_USER_KEY"}})

	okta, err := s.For("okta", doc)
	if err != nil {
		t.Fatal(err)
	}
	req := newRequest(t)
	if err := okta.Authorize(t.Context(), req); err != nil {
		t.Fatal(err)
	}
	if got := req.Header.Get("X-Api-Key"); got != "from-user" {
		t.Fatalf("X-Api-Key = %q, want the user's key in the document's header", got)
	}

	again, err := s.For("okta", nil)
	if err != nil {
		t.Fatal(err)
	}
	if again != okta {
		t.Fatal("a second For built a new Authorizer; token caches would not be shared")
	}

	docOnly, err := s.For("other", doc)
	if err != nil {
		t.Fatal(err)
	}
	req = newRequest(t)
	if err := docOnly.Authorize(t.Context(), req); err != nil {
		t.Fatal(err)
	}
	if got := req.Header.Get("X-Api-Key"); got != "from-doc" {
		t.Fatalf("X-Api-Key = %q, want the document's key for a provider the user did not configure", got)
	}

	none, err := s.For("anonymous", nil)
	if err != nil {
		t.Fatal(err)
	}
	req = newRequest(t)
	if err := none.Authorize(t.Context(), req); err != nil || len(req.Header) != 0 {
		t.Fatalf("provider without auth config: headers %v, error %v; want none", req.Header, err)
	}
}

func TestRedact(t *testing.T) {
	cases := map[string]string{
		"Authorization: Bearer eyJhbGciOi.abc.def": "Authorization: Bearer ***",
		"authorization: Basic Ym9iOnB3":            "authorization: Basic ***",
		"X-Api-Key: k3y":                           "X-Api-Key: ***",
		"Authorization: opaque/with=chars":         "Authorization: ***",
		"Content-Type: application/json":           "Content-Type: application/json",
		"GET https://example.com/a:b":              "GET https://example.com/a:b",
		"no colon here":                            "no colon here",
	}
	for in, want := range cases {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}
