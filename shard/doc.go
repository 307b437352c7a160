// Package shard counts hot events that many goroutines record at once: a
// Counter keeps an exact total and a one-second window (see package ring)
// per P, in cache-line padded shards that readers sum.
//
// An increment pins the goroutine to its P (runtime.procPin, which the
// runtime keeps linkable on purpose), adds to that P's shard with a load
// and a plain store, and unpins: no lock, no locked instruction, no
// allocation, and no cache line shared with another core, so its cost
// stays flat as cores are added. Build with the hitrate_portable tag to
// use a portable fallback without go:linkname: a random shard written with
// atomic adds and compare-and-swap.
//
// GOMAXPROCS may change at run time (Go 1.25 follows cgroup CPU limits):
// a Counter has max(GOMAXPROCS, NumCPU) shards from New, and Ps beyond
// those share an overflow shard written atomically, so no increment is
// ever lost or out of range.
//
// Usage:
//
//  1. Make one ring.Clock for the process (or use ring.Default).
//  2. Make a Counter per event with New(clock), once, at setup.
//  3. Call Inc or Add from any goroutine; read Total and Rate from any
//     goroutine, at any time.
package shard
