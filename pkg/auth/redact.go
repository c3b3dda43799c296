package auth

import (
	"strings"
)

const redacted = "***"

// sensitiveHeaders are headers that carry credentials whatever the provider.
var sensitiveHeaders = map[string]bool{
	"authorization":             true,
	"proxy-authorization":       true,
	"cookie":                    true,
	"set-cookie":                true,
	"x-api-key":                 true,
	"api-key":                   true,
	"ocp-apim-subscription-key": true,
	"x-identity-header":         true,
}

// SensitiveHeader reports whether a header's value must not be shown:
// well-known credential headers and any whose name mentions a key, token,
// secret or password (api_key auth may use a custom header name).
func SensitiveHeader(name string) bool {
	n := strings.ToLower(strings.TrimSpace(name))
	if sensitiveHeaders[n] {
		return true
	}
	for _, word := range []string{"key", "token", "secret", "password", "auth"} {
		if strings.Contains(n, word) {
			return true
		}
	}
	return false
}

// RedactHeader returns the value to show for a header: unchanged when the
// header is not sensitive, otherwise with the credential replaced by "***"
// while an auth scheme word is kept ("Bearer ***", "Basic ***").
func RedactHeader(name, value string) string {
	if !SensitiveHeader(name) {
		return value
	}
	if scheme, _, ok := strings.Cut(strings.TrimSpace(value), " "); ok && isSchemeWord(scheme) {
		return scheme + " " + redacted
	}
	return redacted
}

// Redact hides the credential in a "Name: value" header line, for printing
// requests (dry runs, debug logs). A line that is not a sensitive header
// comes back unchanged.
func Redact(s string) string {
	name, value, ok := strings.Cut(s, ":")
	if !ok || strings.ContainsAny(name, " \t") {
		return s
	}
	shown := RedactHeader(name, strings.TrimSpace(value))
	if shown == strings.TrimSpace(value) {
		return s
	}
	return name + ": " + shown
}

// isSchemeWord reports whether s looks like an HTTP auth scheme (token68
// prefix such as Bearer, Basic, SSWS): letters, digits and '-' only.
func isSchemeWord(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}
