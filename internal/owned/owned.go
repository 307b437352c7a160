// Package owned holds what a writer that owns a word needs: pinning the
// goroutine to its P, so that a per-P stripe has one writer at a time, and
// plain stores into words that readers load atomically. shard's and
// latency's per-P stripes and fold's owned adds use it.
package owned

import _ "unsafe" // for go:linkname

// The runtime keeps procPin and procUnpin linkable on purpose (see the
// comment above procPin in runtime/proc.go). While pinned, a goroutine
// cannot be preempted or moved to another P.

// Pin pins the calling goroutine to its P and returns the P's id, below
// GOMAXPROCS. It must be followed by Unpin, on the same goroutine.
//
//go:linkname Pin runtime.procPin
func Pin() int

// Unpin undoes Pin.
//
//go:linkname Unpin runtime.procUnpin
func Unpin()
