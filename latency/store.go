//go:build !race

package latency

import (
	"sync/atomic"
	"unsafe"
)

// storeOwned32 and storeOwned64 store v into *p for a writer that owns p
// (a stripe written while pinned to its P): a plain store, as
// fold.StoreOwned, since an atomic store is an XCHG on amd64. A racing
// reader of an aligned word sees some value that was written, never a torn
// one. Under the race detector they are atomic stores (store_race.go).
func storeOwned32(p *atomic.Uint32, v uint32) { *(*uint32)(unsafe.Pointer(p)) = v }

func storeOwned64(p *atomic.Uint64, v uint64) { *(*uint64)(unsafe.Pointer(p)) = v }
