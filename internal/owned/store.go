//go:build !race

package owned

import (
	"sync/atomic"
	"unsafe"
)

// Store64 stores v into *p for a writer that owns p: one goroutine at a
// time writes p (a per-P stripe while pinned), and any number read it with
// p.Load.
//
// It is a plain store, not an atomic exchange: on amd64, atomic.Store is
// an XCHG, as costly as a locked add, and would double the cost of an
// increment. The Go memory model allows this: a racing read of a
// word-sized, aligned location observes some value that was written,
// never a torn one. Under the race detector (the race build tag) the
// stores are atomic, so that tests see every access as synchronized.
func Store64(p *atomic.Uint64, v uint64) { *(*uint64)(unsafe.Pointer(p)) = v }

// Store32 is Store64 for a 32-bit word.
func Store32(p *atomic.Uint32, v uint32) { *(*uint32)(unsafe.Pointer(p)) = v }
