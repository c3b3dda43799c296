package auth

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"strings"
)

// secretFromEnv reads the secret in the environment variable a config key
// names. Errors name the variable and the key, never a value.
func secretFromEnv(src source, key, varName string) (string, error) {
	if varName == "" {
		return "", fmt.Errorf("%s: %q is empty; set it to the NAME of the environment variable holding the secret", src, key)
	}
	v, ok := os.LookupEnv(varName)
	if !ok {
		return "", fmt.Errorf("%s: environment variable %s (named by %q) is not set; export it before running skyql", src, varName, key)
	}
	if strings.TrimSpace(v) == "" {
		return "", fmt.Errorf("%s: environment variable %s (named by %q) is empty; export it with the secret's value", src, varName, key)
	}
	return v, nil
}

// staticAuthorizer puts a fixed value in a header or query parameter.
type staticAuthorizer struct {
	inQuery bool
	name    string
	prefix  string // the scheme word or prefix before the secret: "Bearer "
	value   string // prefix and secret
}

func (a staticAuthorizer) Authorize(_ context.Context, req *http.Request) error {
	a.put(req, a.value)
	return nil
}

// AuthorizeDryRun shows the credential's place with its prefix and "***".
func (a staticAuthorizer) AuthorizeDryRun(req *http.Request) {
	a.put(req, a.prefix+redacted)
}

func (a staticAuthorizer) put(req *http.Request, value string) {
	if a.inQuery {
		q := req.URL.Query()
		q.Set(a.name, value)
		req.URL.RawQuery = q.Encode()
		return
	}
	req.Header.Set(a.name, value)
}

func newAPIKey(src source, cfg Config, secrets *Secrets) (DryRunAuthorizer, error) {
	key, err := secretFromEnv(src, "credentialsenvvar", cfg.CredentialsEnvVar)
	if err != nil {
		return nil, err
	}
	secrets.add(key, cfg.ValuePrefix+key)
	a := staticAuthorizer{name: cfg.Name, prefix: cfg.ValuePrefix, value: cfg.ValuePrefix + key}
	switch strings.ToLower(cfg.Location) {
	case "", "header":
		if a.name == "" {
			a.name = "Authorization"
		}
	case "query":
		a.inQuery = true
		if a.name == "" {
			return nil, fmt.Errorf(`%s: location "query" needs "name", the query parameter that carries the key`, src)
		}
	default:
		return nil, fmt.Errorf(`%s: location %q is not supported; use "header" or "query"`, src, cfg.Location)
	}
	return a, nil
}

func newBearer(src source, cfg Config, secrets *Secrets) (DryRunAuthorizer, error) {
	token, err := secretFromEnv(src, "credentialsenvvar", cfg.CredentialsEnvVar)
	if err != nil {
		return nil, err
	}
	token = strings.TrimSpace(token)
	secrets.add(token)
	prefix := prefixOr(cfg.ValuePrefix, "Bearer ")
	return staticAuthorizer{name: "Authorization", prefix: prefix, value: prefix + token}, nil
}

// newBasic accepts two forms: username_var + password_var, or StackQL's
// credentialsenvvar holding base64("user:pass"). A plain "user:pass" in that
// variable is accepted too: ':' is not in the base64 alphabet, so it cannot be
// mistaken for an encoded value.
func newBasic(src source, cfg Config, secrets *Secrets) (DryRunAuthorizer, error) {
	var encoded string
	switch {
	case cfg.UsernameVar != "" || cfg.PasswordVar != "":
		user, err := secretFromEnv(src, "username_var", cfg.UsernameVar)
		if err != nil {
			return nil, err
		}
		pass, err := secretFromEnv(src, "password_var", cfg.PasswordVar)
		if err != nil {
			return nil, err
		}
		secrets.add(pass)
		encoded = base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
	case cfg.CredentialsEnvVar != "":
		v, err := secretFromEnv(src, "credentialsenvvar", cfg.CredentialsEnvVar)
		if err != nil {
			return nil, err
		}
		v = strings.TrimSpace(v)
		if _, pass, ok := strings.Cut(v, ":"); ok {
			secrets.add(pass)
			encoded = base64.StdEncoding.EncodeToString([]byte(v))
			break
		}
		decoded, err := base64.StdEncoding.DecodeString(v)
		_, pass, ok := strings.Cut(string(decoded), ":")
		if err != nil || !ok {
			return nil, fmt.Errorf(`%s: environment variable %s must hold base64("user:password") or "user:password"`, src, cfg.CredentialsEnvVar)
		}
		secrets.add(pass)
		encoded = v
	default:
		return nil, fmt.Errorf(`%s: set "username_var" and "password_var", or "credentialsenvvar", to the names of environment variables holding the credentials`, src)
	}
	secrets.add(encoded)
	prefix := prefixOr(cfg.ValuePrefix, "Basic ")
	return staticAuthorizer{name: "Authorization", prefix: prefix, value: prefix + encoded}, nil
}

func prefixOr(prefix, fallback string) string {
	if prefix == "" {
		return fallback
	}
	return prefix
}
