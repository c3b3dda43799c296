// Package auth turns a provider's auth configuration into an Authorizer that
// adds credentials to outgoing requests.
//
// Configuration comes from two places: the provider document (provider.yaml
// `config.auth`) and the user's `--auth` JSON, keyed by provider name. Secrets
// are always named by an environment variable, never given inline.
package auth

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Auth types, as provider documents and --auth JSON spell them.
const (
	TypeAzureDefault = "azure_default"
	TypeAPIKey       = "api_key"
	TypeBearer       = "bearer"
	TypeBasic        = "basic"
	TypeOAuth2       = "oauth2"
	TypeNull         = "null_auth"
)

var knownTypes = []string{TypeAzureDefault, TypeAPIKey, TypeBearer, TypeBasic, TypeOAuth2, TypeNull}

// Config is one provider's auth configuration. Field names follow StackQL's
// published documents so their configs load unchanged.
type Config struct {
	Type string `json:"type"`

	// CredentialsEnvVar names the environment variable holding the secret:
	// the key (api_key), the token (bearer) or base64 "user:pass" (basic).
	CredentialsEnvVar string `json:"credentialsenvvar,omitempty"`
	// ValuePrefix is put before the secret in the header value, e.g. "Bearer ".
	ValuePrefix string `json:"valuePrefix,omitempty"`
	// Name and Location place an api_key: Location "header" (default) or
	// "query"; Name is the header or query parameter (default Authorization).
	Name     string `json:"name,omitempty"`
	Location string `json:"location,omitempty"`

	// UsernameVar and PasswordVar name the environment variables for basic auth.
	UsernameVar string `json:"username_var,omitempty"`
	PasswordVar string `json:"password_var,omitempty"`

	// Scopes requested for tokens (azure_default, oauth2). For azure_default,
	// Audience is the shorter way to say scope Audience + "/.default", which
	// is what sovereign clouds need (e.g. https://management.chinacloudapi.cn).
	Scopes   []string `json:"scopes,omitempty"`
	Audience string   `json:"audience,omitempty"`
	// TenantID and AuthorityHost tune azure_default (sovereign clouds,
	// multi-tenant users); both may also come from AZURE_* variables.
	TenantID      string `json:"tenant_id,omitempty"`
	AuthorityHost string `json:"authority_host,omitempty"`

	// OAuth2 client credentials.
	GrantType          string `json:"grant_type,omitempty"`
	TokenURL           string `json:"token_url,omitempty"`
	ClientID           string `json:"client_id,omitempty"`
	ClientIDEnvVar     string `json:"client_id_env_var,omitempty"`
	ClientSecretEnvVar string `json:"client_secret_env_var,omitempty"`
}

// knownKeys lists the JSON keys of Config, to reject typos in user input.
var knownKeys = []string{
	"type", "credentialsenvvar", "valuePrefix", "name", "location",
	"username_var", "password_var", "scopes", "audience", "tenant_id", "authority_host",
	"grant_type", "token_url", "client_id", "client_id_env_var", "client_secret_env_var",
}

// inlineSecretKeys are keys other tools accept with a secret value in them.
// skyql refuses them so that secrets stay out of command lines and documents.
var inlineSecretKeys = map[string]string{
	"password":      "password_var",
	"username":      "username_var",
	"api_key":       "credentialsenvvar",
	"api_secret":    "credentialsenvvar",
	"client_secret": "client_secret_env_var",
	"token":         "credentialsenvvar",
}

// Configs maps a provider name to its auth configuration: the shape of the
// user's --auth JSON, e.g. {"azure":{"type":"azure_default"}}.
type Configs map[string]Config

// ParseUserConfigs parses the --auth JSON. Unknown keys are errors, since a
// misspelt key would otherwise silently fall back to another credential.
func ParseUserConfigs(data []byte) (Configs, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf(`--auth: not a JSON object keyed by provider name (e.g. {"azure":{"type":"azure_default"}}): %v`, err)
	}
	configs := make(Configs, len(raw))
	for provider, body := range raw {
		cfg, err := decodeConfig(body, true)
		if err != nil {
			return nil, fmt.Errorf("--auth for provider %q: %w", provider, err)
		}
		configs[provider] = cfg
	}
	return configs, nil
}

// ConfigFromDocument reads a provider document's `config.auth` map. Keys
// skyql does not know are ignored, because published documents may carry
// settings for other tools.
func ConfigFromDocument(auth map[string]any) (Config, error) {
	body, err := json.Marshal(auth)
	if err != nil {
		return Config{}, fmt.Errorf("provider document config.auth: %v", err)
	}
	cfg, err := decodeConfig(body, false)
	if err != nil {
		return Config{}, fmt.Errorf("provider document config.auth: %w", err)
	}
	return cfg, nil
}

func decodeConfig(body []byte, strict bool) (Config, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return Config{}, fmt.Errorf("auth config must be a JSON object: %v", err)
	}
	keys := slices.Sorted(maps.Keys(fields))
	for _, k := range keys {
		if instead, ok := inlineSecretKeys[strings.ToLower(k)]; ok {
			return Config{}, fmt.Errorf("key %q would hold a secret inline; put the value in an environment variable and name that variable in %q", k, instead)
		}
		if strict && !slices.ContainsFunc(knownKeys, func(known string) bool { return strings.EqualFold(known, k) }) {
			return Config{}, fmt.Errorf("unknown key %q; known keys: %s", k, strings.Join(knownKeys, ", "))
		}
	}
	var cfg Config
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&cfg); err != nil {
		return Config{}, fmt.Errorf("auth config: %v", err)
	}
	cfg.Type = strings.ToLower(strings.TrimSpace(cfg.Type))
	if cfg.Type == "" {
		return Config{}, fmt.Errorf(`auth config has no "type"; use one of: %s`, strings.Join(knownTypes, ", "))
	}
	if !slices.Contains(knownTypes, cfg.Type) {
		return Config{}, fmt.Errorf("auth type %q is not supported; use one of: %s", cfg.Type, strings.Join(knownTypes, ", "))
	}
	return cfg, nil
}

// Merge combines a provider document's config with the user's; the user wins.
// When both name the same type, the user's non-empty fields override the
// document's (so a user can swap only the env var name); when the types
// differ, the user's config replaces the document's whole.
func Merge(document, user Config) Config {
	if user.Type != document.Type {
		return user
	}
	merged := document
	overlay := func(dst *string, src string) {
		if src != "" {
			*dst = src
		}
	}
	overlay(&merged.CredentialsEnvVar, user.CredentialsEnvVar)
	overlay(&merged.ValuePrefix, user.ValuePrefix)
	overlay(&merged.Name, user.Name)
	overlay(&merged.Location, user.Location)
	overlay(&merged.UsernameVar, user.UsernameVar)
	overlay(&merged.PasswordVar, user.PasswordVar)
	overlay(&merged.Audience, user.Audience)
	overlay(&merged.TenantID, user.TenantID)
	overlay(&merged.AuthorityHost, user.AuthorityHost)
	overlay(&merged.GrantType, user.GrantType)
	overlay(&merged.TokenURL, user.TokenURL)
	overlay(&merged.ClientID, user.ClientID)
	overlay(&merged.ClientIDEnvVar, user.ClientIDEnvVar)
	overlay(&merged.ClientSecretEnvVar, user.ClientSecretEnvVar)
	if len(user.Scopes) > 0 {
		merged.Scopes = user.Scopes
	}
	if user.Audience != "" && len(user.Scopes) == 0 {
		// The user's audience must not be shadowed by the document's scopes.
		merged.Scopes = nil
	}
	return merged
}
