package latency_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/hitrate/hitrate/latency"
	"github.com/hitrate/hitrate/ring"
)

// bound is the error bound of every quantile, as the package documents.
const bound = 0.01

// rec is one value recorded in a model: its value and the epoch (or the
// Sample interval) it was recorded in.
type rec struct {
	v  time.Duration
	at uint64
}

// weighted is a value with its weight in a window.
type weighted struct {
	v time.Duration
	w uint64
}

// exactQuantile is the model: the smallest recorded value whose
// cumulative weight, in ascending order, reaches ceil(q*W) (at least 1)
// of the total weight W.
func exactQuantile(vs []weighted, q float64) time.Duration {
	slices.SortFunc(vs, func(a, b weighted) int { return int(a.v>>1 - b.v>>1) })
	var w uint64
	for _, x := range vs {
		w += x.w
	}
	r := uint64(math.Ceil(q * float64(w)))
	r = min(max(r, 1), w)
	var c uint64
	for _, x := range vs {
		c += x.w
		if c >= r {
			return x.v
		}
	}
	return 0
}

// clampRec is what the histogram records for d: negative durations as 0,
// durations above Max as Max.
func clampRec(d time.Duration) time.Duration {
	return min(max(d, 0), latency.Max)
}

// checkWindow compares a Snapshot with the model of its window: exact
// counts and max, mean, quantiles within the bound.
func checkWindow(t *testing.T, what string, s *latency.Snapshot, vs []weighted, unit uint64) {
	t.Helper()
	checkWindowMax(t, what, s, vs, unit, false)
}

// checkWindowMax is checkWindow, with the max of a history window that did
// not see every value's slot if near: then the max may be the reported value
// of the bucket of the exact max (within 0.97% of it), or above the exact
// max in its bucket, as the package documents.
func checkWindowMax(t *testing.T, what string, s *latency.Snapshot, vs []weighted, unit uint64, near bool) {
	t.Helper()
	var w, under, overf uint64
	var sum float64
	var mx time.Duration
	for _, x := range vs {
		w += x.w
		if x.w > 0 {
			mx = max(mx, clampRec(x.v))
		}
		sum += float64(clampRec(x.v)) * float64(x.w)
		if x.v < latency.Min {
			under += x.w
		}
		if x.v > latency.Max {
			overf += x.w
		}
	}
	if got, want := s.Count, float64(w)/float64(unit); got != want {
		t.Fatalf("%s: count %v, want %v", what, got, want)
	}
	if s.Underflow != float64(under)/float64(unit) || s.Overflow != float64(overf)/float64(unit) {
		t.Fatalf("%s: under/overflow %v/%v, want %v/%v", what, s.Underflow, s.Overflow, float64(under)/float64(unit), float64(overf)/float64(unit))
	}
	if s.Max != mx && !(near && nearMax(s.Max, mx)) {
		t.Fatalf("%s: max %v, want %v", what, s.Max, mx)
	}
	if w == 0 {
		if s.P50 != 0 || s.Max != 0 || s.Mean != 0 {
			t.Fatalf("%s: empty window reads %+v", what, s)
		}
		return
	}
	if mean := time.Duration(sum / float64(w)); math.Abs(float64(s.Mean-mean)) > 1+1e-9*float64(mean) {
		t.Fatalf("%s: mean %v, want %v", what, s.Mean, mean)
	}
	for _, q := range []float64{0, 0.01, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 1} {
		want := exactQuantile(vs, q)
		got := s.Quantile(q)
		switch q {
		case 0.5:
			got = s.P50
		case 0.9:
			got = s.P90
		case 0.99:
			got = s.P99
		case 0.999:
			got = s.P999
		}
		if want < latency.Min || want > latency.Max {
			continue // clamped: outside the bound
		}
		if e := math.Abs(float64(got-want)) / float64(want); e > bound {
			t.Fatalf("%s: q%v = %v, exact %v: %.3f%% off", what, q, got, want, 100*e)
		}
	}
}

// nearMax reports whether got is within 0.97% of the exact max mx, or above
// it in its bucket (found from the documented edges, BucketBounds).
func nearMax(got, mx time.Duration) bool {
	i := sort.Search(latency.NumBuckets, func(i int) bool {
		_, hi := latency.BucketBounds(i)
		return float64(mx) < hi
	})
	_, hi := latency.BucketBounds(i)
	if mx < latency.Min {
		return got <= latency.Min // underflows report Min
	}
	return math.Abs(float64(got-mx)) <= 0.0097*float64(mx) || got >= mx && float64(got) < hi
}

// secondModel is the model of the Second window: records of the ring.Size
// epochs ending at the read epoch, the oldest weighted 1, the others 2.
func secondModel(recs []rec, e uint64) []weighted {
	var vs []weighted
	for _, r := range recs {
		switch {
		case r.at+ring.N == e:
			vs = append(vs, weighted{r.v, 1})
		case r.at <= e && r.at+ring.N > e:
			vs = append(vs, weighted{r.v, 2})
		}
	}
	return vs
}

// gen is a value stream.
type gen func(r *rand.Rand, tick int) time.Duration

func logNormal(median time.Duration, sigma float64) gen {
	return func(r *rand.Rand, _ int) time.Duration {
		return time.Duration(float64(median) * math.Exp(sigma*r.NormFloat64()))
	}
}

var streams = map[string]gen{
	"steady": logNormal(time.Millisecond, 0.3),
	"bimodal": func(r *rand.Rand, _ int) time.Duration {
		if r.IntN(10) == 0 {
			return logNormal(50*time.Millisecond, 0.2)(r, 0)
		}
		return logNormal(200*time.Microsecond, 0.2)(r, 0)
	},
	"pareto": func(r *rand.Rand, _ int) time.Duration {
		// x_m = 100 µs, alpha = 1.1: a long tail, capped at 2 h.
		x := 100e3 / math.Pow(1-r.Float64(), 1/1.1)
		return time.Duration(min(x, 7.2e12))
	},
	"step": func(r *rand.Rand, tick int) time.Duration {
		if tick < 25 {
			return logNormal(time.Millisecond, 0.1)(r, 0)
		}
		return logNormal(20*time.Millisecond, 0.1)(r, 0)
	},
	"wide": func(r *rand.Rand, _ int) time.Duration {
		// 0.3 µs to 3 h, log-uniform: under- and overflows too.
		return time.Duration(math.Exp2(r.Float64()*35.5 + 8.2))
	},
}

// TestSecondMatchesModel records each stream for 50 Ticks on a
// ManualClock and compares the Second window with the model after every
// Tick.
func TestSecondMatchesModel(t *testing.T) {
	for mode, mk := range latency.Makers {
		for name, g := range streams {
			t.Run(mode+"/"+name, func(t *testing.T) {
				clock := ring.NewManualClock()
				h := mk(clock.Clock)
				r := rand.New(rand.NewPCG(7, uint64(len(name))))
				var recs []rec
				var s latency.Snapshot
				for tick := range 50 {
					n := 50 + r.IntN(200)
					if tick%7 == 3 {
						n = 0 // an idle tick
					}
					for range n {
						v := g(r, tick)
						recs = append(recs, rec{v, clock.Epoch()})
						h.Record(v)
					}
					h.Read(latency.Second, &s)
					checkWindow(t, name, &s, secondModel(recs, clock.ReadEpoch()), 2)
					if s.Rate != s.Count {
						t.Fatalf("rate %v != count %v over one second", s.Rate, s.Count)
					}
					clock.Advance(ring.Tick)
				}
				var tot latency.Snapshot
				h.Read(latency.Total, &tot)
				all := make([]weighted, len(recs))
				for i, x := range recs {
					all[i] = weighted{x.v, 1}
				}
				checkWindow(t, name+" total", &tot, all, 1)
				if m := h.Missed(); m != 0 {
					t.Fatalf("%d values missed a window with one writer", m)
				}
			})
		}
	}
}

// TestWindowEdges records single values just inside and outside the window
// and the value range.
func TestWindowEdges(t *testing.T) {
	clock := ring.NewManualClock()
	h := latency.New(clock.Clock)
	var s latency.Snapshot
	// A value 11 Ticks old is out; 10 Ticks old counts one half.
	h.Record(5 * time.Millisecond)
	clock.Advance(ring.Tick)
	h.Record(7 * time.Millisecond)
	clock.Advance(ring.N * ring.Tick)
	h.Read(latency.Second, &s)
	if s.Count != 0.5 || s.Max != 7*time.Millisecond {
		t.Fatalf("10 ticks on: count %v max %v, want 0.5 and 7ms", s.Count, s.Max)
	}
	if e := math.Abs(float64(s.P50-7*time.Millisecond)) / 7e6; e > bound {
		t.Fatalf("p50 %v", s.P50)
	}
	clock.Advance(ring.Tick)
	h.Read(latency.Second, &s)
	if s.Count != 0 || s.Max != 0 || s.P99 != 0 {
		t.Fatalf("11 ticks on: %v values, max %v, p99 %v", s.Count, s.Max, s.P99)
	}
	// The value range: Min and Max are inside, one ns beyond is outside.
	for _, c := range []struct {
		d           time.Duration
		under, over float64
		q           time.Duration
	}{
		{latency.Min - 1, 1, 0, latency.Min - 1}, // Quantile reports at most Max: here the value itself
		{latency.Min, 0, 0, latency.Min},
		{latency.Max, 0, 0, latency.Max},
		{latency.Max + 1, 0, 1, latency.Max},
		{-time.Second, 1, 0, 0},
	} {
		clock.Advance(2 * time.Second)
		h.Record(c.d)
		h.Read(latency.Second, &s)
		if s.Underflow != c.under || s.Overflow != c.over || s.Count != 1 {
			t.Fatalf("%v: under %v over %v count %v", c.d, s.Underflow, s.Overflow, s.Count)
		}
		if e := math.Abs(float64(s.P50 - c.q)); e > 0.0097*float64(c.q) {
			t.Fatalf("%v: p50 %v, want %v", c.d, s.P50, c.q)
		}
		if s.Max != clampRec(c.d) {
			t.Fatalf("%v: max %v", c.d, s.Max)
		}
	}
}

// TestStall: with the rotator late, writes go to the stored epoch, and
// readers see them as older than they are, as with the rates.
func TestStall(t *testing.T) {
	for mode, mk := range latency.Makers {
		t.Run(mode, func(t *testing.T) { testStall(t, mk) })
	}
}

func testStall(t *testing.T, mk func(*ring.Clock) *latency.Histogram) {
	clock := ring.NewManualClock()
	h := mk(clock.Clock)
	r := rand.New(rand.NewPCG(3, 4))
	var recs []rec
	var s latency.Snapshot
	for step := range 40 {
		for range 100 {
			v := streams["bimodal"](r, step)
			recs = append(recs, rec{v, clock.Epoch()})
			h.Record(v)
		}
		if step%10 < 6 {
			clock.Stall(ring.Tick) // the rotator is held up
		} else {
			clock.Advance(ring.Tick)
		}
		h.Read(latency.Second, &s)
		checkWindow(t, "stall", &s, secondModel(recs, clock.ReadEpoch()), 2)
	}
}

// intervalModel is the model of TenSeconds and Minute after n Samples,
// where recs hold the Sample interval (0-based) each value was recorded in.
func intervalModel(recs []rec, w latency.Window, n uint64) []weighted {
	var vs []weighted
	for _, r := range recs {
		if r.at >= n {
			continue
		}
		var wt uint64
		if w == latency.LastInterval {
			if r.at+1 == n {
				wt = 1
			}
		} else if w == latency.TenSeconds {
			if r.at+10 >= n {
				wt = 1
			}
		} else {
			newest := (n - 1) / 10 // the block of the last interval
			k := n - newest*10     // intervals in it
			switch b := r.at / 10; {
			case b+6 > newest:
				wt = 10
			case b+6 == newest:
				wt = 10 - k
			}
		}
		if wt > 0 {
			vs = append(vs, weighted{r.v, wt})
		}
	}
	return vs
}

// TestHistoryMatchesModel samples once a second for 75 seconds and
// compares TenSeconds and Minute with the model after every Sample.
func TestHistoryMatchesModel(t *testing.T) {
	for mode, mk := range latency.Makers {
		for _, name := range []string{"steady", "step", "pareto"} {
			g := streams[name]
			t.Run(mode+"/"+name, func(t *testing.T) {
				clock := ring.NewManualClock()
				h := mk(clock.Clock)
				r := rand.New(rand.NewPCG(5, uint64(len(name))))
				var recs []rec
				var s latency.Snapshot
				for sec := range uint64(75) {
					for tick := range ring.N {
						for range 5 + r.IntN(20) {
							v := g(r, int(sec)/3)
							recs = append(recs, rec{v, sec})
							h.Record(v)
						}
						clock.Advance(ring.Tick)
						_ = tick
					}
					h.Sample()
					h.Read(latency.TenSeconds, &s)
					checkWindow(t, name+" 10s", &s, intervalModel(recs, latency.TenSeconds, sec+1), 1)
					if want := time.Duration(min(sec+1, 10)) * time.Second; s.Span != want {
						t.Fatalf("10s span %v, want %v", s.Span, want)
					}
					h.Read(latency.Minute, &s)
					checkWindow(t, name+" 60s", &s, intervalModel(recs, latency.Minute, sec+1), 10)
					if want := time.Duration(min(sec+1, 60)) * time.Second; s.Span != want {
						t.Fatalf("60s span %v, want %v (after %d samples)", s.Span, want, sec+1)
					}
				}
			})
		}
	}
}

// TestCumulative checks Snapshot.Cumulative against exact counts of the
// recorded values: every value at or below bound*(1-0.97%) is counted at
// that bound, none above bound*(1+0.97%) is.
func TestCumulative(t *testing.T) {
	clock := ring.NewManualClock()
	h := latency.New(clock.Clock)
	r := rand.New(rand.NewPCG(11, 12))
	var vs []time.Duration
	for range 20000 {
		v := streams["wide"](r, 0)
		vs = append(vs, v)
		h.Record(v)
	}
	var s latency.Snapshot
	h.Read(latency.Total, &s)
	bounds := append([]time.Duration{latency.Min, 3 * time.Microsecond, 1234567 * time.Nanosecond}, latency.ExportBounds...)
	slices.Sort(bounds)
	got := s.Cumulative(bounds, nil)
	for k, b := range bounds {
		var sure, maybe float64
		for _, v := range vs {
			switch {
			case float64(v) <= float64(b)*(1-0.0097):
				sure++
			case float64(v) <= float64(b)*(1+0.0097):
				maybe++
			}
		}
		if b == latency.Min { // the underflow only: values below Min
			sure, maybe = 0, 0
			for _, v := range vs {
				if v < latency.Min {
					sure++
				}
			}
		}
		if got[k] < sure || got[k] > sure+maybe {
			t.Errorf("le %v: %v, want %v to %v", b, got[k], sure, sure+maybe)
		}
	}
	if s.Count != float64(len(vs)) {
		t.Fatalf("count %v", s.Count)
	}
}

// TestLateSample: a Sample more than a second late still reports the
// interval's max within the bound.
func TestLateSample(t *testing.T) {
	clock := ring.NewManualClock()
	h := latency.New(clock.Clock)
	h.Record(300 * time.Millisecond)
	clock.Advance(ring.Tick)
	h.Record(time.Millisecond)
	clock.Advance(3 * time.Second)
	h.Sample()
	s := h.Snapshot(latency.TenSeconds)
	if s.Count != 2 || s.Span != 3*time.Second+ring.Tick {
		t.Fatalf("count %v span %v", s.Count, s.Span)
	}
	if e := math.Abs(float64(s.Max-300*time.Millisecond)) / 3e8; e > bound {
		t.Fatalf("max %v, want 300ms within 1%%", s.Max)
	}
	if s.Rate != 2/s.Span.Seconds() {
		t.Fatalf("rate %v", s.Rate)
	}
}

// TestQuantileBadInput: q outside [0, 1] or NaN reads as the nearest end.
func TestQuantileBadInput(t *testing.T) {
	clock := ring.NewManualClock()
	h := latency.New(clock.Clock)
	for _, d := range []time.Duration{time.Millisecond, 2 * time.Millisecond, 3 * time.Millisecond} {
		h.Record(d)
	}
	s := h.Snapshot(latency.Total)
	if s.Quantile(-1) != s.Quantile(0) || s.Quantile(math.NaN()) != s.Quantile(0) || s.Quantile(2) != s.Quantile(1) {
		t.Fatalf("q -1, NaN, 2: %v %v %v; 0, 1: %v %v", s.Quantile(-1), s.Quantile(math.NaN()), s.Quantile(2), s.Quantile(0), s.Quantile(1))
	}
	if s.Quantile(1) > s.Max || math.Abs(float64(s.Quantile(1)-s.Max)) > 0.0097*3e6 || math.Abs(float64(s.Quantile(0)-time.Millisecond)) > 0.0097e6 {
		t.Fatalf("q 0 %v, q 1 %v, max %v", s.Quantile(0), s.Quantile(1), s.Max)
	}
	var empty latency.Snapshot
	if empty.Quantile(0.5) != 0 || empty.Bucket(3) != 0 {
		t.Fatal("an empty Snapshot reads values")
	}
}

// checkHours checks that window w of h reads n values of 1 h: their
// count, a mean of 1 h and a sum of 3600 s per value.
func checkHours(t *testing.T, h *latency.Histogram, w latency.Window, n float64) {
	t.Helper()
	s := h.Snapshot(w)
	if s.Count != n || s.Mean != time.Hour || math.Abs(s.Sum-3600*n) > 1e-9*3600*n {
		t.Errorf("%v: count %v, mean %v, sum %v s; want %v, 1h, %v s", w, s.Count, s.Mean, s.Sum, n, 3600*n)
	}
}

// TestHugeSum records 5.2 million values of 1 h in one second: their sum,
// 1.87e19 ns, is past 2^64 (as is twice the values of one second, the
// weighted sum of Second). Every window still reads a mean of 1 h and a
// sum of 3600 s per value.
func TestHugeSum(t *testing.T) {
	const n, ticks = 5_200_000, 10
	clock := ring.NewManualClock()
	h := latency.New(clock.Clock)
	for tick := range ticks {
		for range n / ticks {
			h.Record(time.Hour)
		}
		if tick < ticks-1 {
			clock.Advance(ring.Tick)
		}
	}
	check := func(w latency.Window) { t.Helper(); checkHours(t, h, w, n) }
	check(latency.Second)
	check(latency.Total)
	clock.Advance(ring.Tick)
	h.Sample()
	check(latency.LastInterval)
	check(latency.TenSeconds)
	if s := h.Snapshot(latency.Minute); s.Mean != time.Hour {
		t.Errorf("60s: mean %v, want 1h", s.Mean)
	}
}

// TestHugeSumOneTick records 5.2 million values of 1 h in one Tick, from
// one goroutine on one P (GOMAXPROCS 1), so into one slot: 1.87e19 ns,
// past 2^64 (at 19 ns a Record, a goroutine that records 1 h values in a
// loop gets there within one Tick of a real clock, or within a rotator
// stall). Every window still reads their count, a mean of 1 h and a sum
// of 3600 s per value.
func TestHugeSumOneTick(t *testing.T) {
	const n = 5_200_000
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	for mode, mk := range latency.Makers {
		t.Run(mode, func(t *testing.T) {
			clock := ring.NewManualClock()
			h := mk(clock.Clock)
			for range n {
				h.Record(time.Hour)
			}
			check := func(w latency.Window) { t.Helper(); checkHours(t, h, w, n) }
			check(latency.Second)
			check(latency.Total)
			clock.Advance(ring.N * ring.Tick)
			h.Sample()
			check(latency.LastInterval)
			check(latency.TenSeconds)
			if s := h.Snapshot(latency.Minute); s.Mean != time.Hour {
				t.Errorf("60s: mean %v, want 1h", s.Mean)
			}
			clock.Advance(ring.Size * ring.Tick)
			h.Record(time.Hour)                  // clears the slot into the totals
			checkHours(t, h, latency.Total, n+1) // after the slot's clear
		})
	}
}

// TestMissedInHistory: values that missed their slot (Missed) count in
// LastInterval, TenSeconds and Minute with everything they hold: counts,
// sum, and the max and quantiles, far above the slots' max (5 s) or in
// the bucket of the slots' max, above it.
func TestMissedInHistory(t *testing.T) {
	for mode, mk := range latency.Makers {
		for _, missed := range []time.Duration{5 * time.Second, 0} {
			t.Run(fmt.Sprint(mode, "/", missed), func(t *testing.T) {
				clock := ring.NewManualClock()
				h := mk(clock.Clock)
				var recs []rec
				for k := range 100 {
					v := time.Duration(1000+k) * time.Microsecond
					h.Record(v)
					recs = append(recs, rec{v, 0})
				}
				clock.Advance(ring.N * ring.Tick)
				h.Sample()
				clock.Advance(ring.Tick)
				// 2 ms, the lowest value of its bucket, in a slot; and a
				// missed value: 5 s, or the highest of the same bucket.
				i := sort.Search(latency.NumBuckets, func(i int) bool {
					_, hi := latency.BucketBounds(i)
					return 2e6 < hi
				})
				lo, hi := latency.BucketBounds(i)
				low, high := time.Duration(math.Ceil(lo)), time.Duration(math.Ceil(hi))-1
				if missed == 0 {
					missed = high
				}
				h.Record(low)
				latency.RecordMissed(h, missed)
				recs = append(recs, rec{low, 1}, rec{missed, 1})
				if h.Missed() != 1 {
					t.Fatalf("missed %d", h.Missed())
				}
				clock.Advance((ring.N - 1) * ring.Tick)
				h.Sample() // on time: the slots of the interval are all there
				for _, c := range []struct {
					w    latency.Window
					unit uint64
				}{{latency.LastInterval, 1}, {latency.TenSeconds, 1}, {latency.Minute, 10}} {
					s := h.Snapshot(c.w)
					checkWindowMax(t, c.w.String(), &s, intervalModel(recs, c.w, 2), c.unit, true)
				}
			})
		}
	}
}

// TestHistoryStalls samples once a second for 75 seconds, with the
// rotator held up for three seconds at a time (values go to the slot of
// the epoch it last stored) and some Samples skipped (the next one is two
// seconds late), and compares LastInterval, TenSeconds and Minute with
// the model after every Sample: exact counts, the mean, quantiles within
// the bound, the max near (see checkWindowMax).
func TestHistoryStalls(t *testing.T) {
	for mode, mk := range latency.Makers {
		for _, name := range []string{"steady", "step", "pareto"} {
			g := streams[name]
			t.Run(mode+"/"+name, func(t *testing.T) {
				clock := ring.NewManualClock()
				h := mk(clock.Clock)
				r := rand.New(rand.NewPCG(13, uint64(len(name))))
				var recs []rec
				var s latency.Snapshot
				var n uint64 // Samples
				for sec := range 75 {
					for range ring.N {
						for range 5 + r.IntN(20) {
							v := g(r, sec/3)
							recs = append(recs, rec{v, n})
							h.Record(v)
						}
						if sec%11 < 3 {
							clock.Stall(ring.Tick)
						} else {
							clock.Advance(ring.Tick)
						}
					}
					if sec%7 == 5 {
						continue // a skipped Sample
					}
					h.Sample()
					n++
					for _, c := range []struct {
						w    latency.Window
						unit uint64
					}{{latency.LastInterval, 1}, {latency.TenSeconds, 1}, {latency.Minute, 10}} {
						h.Read(c.w, &s)
						checkWindowMax(t, fmt.Sprint(c.w, " after second ", sec), &s, intervalModel(recs, c.w, n), c.unit, true)
					}
				}
			})
		}
	}
}

// TestTotalSumNeverDecreases records values whose total passes 2^53 ns,
// then small values tick after tick, so that slots fold into the totals
// while the sum grows by a few nanoseconds: Total's sum, a Prometheus
// _sum, is the exact sum rounded once, and so never goes down (a _sum
// that went down would read as a counter reset).
func TestTotalSumNeverDecreases(t *testing.T) {
	clock := ring.NewManualClock()
	h := latency.New(clock.Clock)
	const hours = 3000 // 1.08e16 ns, past 2^53
	exact := uint64(hours) * uint64(time.Hour)
	for range hours {
		h.Record(time.Hour)
	}
	prev := 0.0
	for i := range 3000 {
		v := time.Duration(i % 14)
		h.Record(v)
		exact += uint64(v)
		if i%3 == 0 {
			clock.Advance(ring.Tick)
		}
		if i%50 == 0 {
			h.Sample()
		}
		s := h.Snapshot(latency.Total)
		if want := float64(exact) / 1e9; s.Sum != want {
			t.Fatalf("after %d values: Total sum %v s, want the exact sum rounded once, %v s", i+1, s.Sum, want)
		}
		if s.Sum < prev {
			t.Fatalf("after %d values: Total sum went down from %v to %v s", i+1, prev, s.Sum)
		}
		prev = s.Sum
	}
}

// TestFractionalWeightRank: the rank of a quantile is a cumulative weight
// that reaches q*W, in the window's units: two values in the oldest slot of
// Second (weight one half each, W = 1) have the smaller as median, not the
// value of rank ceil(q*W) = 1 counted in values (the larger).
func TestFractionalWeightRank(t *testing.T) {
	clock := ring.NewManualClock()
	h := latency.New(clock.Clock)
	h.Record(time.Millisecond)
	h.Record(100 * time.Millisecond)
	clock.Advance(ring.N * ring.Tick)
	s := h.Snapshot(latency.Second)
	vs := []weighted{{time.Millisecond, 1}, {100 * time.Millisecond, 1}}
	checkWindow(t, "oldest slot", &s, vs, 2)
	if s.Count != 1 || math.Abs(float64(s.P50-time.Millisecond)) > 0.0097e6 {
		t.Fatalf("count %v, p50 %v: want 1 and 1ms", s.Count, s.P50)
	}
}
