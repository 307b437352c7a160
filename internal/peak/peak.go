// Package peak raises an atomic value to a maximum without a lock: the
// compare-and-swap loop behind every peak hitrate keeps (peak rates, peak
// connections, a connection's last activity).
package peak

import "cmp"

// Atomic is an atomic value of type T: sync/atomic's Int64 and Uint64,
// go.uber.org/atomic's Float64, and the like.
type Atomic[T cmp.Ordered] interface {
	Load() T
	CompareAndSwap(old, new T) bool
}

// Raise sets *p to v if v is higher, without a lock, and returns the
// result: the higher of v and the value it found. Concurrent Raises end
// with the highest of their values; no Raise lowers the value.
func Raise[T cmp.Ordered, P Atomic[T]](p P, v T) T {
	for {
		old := p.Load()
		if v <= old {
			return old
		}
		if p.CompareAndSwap(old, v) {
			return v
		}
	}
}
