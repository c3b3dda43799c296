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

// New builds the Authorizer for one provider's config. Secrets named by
// environment variables are read now, so a missing variable is reported
// before any request is made; tokens are fetched on first use.
func New(provider string, cfg Config) (Authorizer, error) {
	src := source{provider: provider, authType: cfg.Type}
	switch cfg.Type {
	case TypeNull:
		return nullAuthorizer{}, nil
	case TypeAPIKey:
		return newAPIKey(src, cfg)
	case TypeBearer:
		return newBearer(src, cfg)
	case TypeBasic:
		return newBasic(src, cfg)
	case TypeAzureDefault:
		return newAzureDefault(src, cfg)
	case TypeOAuth2:
		return newOAuth2(src, cfg)
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

// Sources hands out one Authorizer per provider for a session, so token
// caches live as long as the session. Providers whose resolved configs are
// identical share one Authorizer, and with it its tokens.
type Sources struct {
	user Configs

	mu         sync.Mutex
	byProvider map[string]Authorizer
	byConfig   map[string]Authorizer
}

// NewSources starts a session's credential set from the user's --auth configs
// (nil when the user gave none).
func NewSources(user Configs) *Sources {
	return &Sources{user: user, byProvider: map[string]Authorizer{}, byConfig: map[string]Authorizer{}}
}

// For returns the provider's Authorizer, building it on first use from the
// provider document's config.auth (nil when absent) merged with the user's
// config for that provider. With neither, requests go out unauthenticated.
func (s *Sources) For(provider string, documentAuth map[string]any) (Authorizer, error) {
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
		if a, err = New(provider, cfg); err != nil {
			return nil, err
		}
		s.byConfig[string(key)] = a
	}
	s.byProvider[provider] = a
	return a, nil
}
