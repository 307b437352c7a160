package bench

import (
	"bytes"
	"math"
	"os"
	"os/exec"
	"sync/atomic"
	"testing"
	"time"
)

const (
	// readEvery is how many events a writer counts between two reads, in
	// IncRate and ProxyMix: a rate (or, for contenders without one, the
	// value) in IncRate, the aggregate's in ProxyMix.
	readEvery = 64
	// connEvents is how many events a ProxyMix connection counts before it
	// is closed and a new one opened in its place.
	connEvents = 1024
	// settleTimeout bounds how long settle waits for a contender's
	// goroutines to end after its benchmark.
	settleTimeout = 5 * time.Second
)

// contender is one implementation under test: its generated benchmarks
// (bench_gen_test.go) and the functions the tests check it with.
type contender struct {
	name                              string
	incSeq, incPar, incRate, proxyMix func(*testing.B)
	// check counts n events from each of workers goroutines on one
	// counter and returns its count and read.
	check func(workers, n int) (count uint64, read float64)
	// checkProxy counts n events on each of workers connections and
	// returns the aggregate's count and each connection's.
	checkProxy func(workers, n int) (agg uint64, conns []uint64)
}

var sink atomic.Uint64

// keep stores v where the compiler cannot prove it unused.
func keep(v float64) { sink.Store(math.Float64bits(v)) }

// reportOps reports the throughput of a benchmark as ops/s, after its
// timer has stopped.
func reportOps(b *testing.B) {
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(b.N)/s, "ops/s")
	}
}

// settle waits until no more than base goroutines run, so that the
// goroutines a contender left behind (ratecounter's tickers live a second
// after the last event) do not run during the next benchmark.
func settle(b *testing.B, name string, base int) {
	deadline := time.Now().Add(settleTimeout)
	for goroutines() > base {
		if time.Now().After(deadline) {
			b.Logf("%s: %d goroutines still running after %v (%d before)", name, goroutines(), settleTimeout, base)
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// runAll runs the benchmark that pick chooses of every contender that has
// one, as sub-benchmarks named after the contenders.
func runAll(b *testing.B, pick func(contender) func(*testing.B)) {
	for _, c := range contenders {
		f := pick(c)
		if f == nil {
			continue
		}
		base := goroutines()
		b.Run(c.name, f)
		settle(b, c.name, base)
	}
}

// BenchmarkInc counts one event per op on one counter: seq from one
// goroutine, par from GOMAXPROCS goroutines at once (b.RunParallel).
func BenchmarkInc(b *testing.B) {
	b.Run("seq", func(b *testing.B) { runAll(b, func(c contender) func(*testing.B) { return c.incSeq }) })
	b.Run("par", func(b *testing.B) { runAll(b, func(c contender) func(*testing.B) { return c.incPar }) })
}

// BenchmarkIncRate counts one event per op on one counter from
// GOMAXPROCS goroutines, each of which reads the rate (the value, for
// contenders without a rate) every readEvery events.
func BenchmarkIncRate(b *testing.B) {
	runAll(b, func(c contender) func(*testing.B) { return c.incRate })
}

// BenchmarkProxyMix is a proxy's counting: GOMAXPROCS goroutines, each a
// connection that counts one event per op on its own counter and on a
// shared aggregate, reads the aggregate every readEvery events, and is
// closed and replaced by a new connection every connEvents events.
func BenchmarkProxyMix(b *testing.B) {
	runAll(b, func(c contender) func(*testing.B) { return c.proxyMix })
}

// hasRate names the contenders whose read is a rate over the last second
// (the others read their value). gometrics reads a one-minute moving
// average, updated every 5 s, and is checked for its count only.
var hasRate = map[string]bool{"ring": true, "shard": true, "monitor": true, "monitor-conn": true}

func TestCount(t *testing.T) {
	const n = 1000
	for _, c := range contenders {
		t.Run(c.name, func(t *testing.T) {
			for _, workers := range []int{1, 4} {
				count, read := c.check(workers, n)
				want := uint64(workers * n)
				if count != want {
					t.Errorf("%d workers: count %d, want %d", workers, count, want)
				}
				switch {
				case c.name == "gometrics":
				case hasRate[c.name]:
					// All events fall within the last second, the oldest
					// slot at worst weighted 1/2. Concurrent writers of
					// an unsharded window may lose some of its events.
					lo := float64(want) / 2
					if workers > 1 {
						lo = 1
					}
					if read < lo || read > float64(want) {
						t.Errorf("%d workers: rate %v, want in [%v, %d]", workers, read, lo, want)
					}
				case read != float64(want):
					t.Errorf("%d workers: read %v, want %d", workers, read, want)
				}
			}
		})
	}
}

func TestProxyCount(t *testing.T) {
	const workers, n = 4, 1000
	for _, c := range contenders {
		if c.checkProxy == nil {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			agg, conns := c.checkProxy(workers, n)
			if agg != workers*n {
				t.Errorf("aggregate %d, want %d", agg, workers*n)
			}
			for i, got := range conns {
				if got != n {
					t.Errorf("connection %d: %d, want %d", i, got, n)
				}
			}
		})
	}
}

// TestGenerated checks that bench_gen_test.go is what gen.go writes.
func TestGenerated(t *testing.T) {
	if testing.Short() {
		t.Skip("builds gen.go")
	}
	got, err := os.ReadFile("bench_gen_test.go")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "run", "gen.go", "-o", "-")
	cmd.Stderr = os.Stderr
	want, err := cmd.Output()
	if err != nil {
		t.Fatalf("go run gen.go: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Error("bench_gen_test.go is stale: run go generate in bench/")
	}
}
