package monitor_test

import (
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/ring"
)

// TestConnBothDirectionsExactRate is issue 9's goal 6: the two direction
// goroutines of one connection log the same event (and their own ones)
// while the clock moves on; the connection's rate of that event must be
// exact, not only its total. With fewer than N ticks in all, every event
// is in the window, so the Seed rate equals the total.
func TestConnBothDirectionsExactRate(t *testing.T) {
	m, clock := newManual(t, "proxy", []string{"err", "up", "down"})
	errEv, up, down := m.MustEvent("err"), m.MustEvent("up"), m.MustEvent("down")
	c := m.Open("10.0.0.1:4242")
	defer c.Close()
	const per = 50000
	stop := make(chan struct{})
	var rot sync.WaitGroup
	rot.Go(func() {
		for range ring.N - 1 {
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
				clock.Advance(ring.Tick)
			}
		}
	})
	var wg sync.WaitGroup
	for _, own := range []monitor.Event{up, down} {
		wg.Go(func() {
			for i := range per {
				c.Log(errEv)
				c.Add(own, uint64(1+i%3))
			}
		})
	}
	wg.Wait()
	close(stop)
	rot.Wait()
	const ownWant = 2*(per/3)*(1+2+3)/2 + 1 + 2 // per direction: 1+2+3 repeated, then 1, 2 (per = 3k+2)
	if got := c.Total(errEv); got != 2*per {
		t.Fatalf("err total %d, want %d", got, 2*per)
	}
	if got := c.Rate(errEv); got != 2*per {
		t.Fatalf("err rate %v, want %d: events lost from the window", got, 2*per)
	}
	for _, ev := range []monitor.Event{up, down} {
		if c.Total(ev) != ownWant || c.Rate(ev) != ownWant {
			t.Fatalf("direction event: total %d rate %v, want %d", c.Total(ev), c.Rate(ev), ownWant)
		}
	}
	if m.Total(errEv) != 2*per || m.Rate(errEv) != 2*per {
		t.Fatalf("protocol err: total %d rate %v, want %d", m.Total(errEv), m.Rate(errEv), 2*per)
	}
}

// TestProxyPatternExact runs connections with one goroutine per
// direction, a rotator, a reader and GOMAXPROCS changes at once: every
// connection's and the protocol's totals must be exact.
func TestProxyPatternExact(t *testing.T) {
	m, clock := newManual(t, "proxy", []string{"req", "resp", "bytes_in", "bytes_out"})
	evs := [2][2]monitor.Event{
		{m.MustEvent("req"), m.MustEvent("bytes_in")},
		{m.MustEvent("resp"), m.MustEvent("bytes_out")},
	}
	old := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(old)
	stop := make(chan struct{})
	var bg sync.WaitGroup
	loop := func(f func()) {
		bg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
					f()
				}
			}
		})
	}
	loop(func() { clock.Advance(ring.Tick / 7) })
	loop(func() { _ = m.Snapshot(monitor.Query{Conns: true, SortBy: monitor.ByRate("bytes_in"), Limit: 3}) })
	sizes := []int{1, 2, 3, 8, 2}
	i := 0
	loop(func() {
		runtime.GOMAXPROCS(sizes[i%len(sizes)])
		i++
		time.Sleep(time.Millisecond)
	})
	const conns, per = 8, 3000
	var wg sync.WaitGroup
	handles := make([]monitor.Conn, conns)
	for k := range handles {
		handles[k] = m.Open("c")
		for d := range 2 {
			wg.Go(func() {
				for j := range per {
					handles[k].Log(evs[d][0])
					handles[k].Add(evs[d][1], uint64(1000+j%1500))
				}
			})
		}
	}
	wg.Wait()
	close(stop)
	bg.Wait()
	var bytes uint64
	for j := range per {
		bytes += uint64(1000 + j%1500)
	}
	for _, c := range handles {
		for d := range 2 {
			if c.Total(evs[d][0]) != per || c.Total(evs[d][1]) != bytes {
				t.Fatalf("conn %d direction %d: totals %d, %d, want %d, %d", c.ID(), d, c.Total(evs[d][0]), c.Total(evs[d][1]), per, bytes)
			}
		}
		c.Close()
	}
	for d := range 2 {
		if m.Total(evs[d][0]) != conns*per || m.Total(evs[d][1]) != conns*bytes {
			t.Fatalf("protocol direction %d: totals %d, %d, want %d, %d", d, m.Total(evs[d][0]), m.Total(evs[d][1]), conns*per, conns*bytes)
		}
	}
}

// TestAllocsEveryEventPath: 0 allocations on every increment path of a
// connection and a protocol: the fast path, a fold (a new tick), a large
// n, a closed connection's handle, the zero Conn and a foreign Event.
func TestAllocsEveryEventPath(t *testing.T) {
	m, clock := newManual(t, "http", []string{"a", "b", "c", "d"})
	ev := m.MustEvent("b")
	c := m.Open("10.0.0.1:1")
	defer c.Close()
	stale := m.Open("10.0.0.1:2")
	stale.Close()
	for name, f := range map[string]func(){
		"Conn.Log":          func() { c.Log(ev) },
		"Conn.Add(big)":     func() { c.Add(ev, 1<<20) },
		"Conn.Log+fold":     func() { clock.Advance(ring.Tick); c.Log(ev) },
		"Conn.Log(stale)":   func() { stale.Log(ev) },
		"Conn.Log(zero)":    func() { monitor.Conn{}.Log(ev) },
		"Conn.Log(foreign)": func() { c.Log(monitor.Event{}) },
		"Monitor.Add(big)":  func() { m.Add(ev, 1<<20) },
	} {
		if n := testing.AllocsPerRun(1000, f); n != 0 {
			t.Errorf("%s: %v allocs, want 0", name, n)
		}
	}
}
