package monitor

import (
	"time"

	"github.com/hitrate/hitrate/shard"
)

// totalsLen is the number of samples of the totals kept: HistoryLen+1, so
// that the oldest and the newest are HistoryLen sample intervals (a
// minute, with the sampler goroutine) apart.
const totalsLen = HistoryLen + 1

// totals is the sampler's record of every event's protocol-wide total,
// from which the average rates over 10 s and 60 s are read exactly: the
// events between two samples over the time between them. Sample adds a
// row; the Monitor's mu guards it.
type totals struct {
	at   [totalsLen]time.Duration // the clock's Elapsed at each row
	tot  []uint64                 // totalsLen rows of one total per event
	nev  int                      // events per row
	next int                      // the row the next sample goes to
	n    int                      // rows held, 1 to totalsLen
}

// newTotals returns the totals of nev events with one row: zero for every
// event at start, the time the Monitor was made.
func newTotals(nev int, start time.Duration) totals {
	t := totals{tot: make([]uint64, totalsLen*nev), nev: nev, next: 1, n: 1}
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
	t.next = (t.next + 1) % totalsLen
	t.n = min(t.n+1, totalsLen)
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
	newest := (t.next - 1 + totalsLen) % totalsLen
	base := (newest - k + totalsLen) % totalsLen
	span = t.at[newest] - t.at[base]
	hi, lo := t.tot[newest*t.nev+i], t.tot[base*t.nev+i]
	if span <= 0 || hi < lo {
		return 0, 0
	}
	return float64(hi-lo) / span.Seconds(), span
}

// fill sets the average rates over 10 s and 60 s, and their spans, of
// each event in es.
func (t *totals) fill(es []EventStats) {
	for i := range es {
		r, s := t.average(i, 10)
		es[i].Rate10s, es[i].Span10s = r, s.Seconds()
		r, s = t.average(i, 60)
		es[i].Rate60s, es[i].Span60s = r, s.Seconds()
	}
}

// AverageRate returns the protocol-wide average rate of ev, in events per
// second, over the last window, and the time span it is actually over. It
// is read from the totals that Sample records (once a second with the
// sampler goroutine): the events between the newest sample and the one
// window/time.Second samples before it, divided by the time between the
// two, so it is exact and moves only when Sample runs. window is rounded
// down to whole seconds and held to [1 s, HistoryLen s]. Until that many
// samples have been taken the average is over the time since New, which
// span reports; before the first sample, or if ev does not belong to m,
// it returns 0, 0. Snapshot reports the same numbers for 10 s and 60 s.
func (m *Monitor) AverageRate(ev Event, window time.Duration) (rate float64, span time.Duration) {
	if !m.owns(ev) {
		return 0, 0
	}
	k := min(max(int(window/time.Second), 1), HistoryLen)
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.totals.average(int(ev.idx), k)
}
