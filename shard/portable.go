//go:build hitrate_portable

package shard

import "math/rand/v2"

// Pinned reports whether this build writes shards pinned to their P
// (true), or uses the portable fallback of the hitrate_portable build tag.
const Pinned = false

// add picks a shard at random (the runtime's per-M generator, lock-free)
// and writes it with atomic read-modify-writes, since other goroutines may
// write the same shard at once.
func (c *Counter) add(n uint64) {
	e := c.clock.Epoch()
	i := uint64(rand.Uint32()) * uint64(len(c.shards)) >> 32
	s := &c.shards[i]
	s.total.Add(n)
	s.w.AddShared(e, n)
}
