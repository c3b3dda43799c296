package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
)

// Authorizer adds credentials to an outgoing request.
type Authorizer interface {
	Authorize(ctx context.Context, req *http.Request) error
}

// DryRunAuthorizer is implemented by every Authorizer this package builds:
// AuthorizeDryRun puts a placeholder ("Bearer ***") where the credential
// goes, without reading or fetching it, so a dry run stays offline.
type DryRunAuthorizer interface {
	Authorizer
	AuthorizeDryRun(req *http.Request)
}

// New builds the Authorizer for one provider's config. Secrets named by
// environment variables are read now, so a missing variable is reported
// before any request is made; tokens are fetched on first use. Every
// secret value it reads or fetches is recorded in secrets (may be nil).
func New(provider string, cfg Config, secrets *Secrets) (DryRunAuthorizer, error) {
	src := source{provider: provider, authType: cfg.Type}
	switch cfg.Type {
	case TypeNull:
		return nullAuthorizer{}, nil
	case TypeAPIKey:
		return newAPIKey(src, cfg, secrets)
	case TypeBearer:
		return newBearer(src, cfg, secrets)
	case TypeBasic:
		return newBasic(src, cfg, secrets)
	case TypeAzureDefault:
		return newAzureDefault(src, cfg, secrets)
	case TypeOAuth2:
		return newOAuth2(src, cfg, secrets)
	}
	return nil, fmt.Errorf("auth for provider %q: type %q is not supported", provider, cfg.Type)
}

// source names a credential in error messages: which provider, which type.
type source struct {
	provider string
	authType string
}

func (s source) String() string {
	return fmt.Sprintf("auth for provider %q (%s)", s.provider, s.authType)
}

type nullAuthorizer struct{}

func (nullAuthorizer) Authorize(context.Context, *http.Request) error { return nil }

func (nullAuthorizer) AuthorizeDryRun(*http.Request) {}

// Sources hands out one Authorizer per provider for a session, so token
// caches live as long as the session. Providers whose resolved configs are
// identical share one Authorizer, and with it its tokens.
type Sources struct {
	user    Configs
	secrets Secrets

	mu         sync.Mutex
	byProvider map[string]DryRunAuthorizer
	byConfig   map[string]DryRunAuthorizer
}

// NewSources starts a session's credential set from the user's --auth configs
// (nil when the user gave none).
func NewSources(user Configs) *Sources {
	return &Sources{user: user, byProvider: map[string]DryRunAuthorizer{}, byConfig: map[string]DryRunAuthorizer{}}
}

// Redact hides, in text, every secret value the session's authorizers
// have read or fetched so far.
func (s *Sources) Redact(text string) string {
	return s.secrets.Redact(text)
}

// For returns the provider's Authorizer, building it on first use from the
// provider document's config.auth (nil when absent) merged with the user's
// config for that provider. With neither, requests go out unauthenticated.
func (s *Sources) For(provider string, documentAuth map[string]any) (DryRunAuthorizer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.byProvider[provider]; ok {
		return a, nil
	}
	cfg := Config{Type: TypeNull}
	if documentAuth != nil {
		doc, err := ConfigFromDocument(documentAuth)
		if err != nil {
			return nil, fmt.Errorf("provider %q: %w", provider, err)
		}
		cfg = doc
	}
	if user, ok := s.user[provider]; ok {
		cfg = Merge(cfg, user)
	}
	key, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	a, ok := s.byConfig[string(key)]
	if !ok {
		if a, err = New(provider, cfg, &s.secrets); err != nil {
			return nil, err
		}
		s.byConfig[string(key)] = a
	}
	s.byProvider[provider] = a
	return a, nil
}
