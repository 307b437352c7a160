// Package keyed counts events per key, such as per client address, in a
// table of bounded size: per key, a few named events, each with an exact
// total and its events per second over the last second, read the same way
// as every other counter of hitrate. It answers "who": which clients send
// the most requests right now (Top), and is this address above 100
// connections per second (Rate), like HAProxy's stick tables.
//
// # When to use it, and when Prometheus labels
//
// A Prometheus label with one value per client makes one time series per
// client: in a proxy, an unbounded number of series (a scan from many
// addresses makes millions), each kept by the process, the scraper and
// the database long after the client left. That is the cardinality trap.
// Use labels for dimensions with a small, known set of values (protocol,
// response class, upstream). Use a Table for keys without a bound
// (clients, users, API keys): it holds at most its capacity, evicts the
// least active keys when a new one arrives, answers rate decisions on the
// hot path, and lists the top talkers on a page; export only what is
// bounded, such as Stats (table-wide totals and rates, evictions) or the
// top 10.
//
// # Cost
//
// Counting an event for a resident key is a hash (two seeded multiplies
// for an address, maphash for a string), a lock-free probe of the Table's
// own open-addressing index (a hash compare in the slot, then a key
// compare in the entry) and one atomic add on the key's fold.Cell: no
// lock, no allocation. The table-wide total of the event is a shard.Counter
// add. Rate is the same probe, a clock read and the read of one cell;
// AddRate, a count and a Rate on one probe, is the decision of a limit
// that counts each attempt (the proxy's -max-conn-rate). The
// probe loads the cell's lines with the entry's, before the key compare,
// so that out of cache a count waits for two misses one after the other
// (the index slot's, then the entry's and its cell's together) where it
// waited for three. Measured on a loaded 2-core Xeon VM, one goroutine,
// against an increment in a sync.Mutex-guarded map[netip.Addr]uint64
// (bench/keyed_test.go has the comparisons; BENCHMARKS.md the latest
// run): in cache (1,000 keys) a count costs 0.75 to 0.9 times the map's
// increment (25 to 40 ns); at 100,000 keys drawn uniformly, where the two
// misses dominate (the entries, 256 bytes per key with 2 events, do not
// fit in the caches that hold most of the map's 32-byte ones), a count
// costs 1.5 to 2.7 times the map's increment and a Rate 2.5 to 3.5 times
// (the runs differ that much on that host). Spread that thin, a count also
// often starts its key's 100 ms slot: the first count of a key in a slot
// finds the slot tagged with an older epoch and folds it (a
// compare-and-swap on the slot and three atomic adds, on the cell's total
// and the entry's fold guard), after a branch on the missed line that no
// predictor can guess, whose misprediction also throws away the work begun
// on the next counts. At 100,000 keys and the benchmark's 5 to 6 million
// counts a second, each key gets 5 or 6 events a slot, so about one count
// in six folds (measured: 17 to 19%), and counts that skipped the folds
// (leaving the windows wrong) took about 60% of the time, in runs of the
// same binary taken in turns. Keys with more events per slot, such as the
// busy clients of a Zipf stream, fold less often per event. Inserting a
// new key takes a lock that only insertions take, allocates the key's
// entry and cells, and in a full Table compares 8 resident keys chosen at
// random and evicts the least active, shifting the index entries after it
// back: O(1) expected, as the index is at most half full, and never a
// rebuild. Counting for resident keys never waits for an insertion;
// insertions wait for each other, so a flood of new keys is inserted at
// the pace of one goroutine.
//
// # Top talkers
//
// Top lists the k keys with the highest rates or totals of an event. Up
// to ScanAll keys it reads them all and is exact; above, it reads at most
// MaxCandidates candidates of the event, the keys that reached the
// highest counts of it in one 100 ms slot lately, which writers offer as
// they count (see Top for the bound). Its cost does not grow with the
// Table.
//
// # Memory
//
// Per resident key, with E events: one allocation of the entry (64 bytes
// for a netip.Addr key, 56 for a string, plus the string's bytes) followed
// by its E cells of 96 bytes (each keeps 11 slots and a total so that one
// atomic add counts both): 256 bytes for E = 2, 448 for E = 4; 2 to 4
// index slots of 16 bytes (the index is 2 x capacity rounded up to a power
// of two); 8 bytes in the dense list of keys that eviction samples. So
// about 300 to 330 bytes per key for the proxy's 2 events, and 490 to 520
// for 4: over a 256-byte budget for 4 events, because of the cells.
// TestMemoryPerKey measures it. The index and the dense list are made by
// New for the whole capacity, before any key: 40 to 72 bytes per key of
// capacity (40 MiB for a million, 2.5 GiB at MaxCapacity).
//
// # Exactness
//
// A key's totals and rates are exact under any number of concurrent
// writers while the key stays resident. A key that returns after its
// eviction starts from zero. The table-wide totals (Stats) count every
// event, of evicted keys and of invalid keys too.
//
// # Bad input
//
// The empty string, strings over MaxKeyLen bytes and the zero netip.Addr
// are refused: their events count in the table-wide totals and in
// Stats.Refused, under no key. String keys are copied on insertion, so a
// Table never keeps a caller's buffer alive. A flood of distinct keys
// holds memory at the capacity, evicts keys as idle as its own, and shows
// in Stats.Evictions.
package keyed
