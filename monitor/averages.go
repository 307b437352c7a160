package monitor

import (
	"time"

	"github.com/hitrate/hitrate/shard"
)

// averageWindows are the windows of EventStats.Averages, shortest first,
// in whole seconds. Adding a window is adding it here: the stored totals,
// Snapshot, the JSON (rate_Ns and span_Ns) and the page follow.
var averageWindows = [...]time.Duration{
	10 * time.Second,
	60 * time.Second,
}

// longestWindow is the longest of averageWindows, in sample intervals
// (seconds): the stored totals span it, and AverageRate holds its window
// to it.
var longestWindow = int(averageWindows[len(averageWindows)-1] / time.Second)

// AverageWindows returns the windows over which Snapshot reports average
// rates (EventStats.Averages), shortest first: 10 s and 60 s.
func AverageWindows() []time.Duration {
	return append([]time.Duration(nil), averageWindows[:]...)
}

// Average is an event's average rate over a window, read from the totals
// sampled once a second (see Monitor.AverageRate).
type Average struct {
	// Window is the window asked for, one of AverageWindows.
	Window time.Duration
	// Rate is the average events (or bytes) per second over the last
	// Window, or over the time since the monitor was made until Window
	// has passed; 0 before the first sample.
	Rate float64
	// Span is the seconds Rate is actually over; 0 before the first
	// sample.
	Span float64
}

// totals is the sampler's record of every event's protocol-wide total,
// from which the average rates are read exactly: the events between two
// samples over the time between them. It keeps longestWindow+1 rows, so
// that the oldest and the newest are longestWindow sample intervals apart.
// Sample adds a row; the Monitor's mu guards it.
type totals struct {
	at   []time.Duration // the clock's Elapsed at each row
	tot  []uint64        // len(at) rows of one total per event
	nev  int             // events per row
	next int             // the row the next sample goes to
	n    int             // rows held, 1 to len(at)
}

// newTotals returns the totals of nev events with one row: zero for every
// event at start, the time the Monitor was made.
func newTotals(nev int, start time.Duration) totals {
	rows := longestWindow + 1
	t := totals{at: make([]time.Duration, rows), tot: make([]uint64, rows*nev), nev: nev, next: 1, n: 1}
	t.at[0] = start
	return t
}

// record adds a row: the time at and the total of each counter.
func (t *totals) record(at time.Duration, agg []*shard.Counter) {
	t.at[t.next] = at
	row := t.tot[t.next*t.nev : (t.next+1)*t.nev]
	for i, a := range agg {
		row[i] = a.Total()
	}
	t.next = (t.next + 1) % len(t.at)
	t.n = min(t.n+1, len(t.at))
}

// average returns event i's average rate over the last k sample intervals,
// or over all the rows held if there are fewer, and the time they span.
// With no interval (before the first sample) or one of no time, it
// returns 0, 0.
func (t *totals) average(i, k int) (rate float64, span time.Duration) {
	k = min(k, t.n-1)
	if k <= 0 {
		return 0, 0
	}
	rows := len(t.at)
	newest := (t.next - 1 + rows) % rows
	base := (newest - k + rows) % rows
	span = t.at[newest] - t.at[base]
	hi, lo := t.tot[newest*t.nev+i], t.tot[base*t.nev+i]
	if span <= 0 || hi < lo {
		return 0, 0
	}
	return float64(hi-lo) / span.Seconds(), span
}

// fill sets the averages of each event in es, one per averageWindows.
func (t *totals) fill(es []EventStats) {
	avgs := make([]Average, len(es)*len(averageWindows))
	for i := range es {
		es[i].Averages = avgs[:len(averageWindows):len(averageWindows)]
		avgs = avgs[len(averageWindows):]
		for j, w := range averageWindows {
			r, s := t.average(i, int(w/time.Second))
			es[i].Averages[j] = Average{Window: w, Rate: r, Span: s.Seconds()}
		}
	}
}

// AverageRate returns the protocol-wide average rate of ev, in events per
// second, over the last window, and the time span it is actually over. It
// is read from the totals that Sample records (once a second with the
// sampler goroutine): the events between the newest sample and the one
// window/time.Second samples before it, divided by the time between the
// two, so it is exact and moves only when Sample runs. window is rounded
// down to whole seconds and held to [1 s, the longest of AverageWindows].
// Until that many samples have been taken the average is over the time
// since New, which span reports; before the first sample, or if ev does
// not belong to m, it returns 0, 0. Snapshot reports the same numbers for
// each of AverageWindows.
func (m *Monitor) AverageRate(ev Event, window time.Duration) (rate float64, span time.Duration) {
	if !m.owns(ev) {
		return 0, 0
	}
	k := min(max(int(window/time.Second), 1), longestWindow)
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.totals.average(int(ev.idx), k)
}
