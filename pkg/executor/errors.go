package executor

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// APIError is a non-success HTTP answer, carrying the API's own error code
// and message (ARM: {"error":{"code","message"}}).
type APIError struct {
	HTTPMethod string
	URL        string
	StatusCode int
	Code       string
	Message    string
	RequestID  string
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: HTTP %d", e.HTTPMethod, e.URL, e.StatusCode)
	if e.Code != "" {
		fmt.Fprintf(&b, " %s", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request id %s)", e.RequestID)
	}
	return b.String()
}

// newAPIError reads an error body in the shapes APIs use: ARM/OData
// {"error":{"code","message"}}, flat {"code","message"}, or plain text.
func newAPIError(req *http.Request, resp *http.Response, body []byte) *APIError {
	e := &APIError{HTTPMethod: req.Method, URL: redactURL(req.URL.String()), StatusCode: resp.StatusCode,
		RequestID: firstHeader(resp.Header, "x-ms-request-id", "x-request-id")}
	var wrapped struct {
		Error json.RawMessage `json:"error"`
	}
	var flat struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &wrapped) == nil && len(wrapped.Error) > 0 {
		if json.Unmarshal(wrapped.Error, &flat) != nil {
			var s string
			if json.Unmarshal(wrapped.Error, &s) == nil {
				flat.Message = s
			}
		}
	} else {
		_ = json.Unmarshal(body, &flat)
	}
	e.Code, e.Message = flat.Code, flat.Message
	if e.Code == "" {
		e.Code = resp.Header.Get("x-ms-error-code")
	}
	if e.Code == "" && e.Message == "" {
		text := strings.TrimSpace(string(body))
		if len(text) > 500 {
			text = text[:500] + "…"
		}
		e.Message = text
		if e.Message == "" {
			e.Message = http.StatusText(resp.StatusCode)
		}
	}
	return e
}

func firstHeader(h http.Header, names ...string) string {
	for _, n := range names {
		if v := h.Get(n); v != "" {
			return v
		}
	}
	return ""
}

// redactURL drops query values that look like credentials (SAS signatures,
// codes, keys) so that URLs can be shown in errors and logs.
func redactURL(raw string) string {
	i := strings.IndexByte(raw, '?')
	if i < 0 {
		return raw
	}
	parts := strings.Split(raw[i+1:], "&")
	for j, p := range parts {
		k, _, _ := strings.Cut(p, "=")
		switch strings.ToLower(k) {
		case "sig", "code", "key", "token", "access_token", "client_secret", "password", "api_key", "apikey":
			parts[j] = k + "=REDACTED"
		}
	}
	return raw[:i+1] + strings.Join(parts, "&")
}
