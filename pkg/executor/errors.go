package executor

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode"
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
func newAPIError(resp *http.Response, body []byte) *APIError {
	req := resp.Request
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
	e.Code, e.Message = printable(flat.Code), printable(flat.Message)
	if e.Code == "" {
		e.Code = resp.Header.Get("x-ms-error-code")
	}
	if e.Code == "" && e.Message == "" {
		text := strings.TrimSpace(string(body))
		if len(text) > 500 {
			text = text[:500] + "…"
		}
		e.Message = printable(text)
		if e.Message == "" {
			e.Message = http.StatusText(resp.StatusCode)
		}
	}
	return e
}

// printable escapes the control characters in text from an API (ESC
// sequences, OSC titles, C1 codes) but newline and tab, so that an error
// message cannot drive the terminal it is printed on.
func printable(text string) string {
	if !strings.ContainsFunc(text, isHostileControl) {
		return text
	}
	var b strings.Builder
	for _, r := range text {
		if isHostileControl(r) {
			fmt.Fprintf(&b, "\\x%02x", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isHostileControl(r rune) bool {
	return unicode.IsControl(r) && r != '\n' && r != '\t'
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

// Redactor hides secrets in text. pkg/auth's Sources implements it with
// every credential value it handed out, so a key or token is hidden
// wherever it appears, whatever the parameter or header that carried it.
type Redactor interface {
	Redact(text string) string
}

// redact hides credentials in text the executor shows: every secret the
// Redactor knows by value, and query values named like credentials.
func (e *Executor) redact(text string) string {
	if e.secrets != nil {
		text = e.secrets.Redact(text)
	}
	return text
}

// redactError hides credentials in an error the executor returns. Its
// *APIError or *OperationError, if any, is redacted in place, so that code
// reading their fields sees no secret either; the chain stays intact for
// errors.Is and errors.As.
func (e *Executor) redactError(err error) error {
	if err == nil || e.secrets == nil {
		return err
	}
	var api *APIError
	if errors.As(err, &api) {
		api.URL, api.Message = e.redact(api.URL), e.redact(api.Message)
	}
	var op *OperationError
	if errors.As(err, &op) {
		op.Message, op.OperationURL = e.redact(op.Message), e.redact(op.OperationURL)
	}
	text := err.Error()
	if redacted := e.redact(text); redacted != text {
		return &redactedError{text: redacted, err: err}
	}
	return err
}

// redactedError is an error whose text had secrets in it.
type redactedError struct {
	text string
	err  error
}

func (e *redactedError) Error() string { return e.text }
func (e *redactedError) Unwrap() error { return e.err }
