package bench

// Recording one latency: hitrate's latency.Histogram against the
// histograms Go programs use, on one value stream (values 50 µs to 200 ms,
// log-uniform, from a precomputed table), from one goroutine (seq) and
// from GOMAXPROCS goroutines at once (par, b.RunParallel). Every
// contender is safe for concurrent use: the ones that are not
// (hdrhistogram-go, DDSketch) are behind a sync.Mutex.

import (
	"context"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/DataDog/sketches-go/ddsketch"
	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	vmetrics "github.com/VictoriaMetrics/metrics"
	"github.com/hitrate/hitrate/latency"
	"github.com/hitrate/hitrate/ring"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	otelmetric "go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

const valueMask = 1<<12 - 1

// latValues and latSeconds are the value stream, as durations and as
// float64 seconds (for the contenders that take those).
var latValues, latSeconds = func() (d [valueMask + 1]time.Duration, s [valueMask + 1]float64) {
	r := rand.New(rand.NewPCG(18, 18))
	for i := range d {
		d[i] = time.Duration(50e3 * math.Exp(r.Float64()*math.Log(4000)))
		s[i] = d[i].Seconds()
	}
	return d, s
}()

// lockedHDR is hdrhistogram-go behind a mutex: 1 µs to 1 h, 2 significant
// digits (1%).
type lockedHDR struct {
	mu sync.Mutex
	h  *hdrhistogram.Histogram
}

func newLockedHDR() *lockedHDR {
	return &lockedHDR{h: hdrhistogram.New(1000, int64(time.Hour), 2)}
}

func (l *lockedHDR) record(d time.Duration) {
	l.mu.Lock()
	_ = l.h.RecordValue(int64(d))
	l.mu.Unlock()
}

// lockedDD is a DDSketch with 1% relative accuracy behind a mutex.
type lockedDD struct {
	mu sync.Mutex
	s  *ddsketch.DDSketch
}

func newLockedDD() *lockedDD {
	s, err := ddsketch.NewDefaultDDSketch(0.01)
	if err != nil {
		panic(err)
	}
	return &lockedDD{s: s}
}

func (l *lockedDD) add(v float64) {
	l.mu.Lock()
	_ = l.s.Add(v)
	l.mu.Unlock()
}

func newPromClassic() prometheus.Histogram {
	return prometheus.NewHistogram(prometheus.HistogramOpts{Name: "latency_seconds", Help: "h", Buckets: prometheus.DefBuckets})
}

func newPromNative() prometheus.Histogram {
	return prometheus.NewHistogram(prometheus.HistogramOpts{Name: "latency_seconds", Help: "h", NativeHistogramBucketFactor: 1.1})
}

func newOTel() (otelmetric.Float64Histogram, *sdkmetric.ManualReader) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	h, err := mp.Meter("bench").Float64Histogram("latency", otelmetric.WithUnit("s"))
	if err != nil {
		panic(err)
	}
	return h, reader
}

// seq and par run one record per op from one goroutine, and from
// GOMAXPROCS goroutines.
func BenchmarkLatency(b *testing.B) {
	b.Run("seq", func(b *testing.B) {
		b.Run("atomic", func(b *testing.B) {
			var n atomic.Uint64
			i := 0
			for b.Loop() {
				n.Add(uint64(latValues[i&valueMask]))
				i++
			}
		})
		b.Run("hitrate", func(b *testing.B) {
			clock := ring.NewClock()
			defer clock.Stop()
			h := latency.New(clock)
			i := 0
			for b.Loop() {
				h.Record(latValues[i&valueMask])
				i++
			}
		})
		b.Run("hdr-mutex", func(b *testing.B) {
			h := newLockedHDR()
			i := 0
			for b.Loop() {
				h.record(latValues[i&valueMask])
				i++
			}
		})
		b.Run("ddsketch-mutex", func(b *testing.B) {
			s := newLockedDD()
			i := 0
			for b.Loop() {
				s.add(latSeconds[i&valueMask])
				i++
			}
		})
		b.Run("vmetrics", func(b *testing.B) {
			h := vmetrics.NewSet().NewHistogram("latency_seconds")
			i := 0
			for b.Loop() {
				h.Update(latSeconds[i&valueMask])
				i++
			}
		})
		b.Run("prom-classic", func(b *testing.B) {
			h := newPromClassic()
			i := 0
			for b.Loop() {
				h.Observe(latSeconds[i&valueMask])
				i++
			}
		})
		b.Run("prom-native", func(b *testing.B) {
			h := newPromNative()
			i := 0
			for b.Loop() {
				h.Observe(latSeconds[i&valueMask])
				i++
			}
		})
		b.Run("otel", func(b *testing.B) {
			h, _ := newOTel()
			ctx := context.Background()
			i := 0
			for b.Loop() {
				h.Record(ctx, latSeconds[i&valueMask])
				i++
			}
		})
	})
	b.Run("par", func(b *testing.B) {
		b.Run("atomic", func(b *testing.B) {
			var n atomic.Uint64
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					n.Add(uint64(latValues[i&valueMask]))
					i++
				}
			})
		})
		b.Run("hitrate", func(b *testing.B) {
			clock := ring.NewClock()
			defer clock.Stop()
			h := latency.New(clock)
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					h.Record(latValues[i&valueMask])
					i++
				}
			})
		})
		b.Run("hdr-mutex", func(b *testing.B) {
			h := newLockedHDR()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					h.record(latValues[i&valueMask])
					i++
				}
			})
		})
		b.Run("ddsketch-mutex", func(b *testing.B) {
			s := newLockedDD()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					s.add(latSeconds[i&valueMask])
					i++
				}
			})
		})
		b.Run("vmetrics", func(b *testing.B) {
			h := vmetrics.NewSet().NewHistogram("latency_seconds")
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					h.Update(latSeconds[i&valueMask])
					i++
				}
			})
		})
		b.Run("prom-classic", func(b *testing.B) {
			h := newPromClassic()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					h.Observe(latSeconds[i&valueMask])
					i++
				}
			})
		})
		b.Run("prom-native", func(b *testing.B) {
			h := newPromNative()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					h.Observe(latSeconds[i&valueMask])
					i++
				}
			})
		})
		b.Run("otel", func(b *testing.B) {
			h, _ := newOTel()
			ctx := context.Background()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					h.Record(ctx, latSeconds[i&valueMask])
					i++
				}
			})
		})
	})
}

// BenchmarkLatencyRead reads p50, p90, p99, p99.9 and max of one second
// of the value stream (4096 values per Tick): hitrate's Second window,
// and hdrhistogram-go's whole histogram (it has no window) behind its
// mutex.
func BenchmarkLatencyRead(b *testing.B) {
	b.Run("hitrate", func(b *testing.B) {
		clock := ring.NewManualClock()
		h := latency.New(clock.Clock)
		for range ring.Size {
			for _, v := range latValues {
				h.Record(v)
			}
			clock.Advance(ring.Tick)
		}
		var s latency.Snapshot
		for b.Loop() {
			h.Read(latency.Second, &s)
		}
		keep(float64(s.P999))
	})
	b.Run("hdr-mutex", func(b *testing.B) {
		h := newLockedHDR()
		for range ring.Size {
			for _, v := range latValues {
				h.record(v)
			}
		}
		var q int64
		for b.Loop() {
			h.mu.Lock()
			for _, p := range []float64{50, 90, 99, 99.9} {
				q += h.h.ValueAtQuantile(p)
			}
			q += h.h.Max()
			h.mu.Unlock()
		}
		keep(float64(q))
	})
}

// TestLatencyContenders records the stream from four goroutines into
// every contender and checks its count.
func TestLatencyContenders(t *testing.T) {
	const workers, n = 4, 5000
	run := func(rec func(i int)) {
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for i := range n {
					rec(w*n + i)
				}
			})
		}
		wg.Wait()
	}
	const want = workers * n

	clock := ring.NewManualClock()
	h := latency.New(clock.Clock)
	run(func(i int) { h.Record(latValues[i&valueMask]) })
	if s := h.Snapshot(latency.Total); s.Count != want {
		t.Errorf("hitrate: %v, want %d", s.Count, want)
	}

	hdr := newLockedHDR()
	run(func(i int) { hdr.record(latValues[i&valueMask]) })
	if c := hdr.h.TotalCount(); c != want {
		t.Errorf("hdr: %d", c)
	}
	dd := newLockedDD()
	run(func(i int) { dd.add(latSeconds[i&valueMask]) })
	if c := dd.s.GetCount(); c != want {
		t.Errorf("ddsketch: %v", c)
	}
	set := vmetrics.NewSet()
	vm := set.NewHistogram("latency_seconds")
	run(func(i int) { vm.Update(latSeconds[i&valueMask]) })
	var vmCount uint64
	vm.VisitNonZeroBuckets(func(_ string, c uint64) { vmCount += c })
	if vmCount != want {
		t.Errorf("vmetrics: %d", vmCount)
	}
	for name, p := range map[string]prometheus.Histogram{"classic": newPromClassic(), "native": newPromNative()} {
		run(func(i int) { p.Observe(latSeconds[i&valueMask]) })
		var m dto.Metric
		if err := p.Write(&m); err != nil {
			t.Fatal(err)
		}
		if c := m.GetHistogram().GetSampleCount(); c != want {
			t.Errorf("prom %s: %d", name, c)
		}
	}
	oh, reader := newOTel()
	ctx := context.Background()
	run(func(i int) { oh.Record(ctx, latSeconds[i&valueMask]) })
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		t.Fatal(err)
	}
	hd := rm.ScopeMetrics[0].Metrics[0].Data.(metricdata.Histogram[float64])
	if c := hd.DataPoints[0].Count; c != want {
		t.Errorf("otel: %d", c)
	}

}
