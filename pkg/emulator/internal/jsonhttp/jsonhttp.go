// Package jsonhttp holds the JSON request and response plumbing the
// emulator's protocols share.
package jsonhttp

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
)

// MaxBody is the largest request body read, ARM's 8 MB limit.
const MaxBody = 8 << 20

// WriteBody answers with a JSON body.
func WriteBody(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

// ReadBody reads a request body, up to one byte more than MaxBody so that
// callers can tell an oversized body.
func ReadBody(r io.Reader) ([]byte, error) {
	if r == nil {
		return nil, nil
	}
	return io.ReadAll(io.LimitReader(r, MaxBody+1))
}

// DecodeObject decodes a JSON object; an empty body is an empty object.
func DecodeObject(data []byte) (map[string]any, error) {
	m := map[string]any{}
	if len(bytes.TrimSpace(data)) == 0 {
		return m, nil
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, errors.New("the body is null; send a JSON object")
	}
	return m, nil
}

// MergePatch applies an RFC 7386 JSON merge patch: objects merge, null
// deletes, anything else replaces.
func MergePatch(target, patch map[string]any) {
	for k, v := range patch {
		if v == nil {
			delete(target, k)
			continue
		}
		if pm, ok := v.(map[string]any); ok {
			if tm, ok := target[k].(map[string]any); ok {
				MergePatch(tm, pm)
				continue
			}
		}
		target[k] = v
	}
}

// StringContent is s escaped for use inside a JSON string literal.
func StringContent(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// BaseURL is the scheme and host the request reached.
func BaseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
