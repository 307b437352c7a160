package monitor_test

import (
	"encoding/json"
	"reflect"
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
	if len(e.Averages) != 2 || e.Averages[0] != (monitor.Average{Window: 10 * time.Second}) || e.Averages[1] != (monitor.Average{Window: time.Minute}) {
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
		a := e[0].Averages
		if a[0].Rate != r10 || a[0].Span != s10 || a[1].Rate != r60 || a[1].Span != s60 {
			t.Fatalf("after %d s: 10s %v over %v, 60s %v over %v; want %v over %v, %v over %v",
				k, a[0].Rate, a[0].Span, a[1].Rate, a[1].Span, r10, s10, r60, s60)
		}
		if b := e[1].Averages; b[0].Rate != 0 || b[0].Span != s10 || b[1].Rate != 0 || b[1].Span != s60 {
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
	// Windows: rounded down to whole seconds, held to [1 s, the longest window].
	for _, tc := range []struct {
		window time.Duration
		n      int
	}{{0, 1}, {-time.Second, 1}, {1999 * time.Millisecond, 1}, {5 * time.Second, 5}, {time.Hour, 60}} {
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
	if a := e.Averages; a[0].Rate != 10 || a[0].Span != 4 || a[1].Rate != 10 || a[1].Span != 4 {
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

// TestEventStatsJSON checks the JSON names of the rates: an event of
// Bytes has no interval and gives no rate_low or rate_high, and the
// JSON decodes back to the same EventStats.
func TestEventStatsJSON(t *testing.T) {
	avgs := []monitor.Average{{Window: 10 * time.Second, Rate: 1.5, Span: 10}, {Window: time.Minute, Rate: 2.5, Span: 42}}
	for _, tc := range []struct {
		e    monitor.EventStats
		want []string
		not  []string
	}{
		{monitor.EventStats{Name: "req", Rate: 3, RateLow: 0.6, RateHigh: 8.8, Averages: avgs},
			[]string{"rate", "rate_10s", "span_10s", "rate_60s", "span_60s", "rate_low", "rate_high"}, nil},
		{monitor.EventStats{Name: "req", Averages: avgs}, // rate 0 has an interval: [0, 3.69]
			[]string{"rate_low", "rate_high"}, nil},
		{monitor.EventStats{Name: "in", Unit: monitor.Bytes, Rate: 393331, Averages: avgs},
			[]string{"rate", "rate_10s", "span_60s"}, []string{"rate_low", "rate_high"}},
	} {
		b, err := json.Marshal(tc.e)
		if err != nil {
			t.Fatal(err)
		}
		var keys map[string]any
		if err := json.Unmarshal(b, &keys); err != nil {
			t.Fatal(err)
		}
		for _, k := range tc.want {
			if _, ok := keys[k]; !ok {
				t.Errorf("EventStats JSON %s has no %q", b, k)
			}
		}
		for _, k := range tc.not {
			if _, ok := keys[k]; ok {
				t.Errorf("EventStats JSON %s has %q", b, k)
			}
		}
		var back monitor.EventStats
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(back, tc.e) {
			t.Errorf("JSON %s decodes to %+v, want %+v", b, back, tc.e)
		}
	}
}
