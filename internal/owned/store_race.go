//go:build race

package owned

import "sync/atomic"

// Store64 stores v into *p for a writer that owns p. This is the race
// detector's build: an atomic store, so that tests see every access as
// synchronized. See store.go for the plain store of other builds.
func Store64(p *atomic.Uint64, v uint64) { p.Store(v) }

// Store32 is Store64 for a 32-bit word.
func Store32(p *atomic.Uint32, v uint32) { p.Store(v) }
