package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

const oauth2Hint = "Check token_url and the client id and secret in the named environment variables"

func newOAuth2(src source, cfg Config, secrets *Secrets) (DryRunAuthorizer, error) {
	if cfg.GrantType != "" && cfg.GrantType != "client_credentials" {
		return nil, fmt.Errorf(`%s: grant_type %q is not supported; only "client_credentials" is`, src, cfg.GrantType)
	}
	u, err := url.Parse(cfg.TokenURL)
	if cfg.TokenURL == "" || err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf(`%s: "token_url" must be the URL of the token endpoint, e.g. https://login.example.com/oauth2/token`, src)
	}
	clientID := cfg.ClientID
	if cfg.ClientIDEnvVar != "" {
		if clientID, err = secretFromEnv(src, "client_id_env_var", cfg.ClientIDEnvVar); err != nil {
			return nil, err
		}
	}
	if clientID == "" {
		return nil, fmt.Errorf(`%s: set "client_id" or "client_id_env_var"`, src)
	}
	secret, err := secretFromEnv(src, "client_secret_env_var", cfg.ClientSecretEnvVar)
	if err != nil {
		return nil, err
	}
	secrets.add(secret)
	cred := &clientCredentials{tokenURL: cfg.TokenURL, clientID: clientID, clientSecret: secret, client: tokenClient}
	return newTokenAuthorizer(src, cred, cfg.Scopes, cfg.ValuePrefix, oauth2Hint, secrets), nil
}

// tokenClient posts client credentials. It follows no redirect, since a
// 307 would send the client secret in the body to wherever it points, and
// a token endpoint that does not answer within a minute fails the request.
var tokenClient = &http.Client{
	Timeout:       time.Minute,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// clientCredentials is the OAuth 2.0 client credentials grant (RFC 6749
// §4.4) with the client authenticated by form parameters, which identity
// providers including Microsoft Entra accept.
type clientCredentials struct {
	tokenURL     string
	clientID     string
	clientSecret string
	client       *http.Client
}

func (c *clientCredentials) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {c.clientID},
		"client_secret": {c.clientSecret},
	}
	if len(opts.Scopes) > 0 {
		form.Set("scope", strings.Join(opts.Scopes, " "))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return azcore.AccessToken{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return azcore.AccessToken{}, fmt.Errorf("token request to %s failed: %w", c.tokenURL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return azcore.AccessToken{}, fmt.Errorf("reading token response from %s: %w", c.tokenURL, err)
	}
	var parsed struct {
		AccessToken      string          `json:"access_token"`
		ExpiresIn        json.RawMessage `json:"expires_in"`
		Error            string          `json:"error"`
		ErrorDescription string          `json:"error_description"`
	}
	jsonErr := json.Unmarshal(body, &parsed)
	if resp.StatusCode != http.StatusOK {
		// The error fields of RFC 6749 §5.2 carry no secrets; the body is not
		// echoed whole in case a server reflects the request.
		return azcore.AccessToken{}, fmt.Errorf("token endpoint %s answered %s: %s %s", c.tokenURL, resp.Status, parsed.Error, parsed.ErrorDescription)
	}
	if jsonErr != nil || parsed.AccessToken == "" {
		return azcore.AccessToken{}, fmt.Errorf("token endpoint %s answered without an access_token in a JSON body", c.tokenURL)
	}
	// expires_in is a number in RFC 6749; some servers send it as a string.
	seconds, err := strconv.ParseInt(strings.Trim(string(parsed.ExpiresIn), `"`), 10, 64)
	if err != nil || seconds <= 0 {
		seconds = 3600 // RFC 6749 leaves expires_in optional; assume an hour.
	}
	return azcore.AccessToken{Token: parsed.AccessToken, ExpiresOn: time.Now().Add(time.Duration(seconds) * time.Second)}, nil
}
