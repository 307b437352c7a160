// Package shard counts hot events that many goroutines record at once: a
// Counter keeps an exact total and a one-second window (see package ring)
// per P, in cache-line padded shards that readers sum.
//
// A Counter starts with one base cell that an increment updates with a
// single atomic add, and stripes for good into per-P cells once it sees
// writers on several cores contending (or at once, on CPUs where a pinned
// write is cheaper than a locked add: New times both once per process).
// A striped increment pins the goroutine to its P (runtime.procPin, which
// the runtime keeps linkable on purpose), adds to that P's cell with a
// load and a plain store, and unpins: no lock, no locked instruction, no
// allocation, and no cache line shared with another core. Each cell holds
// its window and its exact total in one (see ring.Window). Build with the
// hitrate_portable tag to use a portable fallback without go:linkname: a
// random cell written with atomic adds.
//
// GOMAXPROCS may change at run time (Go 1.25 follows cgroup CPU limits):
// a Counter has max(GOMAXPROCS, NumCPU) cells from New, and Ps beyond
// those share the base cell, written atomically, so no increment is
// ever lost or out of range.
//
// Usage:
//
//  1. Make one ring.Clock for the process (or use ring.Default).
//  2. Make a Counter per event with New(clock), once, at setup.
//  3. Call Inc or Add from any goroutine; read Total and Rate from any
//     goroutine, at any time.
package shard
