package latency

import (
	"math"
	"time"
)

// Window names the span of a read.
type Window uint8

const (
	// Second is the last second, read like the rates of package ring: the
	// ring.Size slots of one Tick ending at the clock's read epoch, the
	// oldest weighted one half.
	Second Window = iota
	// TenSeconds is the last ten Sample intervals (normally one second
	// each), ending at the last Sample.
	TenSeconds
	// Minute is the last 60 Sample intervals, ending at the last Sample,
	// from blocks of ten: the newest six blocks, and the oldest one
	// weighted (10-k)/10 where k (1 to 10) is the number of intervals in
	// the newest.
	Minute
	// Total is everything recorded since New: exact counts.
	Total
	// LastInterval is the last Sample interval alone (normally one
	// second), each value weighted 1: what a per-second chart of p50 and
	// p99 wants, read right after Sample.
	LastInterval
)

// String returns the window's name.
func (w Window) String() string {
	switch w {
	case Second:
		return "1s"
	case TenSeconds:
		return "10s"
	case Minute:
		return "60s"
	case Total:
		return "total"
	case LastInterval:
		return "interval"
	}
	return "unknown"
}

// Snapshot is the distribution of the values in one window, as Read
// returns it. Counts are weighted (see Window): a value in the oldest slot
// of Second counts one half. A Snapshot is a plain value (about 9 KB): it
// may be kept, copied and read by other goroutines.
type Snapshot struct {
	// Window is the window read.
	Window Window
	// Span is the time the window covers: 1s for Second, the sum of the
	// weighted Sample intervals for TenSeconds and Minute, the time since
	// New for Total.
	Span time.Duration
	// Count is the (weighted) number of values, Rate the values per second
	// (Count / Span), Sum their sum in seconds and Mean the mean.
	Count, Rate, Sum float64
	Mean             time.Duration
	// Max is the largest value (values above Max count as Max). It is
	// exact for Second and Total; for the others see the package
	// documentation (within one bucket of the exact max).
	Max time.Duration
	// P50, P90, P99 and P999 are Quantile(0.5), (0.9), (0.99) and (0.999).
	P50, P90, P99, P999 time.Duration
	// Underflow and Overflow are the (weighted) counts of values below Min
	// (and negative durations) and above Max.
	Underflow, Overflow float64

	buckets [NumBuckets]uint64 // weighted counts
	unit    uint64             // the weight of one value
	max     uint64
}

// Bucket returns the (weighted) count of bucket i, 0 <= i < NumBuckets
// (see BucketBounds).
func (s *Snapshot) Bucket(i int) float64 {
	if s.unit == 0 {
		return 0
	}
	return float64(s.buckets[i]) / float64(s.unit)
}

// Quantile returns the q-quantile of the values in the window, 0 <= q <= 1
// (q below 0 or NaN reads as 0, above 1 as 1):
// the value of the bucket where the cumulative weight of the values, in
// ascending order, reaches q*W, W their total weight (for q = 0, the
// bucket of the smallest value), reported as the bucket's point 2LU/(L+U)
// and no more than Max. It is within 0.97% of the exact weighted quantile
// for values from Min to Max (see the package documentation). It returns 0
// for an empty window; underflows report Min and overflows Max (or Max,
// if smaller).
func (s *Snapshot) Quantile(q float64) time.Duration {
	var w uint64
	for _, x := range s.buckets {
		w += x
	}
	r := rank(q, w)
	if r == 0 {
		return 0
	}
	var c uint64
	for i, x := range s.buckets {
		c += x
		if c >= r {
			return s.value(i)
		}
	}
	return s.value(over)
}

// rank returns ceil(q*w), at least 1 and at most w; 0 if w is 0. A q
// below 0 (or NaN) reads as 0, above 1 as 1.
func rank(q float64, w uint64) uint64 {
	switch {
	case w == 0:
		return 0
	case !(q > 0):
		return 1
	case q >= 1:
		return w
	}
	r := uint64(math.Ceil(q * float64(w)))
	return min(max(r, 1), w)
}

// value returns what a quantile in bucket i reports.
func (s *Snapshot) value(i int) time.Duration {
	return time.Duration(min(mid[i], float64(s.max)))
}

// finish fills the summary fields from the buckets, the weighted sum (in
// nanoseconds, times unit) and max.
func (s *Snapshot) finish(w Window, span time.Duration, sum float64) {
	s.Window, s.Span = w, span
	if s.unit == 0 {
		s.unit = 1
	}
	u := float64(s.unit)
	var total uint64
	top := -1
	for i, x := range s.buckets {
		total += x
		if x != 0 {
			top = i
		}
	}
	// Writers store a value's max before its count, so a reader that sees
	// the count sees the max; where the stores of a pinned writer may
	// reach another core out of order (weakly ordered CPUs), a max below
	// the top bucket is raised to its reported value, so that no quantile
	// leaves its bucket.
	if top >= 0 && float64(s.max) < lower[top] {
		s.max = max(s.max, uint64(mid[top]))
	}
	s.Count = float64(total) / u
	if span > 0 {
		s.Rate = s.Count / span.Seconds()
	}
	s.Sum = sum / u / 1e9
	if total > 0 {
		s.Mean = time.Duration(sum / float64(total))
	}
	s.Max = time.Duration(s.max)
	s.Underflow = float64(s.buckets[0]) / u
	s.Overflow = float64(s.buckets[over]) / u
	qs := [...]float64{0.5, 0.9, 0.99, 0.999}
	out := [...]*time.Duration{&s.P50, &s.P90, &s.P99, &s.P999}
	var rs [len(qs)]uint64
	for k, q := range qs {
		rs[k] = rank(q, total)
	}
	k := 0
	var c uint64
	for i, x := range s.buckets {
		if k == len(qs) || total == 0 {
			break
		}
		c += x
		for k < len(qs) && c >= rs[k] {
			*out[k] = s.value(i)
			k++
		}
	}
}

// Cumulative stores into dst (grown if needed) and returns, for each bound
// in bounds (ascending), the (weighted) count of values at or below it:
// what a Prometheus classic histogram's _bucket{le=...} series want (for
// the Total window, whose counts are exact). Each bound is moved to the
// bucket edge nearest to it, within 0.97%: a value within that distance
// of a bound may be counted on its other side, no farther one ever is.
// Bounds at or below Min count the underflow only; bounds at or above Max
// count everything but the overflow (the +Inf bucket is Count).
// ExportBounds are bounds chosen for latencies.
func (s *Snapshot) Cumulative(bounds []time.Duration, dst []float64) []float64 {
	dst = dst[:0]
	u := float64(max(s.unit, 1))
	var c uint64
	i := 0
	for _, b := range bounds {
		n := max(nearestEdge(b), i)
		for ; i < n; i++ {
			c += s.buckets[i]
		}
		dst = append(dst, float64(c)/u)
	}
	return dst
}

// ExportBounds are 23 bounds for a classic (Prometheus) histogram of
// latencies: 1-2.5-5 steps from 10 µs to 10 s, then 30 s, 60 s, 300 s and
// 1 h. Cumulative counts at the fine bucket edges nearest to them, all
// within 0.97%. Add +Inf (the _count) after them.
var ExportBounds = []time.Duration{
	10 * time.Microsecond, 25 * time.Microsecond, 50 * time.Microsecond,
	100 * time.Microsecond, 250 * time.Microsecond, 500 * time.Microsecond,
	time.Millisecond, 2500 * time.Microsecond, 5 * time.Millisecond,
	10 * time.Millisecond, 25 * time.Millisecond, 50 * time.Millisecond,
	100 * time.Millisecond, 250 * time.Millisecond, 500 * time.Millisecond,
	time.Second, 2500 * time.Millisecond, 5 * time.Second,
	10 * time.Second, 30 * time.Second, time.Minute, 5 * time.Minute,
	time.Hour,
}
