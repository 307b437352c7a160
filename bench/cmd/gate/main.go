// Command gate is the benchstat regression gate that CI runs (make gate):
// it builds the benchmarks of some packages at a base revision and in the
// working tree, runs them interleaved and fails on a significant slowdown
// or any new allocation. See package
// github.com/hitrate/hitrate/bench/internal/gate for the flags and the
// verdicts. From the bench module:
//
//	go run ./cmd/gate -C .. -base HEAD~1 -pkg ./shard/ -bench BenchmarkCounterInc -count 10 -benchtime 100ms
//
// Exit status: 0 pass (or no base revision), 1 regression, 2 error.
package main

import (
	"os"

	"github.com/hitrate/hitrate/bench/internal/gate"
)

func main() {
	os.Exit(gate.Main(os.Args[1:], os.Stdout, os.Stderr))
}
