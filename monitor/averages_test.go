package monitor_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/ring"
)

// TestAverageRates logs k events in second k, sampling at the end of each
// second, and checks the 10 s and 60 s averages exactly: over the time
// elapsed until 10 (60) seconds have, then over the last 10 (60).
func TestAverageRates(t *testing.T) {
	clock := ring.NewManualClock()
	clock.Advance(7 * time.Second) // the clock's time at New must not matter
	m, err := monitor.New("http", []string{"req", "err"}, monitor.WithClock(clock.Clock), monitor.WithManualSampling())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	req := m.MustEvent("req")

	e := m.Snapshot(monitor.Query{}).Protocols[0].Events[0]
	if e.Rate10s != 0 || e.Span10s != 0 || e.Rate60s != 0 || e.Span60s != 0 {
		t.Errorf("before any sample: %+v", e)
	}
	c := m.Open("a")
	defer c.Close()
	var counts []uint64 // counts[k-1] events in second k
	avg := func(n int) (float64, float64) {
		n = min(n, len(counts))
		var s uint64
		for _, v := range counts[len(counts)-n:] {
			s += v
		}
		return float64(s) / float64(n), float64(n)
	}
	for k := uint64(1); k <= 75; k++ {
		// Spread over the second, on the connection and off it.
		for range ring.N {
			clock.Advance(ring.Tick)
			if k%2 == 0 {
				m.Add(req, k/ring.N)
			} else {
				c.Add(req, k/ring.N)
			}
		}
		m.Add(req, k%ring.N)
		counts = append(counts, k)
		m.Sample()

		e := m.Snapshot(monitor.Query{}).Protocols[0].Events
		r10, s10 := avg(10)
		r60, s60 := avg(60)
		if e[0].Rate10s != r10 || e[0].Span10s != s10 || e[0].Rate60s != r60 || e[0].Span60s != s60 {
			t.Fatalf("after %d s: 10s %v over %v, 60s %v over %v; want %v over %v, %v over %v",
				k, e[0].Rate10s, e[0].Span10s, e[0].Rate60s, e[0].Span60s, r10, s10, r60, s60)
		}
		if e[1].Rate10s != 0 || e[1].Span10s != s10 || e[1].Rate60s != 0 || e[1].Span60s != s60 {
			t.Fatalf("after %d s: err %+v", k, e[1])
		}
		if r, s := m.AverageRate(req, 10*time.Second); r != r10 || s != time.Duration(s10)*time.Second {
			t.Fatalf("after %d s: AverageRate(10s) = %v over %v, want %v over %vs", k, r, s, r10, s10)
		}
	}
	// Spot checks of the formula: after 75 s, the last 10 s held
	// 66..75 events, the last 60 s 16..75.
	if r, _ := m.AverageRate(req, 10*time.Second); r != 70.5 {
		t.Errorf("10 s average = %v, want 70.5", r)
	}
	if r, _ := m.AverageRate(req, time.Minute); r != 45.5 {
		t.Errorf("60 s average = %v, want 45.5", r)
	}
	// Windows: rounded down to whole seconds, held to [1 s, HistoryLen s].
	for _, tc := range []struct {
		window time.Duration
		n      int
	}{{0, 1}, {-time.Second, 1}, {1999 * time.Millisecond, 1}, {5 * time.Second, 5}, {time.Hour, monitor.HistoryLen}} {
		wr, ws := avg(tc.n)
		if r, s := m.AverageRate(req, tc.window); r != wr || s != time.Duration(ws)*time.Second {
			t.Errorf("AverageRate(%v) = %v over %v, want %v over %vs", tc.window, r, s, wr, ws)
		}
	}
	if r, s := m.AverageRate(monitor.Event{}, time.Minute); r != 0 || s != 0 {
		t.Errorf("AverageRate(zero Event) = %v, %v", r, s)
	}
	var nilMon *monitor.Monitor
	if r, s := nilMon.AverageRate(req, time.Minute); r != 0 || s != 0 {
		t.Errorf("nil AverageRate = %v, %v", r, s)
	}
}

// TestAverageRatesUneven samples at uneven times: the averages divide by
// the time the samples actually span, and a sample taken twice at the
// same time reads 0 over no time.
func TestAverageRatesUneven(t *testing.T) {
	m, clock := newManual(t, "http", []string{"req"})
	req := m.MustEvent("req")
	clock.Advance(2500 * time.Millisecond)
	m.Add(req, 10)
	m.Sample() // 10 events over 2.5 s since New
	if r, s := m.AverageRate(req, 10*time.Second); r != 4 || s != 2500*time.Millisecond {
		t.Errorf("after 2.5 s: %v over %v, want 4 over 2.5s", r, s)
	}
	clock.Advance(500 * time.Millisecond)
	m.Add(req, 5)
	m.Sample()
	clock.Stall(time.Second) // the time, not the epoch, is what counts
	m.Add(req, 25)
	m.Sample()
	e := m.Snapshot(monitor.Query{}).Protocols[0].Events[0]
	if e.Rate10s != 10 || e.Span10s != 4 || e.Rate60s != 10 || e.Span60s != 4 {
		t.Errorf("after 4 s: %+v, want 40 events over 4 s", e)
	}
	if r, s := m.AverageRate(req, 2*time.Second); r != 20 || s != 1500*time.Millisecond {
		t.Errorf("last 2 samples: %v over %v, want 20 over 1.5s", r, s)
	}
	m.Sample() // again, at the same time
	if r, s := m.AverageRate(req, time.Second); r != 0 || s != 0 {
		t.Errorf("over no time: %v over %v, want 0, 0", r, s)
	}
	if r, s := m.AverageRate(req, 2*time.Second); r != 25 || s != time.Second {
		t.Errorf("last 2 intervals: %v over %v, want 25 over 1s", r, s)
	}
}

// TestEventStatsJSON checks the JSON names of the rates.
func TestEventStatsJSON(t *testing.T) {
	b, err := json.Marshal(monitor.EventStats{})
	if err != nil {
		t.Fatal(err)
	}
	var keys map[string]any
	if err := json.Unmarshal(b, &keys); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"rate", "rate_10s", "span_10s", "rate_60s", "span_60s", "rate_low", "rate_high"} {
		if _, ok := keys[k]; !ok {
			t.Errorf("EventStats JSON %s has no %q", b, k)
		}
	}
}
