// Package latency keeps windowed distributions of durations (latencies)
// at counter cost: a Histogram answers "how slow" over the last second,
// the last 10 and 60 seconds and since start (count, rate, mean, p50, p90,
// p99, p99.9, max, and the buckets for export), while any number of
// goroutines record into it without a lock, an allocation or a shared
// cache line.
//
// # Recording
//
// Record(d) finds d's bucket without a logarithm (the position of the
// leading one bit is the octave; one load from a 256-entry table on the
// next 8 bits gives the sub-bucket and the one edge that may fall among
// those values, and a branch-free compare settles it) and adds one to it in
// the slot of the
// current epoch of a ring.Clock, beside the slot's sum and max. Like
// shard.Counter, a Histogram starts with one base stripe that records with
// atomic adds, and stripes for good into per-P stripes once it samples
// contention (or at once on CPUs where a pinned Record is the cheaper even
// for one goroutine: the first New times both): a striped Record pins the
// goroutine to its P and
// writes that P's stripe with loads and plain stores. The first Record of
// a Tick in a stripe clears the slot of that stripe (the oldest of its
// ring) and folds its counts into the exact totals. Ps past the stripes
// made by New (GOMAXPROCS grew) record into the base stripe atomically;
// the hitrate_portable build writes a random stripe atomically.
//
// Negative durations count as 0, an underflow. Values from Min (1 µs) to
// Max (1 h) are bucketed; values below Min count in the underflow bucket,
// above Max in the overflow bucket (and as Max in the sum and max); both
// counts are in every Snapshot. Use RecordValue for values in other units
// read as nanoseconds. No sum wraps: a slot's sum (one Tick of one
// stripe) moves 2^63 ns (2.56 million values of Max) into a word of
// carries each time it reaches it; the totals' sum is 128 bits, and the
// windows' sums (float64) add the slots', carries included.
//
// # Buckets and the error bound
//
// Bucket g holds the values v (nanoseconds) with 2^(g/36) <= v <
// 2^((g+1)/36): PerOctave = 36 buckets per power of two, a ratio of
// 1.0194 between a bucket's edges. 1 µs to 1 h spans 31.8 octaves: 1144
// buckets, plus underflow and overflow, NumBuckets = 1146. A quantile is
// reported as the point 2LU/(L+U) of the bucket [L, U) that holds it,
// whose distance to any value of the bucket is at most (U-L)/(U+L) =
// 0.96% of that value (and never more than the window's max). So:
//
// Every reported quantile is within 1% (0.97%) relative error of the
// exact quantile of the values recorded in its window, when that exact
// quantile is from Min to Max.
//
// The exact quantile is the weighted empirical one: with each value
// weighted as its window says (below) and W the total weight, the
// q-quantile is the smallest value whose cumulative weight, in ascending
// order, reaches q*W (for q = 0, the smallest value). With whole weights
// that is the value of rank ceil(q*W) (at least 1); Second and Minute
// weigh values in halves and tenths, and their rank is ceil(q*W) in those
// units, not in values (the median of two values of weight one half is
// the smaller). Bucket counts are exact, so the bucket holding that rank
// holds that value. The tests compare with this model, from sorted
// samples.
//
// # Windows
//
//   - Second: the ring.Size slots of one ring.Tick ending at the clock's
//     read epoch (Clock.ReadEpoch: stall-proof), values of the oldest slot
//     weighted one half and the others 1: the window of the rates of
//     package ring (their Seed estimator). Rate = Count per second.
//   - TenSeconds: the last 10 Sample intervals, ending at the last Sample,
//     each value weighted 1.
//   - Minute: the last 60 Sample intervals, kept in blocks of 10: the
//     newest block (k intervals, 1 to 10) and the five before it weigh 1,
//     the seventh newest (10-k)/10, so the window always weighs 60
//     intervals (exactly 6 blocks when k = 10).
//   - LastInterval: the last Sample interval alone, for a per-second
//     chart.
//   - Total: everything since New, exact: the cumulative counts, sum and
//     count for export (Snapshot.Cumulative folds the buckets into a
//     classic histogram's bounds, such as ExportBounds).
//
// Sample, called once a second by one sampler goroutine, closes the
// current interval: it reads the exact totals and keeps what was recorded
// since the previous Sample. Counts are exact in every window, up to
// 2^32-1 values of one bucket in one Sample interval (and, for Minute, in
// one block of ten): 4.29 billion values of one bucket in one second, or
// 429 million a second for ten seconds. Past that an interval holds 2^32-1
// of them and moves the rest to the next interval, and a block holds
// 2^32-1 and leaves the rest out (the totals, and Second, keep every
// value); their sums move or leave out those values at their bucket's
// reported value (within 0.97% of each), so that the mean is that of the
// values counted but for that error.
//
// Max is exact for Second and Total. For TenSeconds, Minute and
// LastInterval it is the largest of the maxima of their intervals, each
// the largest max of the slots of the interval's Ticks, which may include
// a value of up to one Tick before the interval (or, with the rotator
// stalled, of an earlier interval) in the bucket of the interval's largest
// value: up to 1.94% above that value. Where those slots hold no value of
// that bucket, or a larger one from before the interval, the max is the
// bucket's reported value, within 0.97% of the largest value; where they
// may not hold the largest value (a Sample more than a second late, a
// rotator stalled for over a second: the slots of the interval's start
// were reused; values counted in Missed), it is at least that. Quantiles
// report at most the window's max, so they keep the bound in every window.
//
// A value whose slot another writer was clearing (only on stripes shared
// by several writers), or whose slot already held a newer epoch (its writer
// stalled for over a second between reading the clock and writing), is
// counted in the totals, and so in TenSeconds, Minute and LastInterval
// (count, sum and max), but in no Second window: Missed counts them. A
// writer on a shared stripe that stalls for over a second after checking
// its slot may instead count in the Second window of a later Tick.
//
// # Memory
//
// A slot is 40 bytes (tag, sum and its carries, max, the range of buckets
// written) and 1146 32-bit counts: 4624 bytes. A stripe is 11 slots,
// padded to whole cache lines: 50944 bytes. A Histogram is its header
// (128), the base stripe (50944), the totals (1146 x 8 = 9168, and 48
// more), and the history (87872: the totals at the last Sample, 9168; 10
// intervals and 7 blocks of 4624 bytes each, 78608; the rest): 148160
// bytes. With the stripes of two cores (2 x 50944) that is 250048 bytes,
// 244.2 KiB, under 256 KiB; each further P adds 50944 bytes. The tables (bucket edges,
// about 30 KB) are shared by all Histograms.
//
// # Usage
//
//  1. Make one ring.Clock for the process (or use ring.Default).
//  2. Make a Histogram per distribution with New(clock), once, at setup.
//  3. Call Record from any goroutine.
//  4. Call Sample once a second from the process's sampler.
//  5. Read any window, at any time, from any goroutine.
package latency
