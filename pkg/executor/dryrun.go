package executor

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// DryRun writes the request the call would send: method, URL, headers and
// the body pretty-printed. Nothing is sent. The Authorizer runs, so the
// credential header's shape shows, but every credential value is printed
// as ***; if it fails, a comment line says why.
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
	// Without credentials a dry run still shows the request; it says why
	// the credential header is missing instead of failing.
	var authErr error
	if c.Auth != nil {
		authErr = c.Auth.Authorize(context.Background(), req)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n", req.Method, redactURL(target))
	names := slices.Sorted(maps.Keys(req.Header))
	for _, name := range names {
		for _, value := range req.Header.Values(name) {
			fmt.Fprintf(&b, "%s: %s\n", name, redactHeader(name, value))
		}
	}
	if authErr != nil {
		fmt.Fprintf(&b, "# no credential header: %v\n", authErr)
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
