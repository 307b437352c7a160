package monitor

import (
	"fmt"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/hitrate/hitrate/internal/fold"
	"github.com/hitrate/hitrate/internal/human"
	"github.com/hitrate/hitrate/internal/naming"
	"github.com/hitrate/hitrate/latency"
	"github.com/hitrate/hitrate/ring"
)

// Dist is a handle to one latency distribution of one Monitor, resolved
// once by Monitor.Dist so that recording costs no map lookup.
//
// A Dist is valid only for the Monitor that returned it. The zero Dist,
// or one from another Monitor, is never recorded: Monitor.Record and
// Conn.Record drop the value and count it in Monitor.Dropped.
type Dist struct {
	mon uint32 // the tag of the Monitor that resolved it
	idx uint32 // the distribution's index in the Monitor's names
}

// WithDistributions declares the protocol's latency distributions
// ("response_time", "connect_time", ...), in that order; several
// WithDistributions add up. Each is a latency.Histogram (see package
// latency): values recorded with Monitor.Record or Conn.Record, read per
// window in the snapshot (DistStats). Names follow the rules of event
// names (see New); two distributions may not share a name, but a
// distribution may share one with an event: they never meet (a snapshot
// lists them apart, Protocol.Events and Protocol.Dists, and they go to
// different metric families).
//
// Each distribution holds about 250 KB (see package latency, "Memory"),
// and adds two 96-byte cells (count and sum) to every open connection.
func WithDistributions(names ...string) Option {
	return func(c *config) { c.dists = append(c.dists, names...) }
}

// checkDists returns the error of New for bad distribution names, or nil.
func checkDists(mon string, names []string) error {
	if len(names) > MaxDistributions {
		return fmt.Errorf("%s: %d distributions, over MaxDistributions (%d)", mon, len(names), MaxDistributions)
	}
	return naming.CheckList(mon, "distribution", names)
}

// Distributions returns a copy of the distribution names, in the order
// declared by WithDistributions, or nil on a nil Monitor or one without
// distributions.
func (m *Monitor) Distributions() []string {
	if m == nil || len(m.dists) == 0 {
		return nil
	}
	return append([]string(nil), m.dists...)
}

// Dist returns the handle of the distribution named name, to pass to
// Record. It fails, naming the known distributions, if there is no such
// distribution, and on a nil Monitor.
func (m *Monitor) Dist(name string) (Dist, error) {
	if m == nil {
		return Dist{}, fmt.Errorf("monitor: Dist(%s) on a nil *Monitor", human.Quote(name))
	}
	for i, d := range m.dists {
		if d == name {
			return Dist{mon: m.tag, idx: uint32(i)}, nil
		}
	}
	if len(m.dists) == 0 {
		return Dist{}, fmt.Errorf("monitor: %s has no distribution %s (none declared: see WithDistributions)", human.Quote(m.name), human.Quote(name))
	}
	return Dist{}, fmt.Errorf("monitor: %s has no distribution %s (known: %s)", human.Quote(m.name), human.Quote(name), strings.Join(m.dists, ", "))
}

// MustDist is like Dist but panics if there is no such distribution. It
// is meant for package-level setup.
func (m *Monitor) MustDist(name string) Dist {
	d, err := m.Dist(name)
	if err != nil {
		panic(err)
	}
	return d
}

// Record records one value v of the distribution d for the protocol as a
// whole, outside any connection. A negative v counts as 0 (an underflow,
// as package latency counts it). A Dist that does not belong to m is
// dropped and counted in Dropped; on a nil Monitor Record does nothing.
// It never blocks, allocates or panics.
func (m *Monitor) Record(d Dist, v time.Duration) {
	if m == nil {
		return
	}
	if d.mon != m.tag || int(d.idx) >= len(m.hists) {
		m.dropped.Add(1)
		return
	}
	m.hists[d.idx].Record(v)
}

// Record records one value v of the distribution d for the protocol (as
// Monitor.Record does) and on the connection: its count and the sum of
// its values, from which ConnInfo.Dists reads the connection's count and
// mean over the last second (no per-connection histogram). On a closed
// connection the value counts for the protocol only; a Dist that does not
// belong to the connection's Monitor is dropped and counted in
// Monitor.Dropped; on the zero Conn Record does nothing. It never blocks,
// allocates or panics: the histogram's record and two atomic adds.
//
// The connection's sum is kept in whole microseconds (v rounded to the
// nearest, negative values as 0, values above latency.Max as
// latency.Max), so a connection's mean is within 0.5 µs of the exact
// mean of its values. Values from 65.5 ms up take the counter's slower
// add (a compare-and-swap and two more atomic adds).
func (c Conn) Record(d Dist, v time.Duration) {
	m := c.m
	if m == nil {
		return
	}
	if d.mon != m.tag || int(d.idx) >= len(m.hists) {
		m.dropped.Add(1)
		return
	}
	m.hists[d.idx].Record(v)
	cc := c.c
	if cc.id.Load() != c.id {
		return // closed
	}
	k := cc.event(uint32(len(m.events)) + 2*d.idx)
	e, slot := m.clock.Slot()
	if x, ok := k.Fast(e, slot, 1); !ok {
		k.Slow(&cc.g, e, 1, x)
	}
	us := micros(v)
	k = (*fold.Cell)(unsafe.Add(unsafe.Pointer(k), cellSize))
	if x, ok := k.Fast(e, slot, us); !ok {
		k.Slow(&cc.g, e, us, x)
	}
}

// micros returns v in whole microseconds, rounded to the nearest, from 0
// to latency.Max.
func micros(v time.Duration) uint64 {
	v = min(max(v, 0), latency.Max)
	return uint64((v + time.Microsecond/2) / time.Microsecond)
}

// DistStats holds the protocol-wide numbers of one latency distribution:
// per window, the summary of the values recorded in it; since start, the
// cumulative buckets for export; and the per-second p50 and p99 of the
// last HistoryLen seconds. Quantiles are within 0.97% of the exact
// quantiles of the window's values, for values from latency.Min (1 µs) to
// latency.Max (1 h): see package latency.
type DistStats struct {
	// Name is the distribution's name.
	Name string `json:"name"`
	// Second is the last second, the oldest 100 ms slot weighted one
	// half (the window of the ring.Seed rates, whatever the Monitor's
	// estimator): latency.Second.
	Second DistWindow `json:"1s"`
	// TenSeconds and Minute are the last 10 and 60 sampler intervals
	// (seconds), ending at the last sample: latency.TenSeconds and
	// latency.Minute.
	TenSeconds DistWindow `json:"10s"`
	Minute     DistWindow `json:"60s"`
	// Total is everything since the Monitor was made: exact.
	Total DistTotal `json:"total"`
	// History holds the p50 and p99 of each sampler interval (normally a
	// second), oldest first; at most HistoryLen points.
	History []DistPoint `json:"history"`
}

// DistWindow is the summary of the values of one window of a
// distribution. Count and Rate are weighted as the window says (see
// latency.Window); durations are nanoseconds in JSON.
type DistWindow struct {
	// Span is the time the window covers: 1 s for Second; for TenSeconds
	// and Minute, the sampler intervals it holds (less until 10 or 60 have
	// passed; 0 before the first sample).
	Span time.Duration `json:"span_ns"`
	// Count is the (weighted) number of values, Rate the values per second.
	Count float64 `json:"count"`
	Rate  float64 `json:"rate"`
	// Mean is the mean value; Max the largest (exact for Second; for the
	// others, see latency.Window).
	Mean time.Duration `json:"mean_ns"`
	Max  time.Duration `json:"max_ns"`
	// P50, P90, P99 and P999 are the 0.5, 0.9, 0.99 and 0.999 quantiles.
	P50  time.Duration `json:"p50_ns"`
	P90  time.Duration `json:"p90_ns"`
	P99  time.Duration `json:"p99_ns"`
	P999 time.Duration `json:"p999_ns"`
}

// DistTotal is a distribution since the Monitor was made: exact counts,
// what a Prometheus (classic) histogram or an OpenTelemetry cumulative
// histogram exports.
type DistTotal struct {
	// Count is the number of values recorded.
	Count uint64 `json:"count"`
	// Sum is their sum, in seconds (values above latency.Max count as
	// latency.Max, negative ones as 0).
	Sum float64 `json:"sum_seconds"`
	// Max is the largest value recorded (at most latency.Max).
	Max time.Duration `json:"max_ns"`
	// Bounds are the upper bounds of the buckets, latency.ExportBounds, and
	// Buckets the cumulative counts at them: Buckets[i] is the number of
	// values at or below Bounds[i], each bound taken at the fine bucket
	// edge nearest to it (within 0.97%: a value that close to a bound may
	// count on its other side). Count is the +Inf bucket.
	Bounds  []time.Duration `json:"bounds_ns"`
	Buckets []uint64        `json:"buckets"`
	// Underflow counts the values below latency.Min (1 µs), zero and
	// negative ones included; Overflow those above latency.Max (1 h).
	Underflow uint64 `json:"underflow"`
	Overflow  uint64 `json:"overflow"`
	// Missed counts the values in Count but in no Second window (see
	// latency.Histogram.Missed): 0 unless writers stalled or raced a
	// clear of a shared stripe.
	Missed uint64 `json:"missed"`
}

// DistPoint is one sampler interval (normally a second) of a
// distribution's History.
type DistPoint struct {
	// Count is the number of values recorded in the interval.
	Count uint64 `json:"count"`
	// P50 and P99 are their median and 99th percentile; 0 if Count is 0.
	P50 time.Duration `json:"p50_ns"`
	P99 time.Duration `json:"p99_ns"`
}

// ConnDist holds a connection's numbers of one distribution: its count
// and mean over the last second (weighted as the Monitor's rates are, by
// its estimator: ring.Seed weighs the oldest 100 ms slot one half,
// ring.Interpolated 1-f) and its total count. A connection keeps no
// histogram: its quantiles are the protocol's.
type ConnDist struct {
	// Name is the distribution's name, as in the protocol's Dists.
	Name string `json:"name"`
	// Count is the (weighted) number of values recorded on the connection
	// over the last second: the values per second.
	Count float64 `json:"count"`
	// Mean is the mean of those values (within 0.5 µs), 0 if Count is 0.
	Mean time.Duration `json:"mean_ns"`
	// Total is the number of values recorded on the connection.
	Total uint64 `json:"total"`
}

// distHistory is the sampler's record of one distribution: p50 and p99
// per interval.
type distHistory struct {
	buf  [HistoryLen]DistPoint
	next int // where the next point goes
	n    int // points held, up to HistoryLen
}

// snapPool holds latency.Snapshots (about 9 KB each) for the readers of
// the histograms: Snapshot and Sample reuse them instead of allocating
// one per window and call.
var snapPool = sync.Pool{New: func() any { return new(latency.Snapshot) }}

// sampleDists is Sample's part for the distributions: each histogram
// closes its interval, and its last interval's p50 and p99 go to the
// history. The caller holds m.mu.
func (m *Monitor) sampleDists() {
	if len(m.hists) == 0 {
		return
	}
	s := snapPool.Get().(*latency.Snapshot)
	for i, h := range m.hists {
		h.Sample()
		h.Read(latency.LastInterval, s)
		dh := &m.distHist[i]
		dh.buf[dh.next] = DistPoint{Count: uint64(s.Count), P50: s.P50, P99: s.P99}
		dh.next = (dh.next + 1) % HistoryLen
		dh.n = min(dh.n+1, HistoryLen)
	}
	snapPool.Put(s)
}

// distStats returns the protocol-wide stats of every distribution. The
// caller must not hold m.mu.
func (m *Monitor) distStats() []DistStats {
	if len(m.hists) == 0 {
		return nil
	}
	out := make([]DistStats, len(m.hists))
	s := snapPool.Get().(*latency.Snapshot)
	var cum [32]float64
	for i, h := range m.hists {
		d := &out[i]
		d.Name = m.dists[i]
		h.Read(latency.Second, s)
		d.Second = distWindow(s)
		h.Read(latency.TenSeconds, s)
		d.TenSeconds = distWindow(s)
		h.Read(latency.Minute, s)
		d.Minute = distWindow(s)
		h.Read(latency.Total, s)
		c := s.Cumulative(latency.ExportBounds, cum[:0])
		d.Total = DistTotal{
			Count:     uint64(s.Count),
			Sum:       s.Sum,
			Max:       s.Max,
			Bounds:    append([]time.Duration(nil), latency.ExportBounds...),
			Buckets:   make([]uint64, len(c)),
			Underflow: uint64(s.Underflow),
			Overflow:  uint64(s.Overflow),
			Missed:    h.Missed(),
		}
		for j, x := range c {
			d.Total.Buckets[j] = uint64(x)
		}
	}
	snapPool.Put(s)
	m.mu.Lock()
	for i := range out {
		dh := &m.distHist[i]
		hs := make([]DistPoint, 0, dh.n)
		for k := range dh.n {
			hs = append(hs, dh.buf[(dh.next-dh.n+k+HistoryLen)%HistoryLen])
		}
		out[i].History = hs
	}
	m.mu.Unlock()
	return out
}

// distWindow returns the summary of s.
func distWindow(s *latency.Snapshot) DistWindow {
	return DistWindow{
		Span: s.Span, Count: s.Count, Rate: s.Rate, Mean: s.Mean, Max: s.Max,
		P50: s.P50, P90: s.P90, P99: s.P99, P999: s.P999,
	}
}

// distCells returns the two cells of distribution i of c, which must be
// below the Monitor's number of distributions: the count of its values,
// and their sum in microseconds. They follow the events' cells, in the
// order of the distributions (Conn.Record, inlined, writes them so).
func (m *Monitor) distCells(c *conn, i int) (count, sum *fold.Cell) {
	count = c.event(uint32(len(m.events) + 2*i))
	return count, (*fold.Cell)(unsafe.Add(unsafe.Pointer(count), cellSize))
}

// connDist reads distribution i of c, which must be below the Monitor's
// number of distributions, at epoch (one m.clock.ReadEpochFrac with frac).
//
// It reads the sum before the count: Conn.Record adds the count first, so
// every value in the sum read is in the count read, and a Record that
// runs between the two reads can only make the mean lower, never higher
// than the values recorded (read the other way, a value in the sum but
// not in the count could make it any multiple of them).
func (m *Monitor) connDist(c *conn, i int, epoch uint64, frac float64) ConnDist {
	var n, sum ring.Slots
	kn, ks := m.distCells(c, i)
	ks.Load(&c.g, epoch, (*[ring.Size]uint64)(&sum))
	t := kn.Load(&c.g, epoch, (*[ring.Size]uint64)(&n))
	d := ConnDist{Name: m.dists[i], Count: m.est.Rate(&n, frac), Total: t}
	if d.Count > 0 {
		d.Mean = time.Duration(m.est.Rate(&sum, frac) / d.Count * float64(time.Microsecond))
	}
	return d
}
