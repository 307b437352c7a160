package bench

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	vmetrics "github.com/VictoriaMetrics/metrics"
	"github.com/hitrate/hitrate/ring"
	"github.com/hitrate/hitrate/shard"
	"github.com/paulbellamy/ratecounter"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/puzpuzpuz/xsync/v3"
	gometrics "github.com/rcrowley/go-metrics"
	uatomic "go.uber.org/atomic"
)

// --- mutex: sync.Mutex around an int64 -----------------------------------

type mutexFamily struct{}

func newMutexFamily() *mutexFamily { return &mutexFamily{} }
func (*mutexFamily) close()        {}

type mutexCounter struct {
	mu sync.Mutex
	n  int64
}

func (*mutexFamily) newCounter() *mutexCounter { return &mutexCounter{} }

func (c *mutexCounter) inc() {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
}

func (c *mutexCounter) value() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

func (c *mutexCounter) read() float64 { return float64(c.value()) }
func (c *mutexCounter) count() uint64 { return uint64(c.value()) }
func (*mutexCounter) close()          {}

// --- atomic: sync/atomic.Int64 -------------------------------------------

type stdAtomicFamily struct{}

func newStdAtomicFamily() *stdAtomicFamily { return &stdAtomicFamily{} }
func (*stdAtomicFamily) close()            {}

type stdAtomicCounter struct{ n atomic.Int64 }

func (*stdAtomicFamily) newCounter() *stdAtomicCounter { return &stdAtomicCounter{} }
func (c *stdAtomicCounter) inc()                       { c.n.Add(1) }
func (c *stdAtomicCounter) read() float64              { return float64(c.n.Load()) }
func (c *stdAtomicCounter) count() uint64              { return uint64(c.n.Load()) }
func (*stdAtomicCounter) close()                       {}

// --- uberatomic: go.uber.org/atomic.Int64 --------------------------------

type uberAtomicFamily struct{}

func newUberAtomicFamily() *uberAtomicFamily { return &uberAtomicFamily{} }
func (*uberAtomicFamily) close()             {}

type uberAtomicCounter struct{ n *uatomic.Int64 }

func (*uberAtomicFamily) newCounter() *uberAtomicCounter {
	return &uberAtomicCounter{n: uatomic.NewInt64(0)}
}
func (c *uberAtomicCounter) inc()          { c.n.Inc() }
func (c *uberAtomicCounter) read() float64 { return float64(c.n.Load()) }
func (c *uberAtomicCounter) count() uint64 { return uint64(c.n.Load()) }
func (*uberAtomicCounter) close()          {}

// --- xsync: github.com/puzpuzpuz/xsync/v3.Counter (striped) --------------

type xsyncFamily struct{}

func newXsyncFamily() *xsyncFamily { return &xsyncFamily{} }
func (*xsyncFamily) close()        {}

type xsyncCounter struct{ c *xsync.Counter }

func (*xsyncFamily) newCounter() *xsyncCounter { return &xsyncCounter{c: xsync.NewCounter()} }
func (c *xsyncCounter) inc()                   { c.c.Inc() }
func (c *xsyncCounter) read() float64          { return float64(c.c.Value()) }
func (c *xsyncCounter) count() uint64          { return uint64(c.c.Value()) }
func (*xsyncCounter) close()                   {}

// --- prometheus: client_golang Counter -----------------------------------

// promFamily makes unregistered counters: registration is a one-time cost
// and the increment path is the same.
type promFamily struct{}

func newPromFamily() *promFamily { return &promFamily{} }
func (*promFamily) close()       {}

type promCounter struct{ c prometheus.Counter }

func (*promFamily) newCounter() *promCounter {
	return &promCounter{c: prometheus.NewCounter(prometheus.CounterOpts{
		Name: "bench_events_total",
		Help: "Events counted by the benchmark.",
	})}
}

func (c *promCounter) inc() { c.c.Inc() }

// read is what a scrape does: Write the metric into its protobuf form.
// client_golang has no rate; the value is read instead.
func (c *promCounter) read() float64 {
	var m dto.Metric
	if err := c.c.Write(&m); err != nil {
		panic(err)
	}
	return m.GetCounter().GetValue()
}

func (c *promCounter) count() uint64 { return uint64(c.read()) }
func (*promCounter) close()          {}

// --- victoriametrics: github.com/VictoriaMetrics/metrics.Counter ---------

// vmFamily holds a Set of its own, so that benchmarks do not register
// into the package's default set.
type vmFamily struct{ set *vmetrics.Set }

func newVMFamily() *vmFamily { return &vmFamily{set: vmetrics.NewSet()} }
func (f *vmFamily) close()   { f.set.UnregisterAllMetrics() }

type vmCounter struct{ c *vmetrics.Counter }

// newCounter returns a counter outside the Set, as NewSet().NewCounter
// would need a unique name per connection; its increment is the same.
func (*vmFamily) newCounter() *vmCounter { return &vmCounter{c: new(vmetrics.Counter)} }
func (c *vmCounter) inc()                { c.c.Inc() }
func (c *vmCounter) read() float64       { return float64(c.c.Get()) }
func (c *vmCounter) count() uint64       { return c.c.Get() }
func (*vmCounter) close()                {}

// --- gometrics: github.com/rcrowley/go-metrics Meter ---------------------

func init() {
	// go-metrics ticks every Meter from one process-wide arbiter goroutine
	// that it starts with the first Meter and never stops. Start it here,
	// before any benchmark, so that it is part of every benchmark's
	// baseline rather than a goroutine that one benchmark leaks into the
	// next. Its wake-ups (every 5 s) then touch only the meters alive.
	gometrics.NewMeter().Stop()
}

type gometricsFamily struct{}

func newGometricsFamily() *gometricsFamily { return &gometricsFamily{} }
func (*gometricsFamily) close()            {}

type gometricsCounter struct{ m gometrics.Meter }

func (*gometricsFamily) newCounter() *gometricsCounter {
	return &gometricsCounter{m: gometrics.NewMeter()}
}
func (c *gometricsCounter) inc() { c.m.Mark(1) }

// read returns the one-minute moving average that the arbiter updates
// every 5 s.
func (c *gometricsCounter) read() float64 { return c.m.Rate1() }
func (c *gometricsCounter) count() uint64 { return uint64(c.m.Count()) }

// close stops the Meter, which removes it from the arbiter.
func (c *gometricsCounter) close() { c.m.Stop() }

// --- ratecounter: github.com/paulbellamy/ratecounter ---------------------

// A RateCounter starts a ticker goroutine on its first Incr and keeps it
// until its window has drained, a second after the last Incr; it cannot
// be stopped. settle (bench_test.go) waits for those goroutines after
// each benchmark.
type ratecounterFamily struct{}

func newRatecounterFamily() *ratecounterFamily { return &ratecounterFamily{} }
func (*ratecounterFamily) close()              {}

type ratecounterCounter struct{ r *ratecounter.RateCounter }

func (*ratecounterFamily) newCounter() *ratecounterCounter {
	return &ratecounterCounter{r: ratecounter.NewRateCounter(time.Second)}
}
func (c *ratecounterCounter) inc()          { c.r.Incr(1) }
func (c *ratecounterCounter) read() float64 { return float64(c.r.Rate()) }

// count returns the events of the last second: ratecounter keeps no
// total. The tests count well within a second.
func (c *ratecounterCounter) count() uint64 { return uint64(c.r.Rate()) }
func (*ratecounterCounter) close()          {}

// --- ring: hitrate ring.Counter on a rotating Clock ----------------------

type ringFamily struct{ clock *ring.Clock }

func newRingFamily() *ringFamily { return &ringFamily{clock: ring.NewClock()} }
func (f *ringFamily) close()     { f.clock.Stop() }

type ringCounter struct{ c *ring.Counter }

func (f *ringFamily) newCounter() *ringCounter { return &ringCounter{c: ring.NewCounter(f.clock)} }
func (c *ringCounter) inc()                    { c.c.Inc() }
func (c *ringCounter) read() float64           { return c.c.Rate() }
func (c *ringCounter) count() uint64           { return c.c.Total() }
func (*ringCounter) close()                    {}

// --- shard: hitrate shard.Counter on a rotating Clock --------------------

type shardFamily struct{ clock *ring.Clock }

func newShardFamily() *shardFamily { return &shardFamily{clock: ring.NewClock()} }
func (f *shardFamily) close()      { f.clock.Stop() }

type shardCounter struct{ c *shard.Counter }

func (f *shardFamily) newCounter() *shardCounter { return &shardCounter{c: shard.New(f.clock)} }
func (c *shardCounter) inc()                     { c.c.Inc() }
func (c *shardCounter) read() float64            { return c.c.Rate() }
func (c *shardCounter) count() uint64            { return c.c.Total() }
func (*shardCounter) close()                     {}

// goroutines returns the number of goroutines, for settle.
func goroutines() int { return runtime.NumGoroutine() }
