// Package executor sends a plan's HTTP calls: it builds requests from
// provider methods, follows every page, retries what is safe to retry as
// the API asks, runs calls concurrently within a bound, and waits for
// long-running operations. It hands raw items to a sink and never decides
// what rows mean; that is the store's job.
package executor

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/skyql/skyql/pkg/provider"
)

// Authorizer adds credentials to a request. pkg/auth's credential sources
// satisfy it; the executor needs nothing else from them.
type Authorizer interface {
	Authorize(ctx context.Context, req *http.Request) error
}

// Call is one API operation with its parameter values. A paged call may
// become many HTTP requests.
type Call struct {
	Method *provider.Method
	// Params holds values by parameter name (path, query and header).
	// Required parameters with a document default (api-version) may be left out.
	Params map[string]string
	// Body is the JSON request body, or nil.
	Body []byte
	// BaseURL is the service endpoint: the method's server URL template
	// (variables filled from Params in URL) or the user's --endpoint override.
	BaseURL string
	Auth    Authorizer
}

// Describe names the call for messages: the method and its identifying
// parameters (those skyql supplies, like api-version, left out as noise).
func (c *Call) Describe() string {
	keys := make([]string, 0, len(c.Params))
	for k := range c.Params {
		if p, ok := c.Method.Param(k); !ok || !p.Supplied() {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(c.Method.Name)
	b.WriteString("(")
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s=%s", k, c.Params[k])
	}
	b.WriteString(")")
	return b.String()
}

// MissingParams lists the method's required parameters the call lacks and
// that have no default.
func (c *Call) MissingParams() []string {
	var missing []string
	for _, p := range c.Method.Params {
		if _, ok := c.Params[p.Name]; ok || !p.Required || p.Supplied() || c.Method.PathQuery.Has(p.Name) {
			continue
		}
		missing = append(missing, p.Name)
	}
	return missing
}

// URL builds the first request's URL: base, path with parameters filled in,
// the path key's literal query, then query parameters and their defaults.
func (c *Call) URL() (string, error) {
	if missing := c.MissingParams(); len(missing) > 0 {
		return "", fmt.Errorf("%s: missing required parameter(s) %s", c.Method.Name, strings.Join(missing, ", "))
	}
	path := c.Method.Path
	query := url.Values{}
	for k, vs := range c.Method.PathQuery {
		query[k] = append([]string(nil), vs...)
	}
	for _, p := range c.Method.Params {
		value, ok := c.Params[p.Name]
		if !ok && p.Supplied() {
			value, ok = p.DefaultText(), true
		}
		if !ok {
			continue
		}
		switch p.In {
		case "path":
			escaped := url.PathEscape(value)
			if p.Type == "array" { // simple style: a,b
				elems := arrayElements(value)
				for i, e := range elems {
					elems[i] = url.PathEscape(e)
				}
				escaped = strings.Join(elems, ",")
			}
			path = strings.ReplaceAll(path, "{"+p.Name+"}", escaped)
		case "query":
			if query.Has(p.Name) {
				continue
			}
			if p.Type != "array" {
				query.Set(p.Name, value)
				continue
			}
			elems := arrayElements(value)
			switch {
			case p.Style == "spaceDelimited":
				query.Set(p.Name, strings.Join(elems, " "))
			case p.Style == "pipeDelimited":
				query.Set(p.Name, strings.Join(elems, "|"))
			case p.Explode:
				query[p.Name] = elems
			default:
				query.Set(p.Name, strings.Join(elems, ","))
			}
		}
	}
	base, err := provider.ServerURL(c.BaseURL, c.Method.Params, c.Params)
	if err != nil {
		return "", fmt.Errorf("%s: %w", c.Method.Name, err)
	}
	if base != c.BaseURL {
		// Variables chose the host: the endpoint rule holds for it as for
		// an --endpoint ({protocol}://{name} must not become plain http).
		if err := CheckEndpoint(base); err != nil {
			return "", fmt.Errorf("%s: %w", c.Method.Name, err)
		}
	}
	base = strings.TrimSuffix(base, "/")
	u := base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	return u, nil
}

// arrayElements reads an array parameter's value: a JSON array
// ('["a","b"]', elements that are not strings written as JSON) or a
// comma-separated list ('a,b').
func arrayElements(value string) []string {
	var elems []json.RawMessage
	if json.Unmarshal([]byte(value), &elems) != nil {
		return strings.Split(value, ",")
	}
	out := make([]string, len(elems))
	for i, e := range elems {
		var s string
		if json.Unmarshal(e, &s) != nil {
			s = string(e)
		}
		out[i] = s
	}
	return out
}

// newRequest builds an authorized request for the call at rawURL.
func (c *Call) newRequest(ctx context.Context, method, rawURL string, body []byte) (*http.Request, error) {
	var reader *bytes.Reader
	if body != nil {
		reader = bytes.NewReader(body)
	}
	var req *http.Request
	var err error
	if reader != nil {
		req, err = http.NewRequestWithContext(ctx, method, rawURL, reader)
	} else {
		req, err = http.NewRequestWithContext(ctx, method, rawURL, nil)
	}
	if err != nil {
		return nil, err
	}
	accept := c.Method.Response.MediaType
	if accept == "" {
		accept = "application/json"
	}
	req.Header.Set("Accept", accept)
	if body != nil {
		contentType := "application/json"
		if b := c.Method.Body; b != nil && b.MediaType != "" {
			contentType = b.MediaType // application/x-amz-json-1.1, application/merge-patch+json
		}
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("User-Agent", "skyql")
	for _, p := range c.Method.Params {
		if p.In != "header" {
			continue
		}
		if v, ok := c.Params[p.Name]; ok {
			req.Header.Set(p.Name, v)
		}
	}
	if c.Auth != nil {
		if err := c.Auth.Authorize(ctx, req); err != nil {
			return nil, fmt.Errorf("authorizing %s: %w", c.Method.Name, err)
		}
	}
	return req, nil
}

// CheckEndpoint enforces the endpoint rule: https anywhere, plain http only
// on loopback, so credentials never cross a network in clear text.
func CheckEndpoint(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("endpoint %q is not an absolute URL", raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if isLoopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("endpoint %q uses plain http on a non-loopback host; use https (http is accepted only for 127.0.0.1, [::1] and localhost)", raw)
	}
	return fmt.Errorf("endpoint %q: scheme must be https (or http on loopback)", raw)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
