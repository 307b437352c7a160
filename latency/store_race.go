//go:build race

package latency

import "sync/atomic"

// storeOwned32 and storeOwned64: the race detector's build, atomic stores,
// so that tests see every access as synchronized (see store.go).
func storeOwned32(p *atomic.Uint32, v uint32) { p.Store(v) }

func storeOwned64(p *atomic.Uint64, v uint64) { p.Store(v) }
