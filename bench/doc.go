// Package bench compares hitrate's counters with the usual ways Go
// programs count events, on the same workloads, so that the numbers in
// BENCHMARKS.md line up contender by contender.
//
// It is a module of its own (github.com/hitrate/hitrate/bench), so that
// users of hitrate never download the peers it is compared with.
//
// Every contender is a family (its shared state: a rotating ring.Clock, a
// metrics set) that makes counters. A counter has the same four methods in
// every contender, called on concrete types so that no interface call is
// measured:
//
//	inc()          one event
//	read() float64 the rate, or the value for a contender without a rate
//	count() uint64 the events counted, for the tests
//	close()        release what the counter holds (a go-metrics Meter)
//
// and a family's newConn(agg) makes the per-connection handle of the
// ProxyMix workload, whose inc counts one event on the connection and on
// the aggregate agg.
//
// The benchmarks themselves are generated from gen.go into
// bench_gen_test.go (go generate), one function per workload and
// contender, so that each inlines its contender's calls. See README.md for
// the workloads and how to run them.
package bench

//go:generate go run gen.go
