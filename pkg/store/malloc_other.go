//go:build !linux || !cgo

package store

// tuneCHeap is glibc's matter (see malloc_linux.go); other C libraries
// keep their own policy.
func tuneCHeap() {}
