// Package ring counts events in a ring of time slots, so that a counter can
// answer "how many in the last second" as cheaply as "how many in total".
//
// One second is split into N = 10 slots of Tick = 100 ms, kept as a ring of
// Size = N+1 = 11 slots: the ten slots of the last second and the current,
// partly elapsed one. The default estimator, Seed, reads
//
//	0.5*oldest + sum(the other 10)
//
// which counts the events of the last 0.95 to 1.05 seconds. The opt-in
// Interpolated estimator weights the oldest slot by 1-f, f being the elapsed
// fraction of the current slot, so that a steady rate reads exactly.
//
// A Clock names the current slot with an epoch number that one rotator
// goroutine advances every Tick; writers only load it and add, so they
// never block, take a lock or allocate. Each slot is tagged with the epoch
// it counts, so slots are reset lazily by their next writer and no
// rotation ever visits a counter: a Clock drives any number of counters at
// the same cost, and slots that a late rotator skipped read as zero.
//
// Readers take the epoch that the elapsed time names when it is ahead of
// the stored one (Clock.ReadEpoch), so a late rotator never inflates a
// rate: the events written during a stall land in the slot of the stored
// epoch, which readers see as older than it is, so the rate never exceeds
// what an on-time rotator shows, and a stream that stopped reads zero
// within 1.1 s of its last event. What a stall longer than the window (one
// second) costs: the events written during it leave the rate once their
// slot is more than a second old, and the rate reads low until the rotator
// catches up; they never leave the total, which stays exact.
//
// Usage:
//
//  1. Make one Clock for the process (or use Default) and Stop it at the
//     end; in tests, use a ManualClock and Advance it by hand.
//  2. Make a Counter per event and per connection with NewCounter, and call
//     Inc or Add from the goroutine that handles the connection.
//  3. Read Total and Rate (or RateWith) from anywhere, at any time.
//
// For counters that many goroutines write at once, use package shard,
// which keeps a Window per P and writes it without a locked instruction.
package ring
