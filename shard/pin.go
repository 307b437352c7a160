//go:build !hitrate_portable

package shard

import (
	_ "unsafe" // for go:linkname

	"github.com/hitrate/hitrate/ring"
)

// The runtime keeps procPin and procUnpin linkable on purpose (see the
// comment above procPin in runtime/proc.go). While pinned, a goroutine
// cannot be preempted or moved to another P, so each P's shard has one
// writer at a time and can be written with a load and ring.StoreOwned.

//go:linkname procPin runtime.procPin
func procPin() int

//go:linkname procUnpin runtime.procUnpin
func procUnpin()

// Pinned reports whether this build writes shards pinned to their P
// (true), or uses the portable fallback of the hitrate_portable build tag.
const Pinned = true

func (c *Counter) add(n uint64) {
	pid := procPin()
	e := c.clock.Epoch()
	if uint(pid) < uint(len(c.shards)) {
		s := &c.shards[pid]
		ring.StoreOwned(&s.total, s.total.Load()+n)
		s.w.Add(e, n)
	} else {
		// GOMAXPROCS grew past the shards made at New: this P shares the
		// overflow shard with others, so it needs atomic read-modify-writes.
		c.overflow.total.Add(n)
		c.overflow.w.AddShared(e, n)
	}
	procUnpin()
}
