package auth

import (
	"cmp"
	"net/url"
	"slices"
	"strings"
	"sync"
)

// Secrets are the credential values a session's authorizers handed out:
// keys and passwords read from the environment, and tokens as they are
// fetched. Redact hides each of them wherever it appears in text shown to
// the user (an API error echoing a header, a key in a query string, a
// next-page link), whatever the parameter or header that carried it is
// called. The zero value is ready to use; methods on a nil *Secrets record
// nothing and hide nothing.
type Secrets struct {
	mu       sync.Mutex
	values   map[string]bool
	replacer *strings.Replacer // nil when values changed since it was built
}

// minSecretLength: shorter values are not hidden, since replacing every
// occurrence of two or three characters would garble text while hiding a
// secret anyone could guess.
const minSecretLength = 4

// add records secret values, with the forms they take in a URL.
func (s *Secrets) add(values ...string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.values == nil {
		s.values = map[string]bool{}
	}
	for _, v := range values {
		for _, form := range []string{v, url.QueryEscape(v), url.PathEscape(v)} {
			if len(form) >= minSecretLength && !s.values[form] {
				s.values[form] = true
				s.replacer = nil
			}
		}
	}
}

// Redact returns text with every recorded secret replaced by "***".
func (s *Secrets) Redact(text string) string {
	if s == nil {
		return text
	}
	s.mu.Lock()
	if s.replacer == nil && len(s.values) > 0 {
		// Longest first: a secret that holds another is hidden whole.
		values := make([]string, 0, len(s.values))
		for v := range s.values {
			values = append(values, v)
		}
		slices.SortFunc(values, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
		pairs := make([]string, 0, 2*len(values))
		for _, v := range values {
			pairs = append(pairs, v, redacted)
		}
		s.replacer = strings.NewReplacer(pairs...)
	}
	r := s.replacer
	s.mu.Unlock()
	if r == nil {
		return text
	}
	return r.Replace(text)
}
