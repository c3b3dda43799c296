package executor

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// DryRun writes the request the call would send: method, URL, headers and
// the body pretty-printed. Nothing is sent, and no credential is read or
// fetched (a token may mean a network call): an Authorizer that can show
// where its credential goes puts a placeholder there ("Bearer ***"); for
// any other, a comment line says credentials are added when sent.
func (c *Call) DryRun(w io.Writer) error {
	target, err := c.URL()
	if err != nil {
		return err
	}
	unauthorized := *c
	unauthorized.Auth = nil
	req, err := unauthorized.newRequest(context.Background(), c.Method.HTTPMethod, target, c.Body)
	if err != nil {
		return err
	}
	shown, placed := c.Auth.(DryRunAuthorizer)
	if placed {
		shown.AuthorizeDryRun(req)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n", req.Method, redactURL(req.URL.String()))
	names := slices.Sorted(maps.Keys(req.Header))
	for _, name := range names {
		for _, value := range req.Header.Values(name) {
			fmt.Fprintf(&b, "%s: %s\n", name, redactHeader(name, value))
		}
	}
	if c.Auth != nil && !placed {
		b.WriteString("# credentials: added when the request is sent\n")
	}
	if len(c.Body) > 0 {
		b.WriteString("\n")
		var pretty bytes.Buffer
		if json.Indent(&pretty, c.Body, "", "  ") == nil {
			b.Write(pretty.Bytes())
		} else {
			b.Write(c.Body)
		}
		b.WriteString("\n")
	}
	_, err = io.WriteString(w, b.String())
	return err
}

// DryRunAuthorizer is an Authorizer that can show where its credential
// goes without obtaining it; pkg/auth's authorizers all can.
type DryRunAuthorizer interface {
	Authorizer
	AuthorizeDryRun(req *http.Request)
}

// redactHeader hides credential values: Authorization keeps its scheme
// ("Bearer ***") so the shape shows; any header whose name suggests a
// secret is hidden whole.
func redactHeader(name, value string) string {
	lower := strings.ToLower(name)
	if lower == "authorization" || lower == "proxy-authorization" {
		if scheme, _, ok := strings.Cut(value, " "); ok {
			return scheme + " ***"
		}
		return "***"
	}
	for _, secret := range []string{"key", "token", "secret", "password", "auth", "cookie", "signature", "credential"} {
		if strings.Contains(lower, secret) {
			return "***"
		}
	}
	return value
}
