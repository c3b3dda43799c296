// Package hostileapi is a corpus of misbehaving HTTP answers, for the
// tests that show skyql's HTTP clients (the executor, the registry) end,
// refuse or fail cleanly against a hostile or broken server.
package hostileapi

import (
	"net/http"
	"strings"
	"time"
)

// Silent answers nothing, not even headers, until the client leaves.
func Silent(_ http.ResponseWriter, r *http.Request) {
	<-r.Context().Done()
}

// Stall sends prefix (a body's beginning), then nothing until the client
// leaves.
func Stall(prefix string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(prefix))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}
}

// Trickle sends one byte of body per interval, forever.
func Trickle(interval time.Duration) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for {
			if _, err := w.Write([]byte(" ")); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(interval):
			}
		}
	}
}

// Endless sends body bytes as fast as the client reads them, forever.
func Endless(w http.ResponseWriter, _ *http.Request) {
	chunk := []byte(strings.Repeat(" ", 64<<10))
	for {
		if _, err := w.Write(chunk); err != nil {
			return
		}
	}
}
