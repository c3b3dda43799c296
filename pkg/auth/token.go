package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

const (
	// refreshMargin: a token is renewed this long before it expires, or at
	// half its remaining life when that is shorter.
	refreshMargin = 5 * time.Minute
	// failureBackoff: after a failed fetch, callers get the same error for
	// this long instead of each starting a fetch (N goroutines must not run
	// `az` N times when it fails). After it, the next call tries again.
	failureBackoff = 5 * time.Second
)

// tokenAuthorizer puts a bearer token from an azcore.TokenCredential in the
// Authorization header, caching tokens per scope set.
type tokenAuthorizer struct {
	src    source
	cred   azcore.TokenCredential
	scopes []string
	prefix string
	hint   string // what the user can do when the credential fails
	now    func() time.Time
	// secrets records every token fetched, for redaction.
	secrets *Secrets

	mu      sync.Mutex
	entries map[string]*tokenEntry
}

// tokenEntry is the cached state for one scope set. Its fields are guarded
// by tokenAuthorizer.mu.
type tokenEntry struct {
	token     azcore.AccessToken
	refreshAt time.Time
	// fetching is non-nil while one caller fetches; it is closed when done.
	fetching chan struct{}
	err      error
	errUntil time.Time
}

func newTokenAuthorizer(src source, cred azcore.TokenCredential, scopes []string, prefix, hint string, secrets *Secrets) *tokenAuthorizer {
	return &tokenAuthorizer{
		src: src, cred: cred, scopes: scopes, prefix: prefixOr(prefix, "Bearer "), hint: hint,
		now: time.Now, secrets: secrets, entries: map[string]*tokenEntry{},
	}
}

func (a *tokenAuthorizer) Authorize(ctx context.Context, req *http.Request) error {
	token, err := a.token(ctx, a.scopes)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", a.prefix+token)
	return nil
}

// AuthorizeDryRun shows the header a token would go in, without fetching
// one: fetching may walk the credential chain over the network.
func (a *tokenAuthorizer) AuthorizeDryRun(req *http.Request) {
	req.Header.Set("Authorization", a.prefix+redacted)
}

// token returns a valid token for scopes. At most one fetch per scope set
// runs at a time: while a still-valid token is being renewed, other callers
// keep using it; when there is no valid token, they wait for the fetch.
func (a *tokenAuthorizer) token(ctx context.Context, scopes []string) (string, error) {
	key := strings.Join(scopes, " ")
	a.mu.Lock()
	for {
		e := a.entries[key]
		if e == nil {
			e = &tokenEntry{}
			a.entries[key] = e
		}
		now := a.now()
		valid := e.token.Token != "" && now.Before(e.token.ExpiresOn)
		if valid && now.Before(e.refreshAt) {
			a.mu.Unlock()
			return e.token.Token, nil
		}
		if e.fetching != nil || now.Before(e.errUntil) {
			if valid {
				a.mu.Unlock()
				return e.token.Token, nil
			}
			if e.fetching == nil {
				err := e.err
				a.mu.Unlock()
				return "", err
			}
			wait := e.fetching
			a.mu.Unlock()
			select {
			case <-wait:
			case <-ctx.Done():
				return "", fmt.Errorf("%s: gave up waiting for a token: %w", a.src, ctx.Err())
			}
			a.mu.Lock()
			continue
		}

		done := make(chan struct{})
		e.fetching = done
		a.mu.Unlock()
		tok, fetchErr := a.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: scopes})
		a.mu.Lock()
		e.fetching = nil
		close(done)
		if fetchErr == nil && tok.Token == "" {
			fetchErr = errors.New("the credential returned an empty token")
		}
		if fetchErr != nil {
			err := fmt.Errorf("%s: could not get a token for scope %s: %w\nhint: %s", a.src, key, fetchErr, a.hint)
			// The fetching caller's own cancellation says nothing about the
			// credential, so it is not remembered for the others.
			if ctx.Err() == nil {
				e.err = err
				e.errUntil = a.now().Add(failureBackoff)
			}
			old := e.token.Token
			a.mu.Unlock()
			if valid {
				// The old token still works; the next call retries after the backoff.
				return old, nil
			}
			return "", err
		}
		a.secrets.add(tok.Token)
		e.token = tok
		e.refreshAt = refreshTime(now, tok)
		e.err, e.errUntil = nil, time.Time{}
		a.mu.Unlock()
		return tok.Token, nil
	}
}

// refreshTime is when a token fetched at now should be renewed: the
// credential's own suggestion if it gave one, else refreshMargin before
// expiry, or half the remaining life for short-lived tokens.
func refreshTime(now time.Time, tok azcore.AccessToken) time.Time {
	remaining := tok.ExpiresOn.Sub(now)
	early := min(refreshMargin, remaining/2)
	at := tok.ExpiresOn.Add(-early)
	if !tok.RefreshOn.IsZero() && tok.RefreshOn.Before(at) {
		at = tok.RefreshOn
	}
	return at
}
