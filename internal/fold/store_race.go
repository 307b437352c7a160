//go:build race

package fold

import "sync/atomic"

// StoreOwned stores v into *p for a writer that owns p. This is the race
// detector's build: an atomic store, so that tests see every access as
// synchronized. See store.go for the plain store of other builds.
func StoreOwned(p *atomic.Uint64, v uint64) {
	p.Store(v)
}
