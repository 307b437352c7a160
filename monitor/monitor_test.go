package monitor_test

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/ring"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// ring.Default()'s rotator runs for the life of the process.
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/hitrate/hitrate/ring.defaultRotator"))
}

// newManual returns a monitor on a new manual clock, with manual sampling.
func newManual(t testing.TB, name string, events []string, opts ...monitor.Option) (*monitor.Monitor, *ring.ManualClock) {
	t.Helper()
	clock := ring.NewManualClock()
	opts = append([]monitor.Option{monitor.WithClock(clock.Clock), monitor.WithManualSampling()}, opts...)
	m, err := monitor.New(name, events, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return m, clock
}

func TestNewValidation(t *testing.T) {
	long := strings.Repeat("x", monitor.MaxNameLen+1)
	tests := []struct {
		name   string
		mon    string
		events []string
		opts   []monitor.Option
		want   string // the whole error message
	}{
		{"empty monitor name", "", []string{"a"}, nil, `monitor "": the monitor name is empty`},
		{"nil events", "http", nil, nil, `monitor "http": no events given`},
		{"no events", "http", []string{}, nil, `monitor "http": no events given`},
		{"empty event", "http", []string{"a", ""}, nil, `monitor "http": event 1 has an empty name`},
		{"duplicate event", "http", []string{"a", "b", "a"}, nil, `monitor "http": event 2 "a" has the same name as event 0`},
		{"bad utf8 monitor", "ht\xfftp", []string{"a"}, nil, `monitor "ht\xfftp": the monitor name is not valid UTF-8`},
		{"bad utf8 event", "http", []string{"a\xc3"}, nil, `monitor "http": event 0 "a\xc3" has a name that is not valid UTF-8`},
		{"control monitor", "ht\ntp", []string{"a"}, nil, `monitor "ht\ntp": the monitor name holds a control character`},
		{"control event", "http", []string{"a\x00"}, nil, `monitor "http": event 0 "a\x00" has a name that holds a control character`},
		{"C1 control event", "http", []string{"a\u0085"}, nil, `monitor "http": event 0 "a\u0085" has a name that holds a control character`},
		{"long monitor", long, []string{"a"}, nil, `monitor "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"...: the monitor name is 129 bytes long, over MaxNameLen (128)`},
		{"long event", "http", []string{"a", long}, nil, `monitor "http": event 1 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"... has a name that is 129 bytes long, over MaxNameLen (128)`},
		{"long Unicode event, cut on a rune", "http", []string{strings.Repeat("é", 65)}, nil, `monitor "http": event 0 "éééééééééééééééé"... has a name that is 130 bytes long, over MaxNameLen (128)`},
		{"nil clock", "http", []string{"a"}, []monitor.Option{monitor.WithClock(nil)}, `monitor "http": WithClock was given a nil clock`},
		{"bad estimator", "http", []string{"a"}, []monitor.Option{monitor.WithEstimator(ring.Estimator(9))}, `monitor "http": WithEstimator was given an unknown estimator (9); want ring.Seed or ring.Interpolated`},
		{"too many events", "http", numbered("e", monitor.MaxEvents+1), nil, `monitor "http": 257 events, over MaxEvents (256)`},
		{"too many distributions", "http", []string{"a"}, []monitor.Option{monitor.WithDistributions(numbered("d", monitor.MaxDistributions+1)...)}, `monitor "http": 33 distributions, over MaxDistributions (32)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := append([]monitor.Option{monitor.WithManualSampling()}, tt.opts...)
			m, err := monitor.New(tt.mon, tt.events, opts...)
			if err == nil {
				m.Close()
				t.Fatalf("New(%q, %q) = nil error, want %q", tt.mon, tt.events, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("New(%q, %q) error\n got %s\nwant %s", tt.mon, tt.events, err, tt.want)
			}
			if m != nil {
				t.Errorf("New returned a Monitor with an error")
			}
		})
	}

	// Good names: the longest, Unicode, spaces and punctuation.
	for _, ev := range []string{strings.Repeat("é", monitor.MaxNameLen/2), "cache hit", "5xx", "名前"} {
		m, err := monitor.New("h2/tls", []string{ev}, monitor.WithManualSampling(), nil)
		if err != nil {
			t.Errorf("New with event %q: %v", ev, err)
			continue
		}
		m.Close()
	}
}

func TestEventUnknown(t *testing.T) {
	m, _ := newManual(t, "http", []string{"request", "response"})
	_, err := m.Event("reqest")
	if err == nil {
		t.Fatal("Event of an unknown name: nil error")
	}
	want := `monitor: "http" has no event "reqest" (known: request, response)`
	if err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
	defer func() {
		if recover() == nil {
			t.Error("MustEvent of an unknown name did not panic")
		}
	}()
	m.MustEvent("nope")
}

func TestAccessors(t *testing.T) {
	evs := []string{"a", "b"}
	m, _ := newManual(t, "p", evs)
	evs[0] = "changed"
	if m.Name() != "p" {
		t.Errorf("Name = %q", m.Name())
	}
	got := m.Events()
	if !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Errorf("Events = %q, want [a b] (New must copy)", got)
	}
	got[0] = "x"
	if m.Events()[0] != "a" {
		t.Error("Events does not return a copy")
	}
}

// TestBadHandles checks that handles that do not belong to a monitor are
// dropped and counted, and never panic.
func TestBadHandles(t *testing.T) {
	big, _ := newManual(t, "big", []string{"a", "b", "c", "d"})
	small, _ := newManual(t, "small", []string{"a"})
	d := big.MustEvent("d")
	sa := small.MustEvent("a")

	small.Log(d)                     // out of range for small
	small.Add(big.MustEvent("a"), 5) // in range, but another monitor's
	small.Log(monitor.Event{})       // the zero Event
	c := small.Open("x")
	c.Log(d)
	c.Add(monitor.Event{}, 2)
	if got, want := small.Dropped(), uint64(1+5+1+1+2); got != want {
		t.Errorf("Dropped = %d, want %d", got, want)
	}
	if small.Total(sa) != 0 || c.Total(sa) != 0 || small.Total(d) != 0 || c.Total(d) != 0 || small.Rate(d) != 0 || c.Rate(d) != 0 {
		t.Error("a dropped event was counted")
	}
	c.Log(sa)
	if small.Total(sa) != 1 || c.Total(sa) != 1 {
		t.Errorf("totals = %d, %d, want 1, 1", small.Total(sa), c.Total(sa))
	}
	c.Close()

	// The zero Conn and a nil Monitor count nothing and do not panic.
	var zc monitor.Conn
	zc.Log(sa)
	zc.Add(sa, 3)
	zc.Close()
	if zc.IsOpen() || zc.Total(sa) != 0 || zc.Rate(sa) != 0 || zc.ID() != 0 {
		t.Error("the zero Conn is not inert")
	}
	var nm *monitor.Monitor
	nm.Log(sa)
	nm.Add(sa, 1)
	nm.Close()
	nc := nm.Open("x")
	nc.Log(sa)
	nc.Close()
	if nm.Total(sa) != 0 || nm.Rate(sa) != 0 || len(nm.Snapshot(monitor.Query{}).Protocols) != 0 {
		t.Error("a nil Monitor is not inert")
	}
	if small.Total(sa) != 1 {
		t.Errorf("total = %d, want 1", small.Total(sa))
	}
}

func TestLateEventOnClosedConn(t *testing.T) {
	m, _ := newManual(t, "http", []string{"req"})
	ev := m.MustEvent("req")
	c := m.Open("a")
	c.Add(ev, 2)
	if !c.IsOpen() {
		t.Fatal("Open() = false on an open conn")
	}
	c.Close()
	c.Close() // idempotent
	c.Add(ev, 3)
	if got := m.Total(ev); got != 5 {
		t.Errorf("protocol total = %d, want 5", got)
	}
	if c.IsOpen() || c.Total(ev) != 0 {
		t.Errorf("closed conn: Open %v, Total %d", c.IsOpen(), c.Total(ev))
	}
	p := m.Snapshot(monitor.Query{Conns: true}).Protocols[0]
	if len(p.Open) != 0 || p.OpenMatched != 0 || p.Conns.Current != 0 || p.Conns.Total != 1 {
		t.Errorf("after Close: %+v", p)
	}
}

// TestStaleHandleOnRecycledConn opens and closes connections until one
// reuses a closed connection's memory, and checks that the closed one's
// handle does not count on it.
func TestStaleHandleOnRecycledConn(t *testing.T) {
	m, _ := newManual(t, "http", []string{"req"})
	ev := m.MustEvent("req")
	for range 1000 {
		stale := m.Open("old")
		stale.Add(ev, 7)
		stale.Close()
		fresh := m.Open("new")
		if !monitor.SameConn(stale, fresh) {
			fresh.Close()
			continue
		}
		if fresh.Total(ev) != 0 {
			t.Fatalf("recycled conn starts at %d, want 0", fresh.Total(ev))
		}
		before := m.Total(ev)
		stale.Add(ev, 100)
		stale.Close() // must not close fresh
		if !fresh.IsOpen() || fresh.Total(ev) != 0 || fresh.Rate(ev) != 0 {
			t.Fatalf("stale handle touched the recycled conn: open %v, total %d", fresh.IsOpen(), fresh.Total(ev))
		}
		if m.Total(ev) != before+100 {
			t.Fatalf("late event not counted for the protocol")
		}
		fresh.Log(ev)
		p := m.Snapshot(monitor.Query{Conns: true}).Protocols[0]
		if len(p.Open) != 1 || p.Open[0].Name != "new" || p.Open[0].Events[0].Total != 1 {
			t.Fatalf("listing = %+v", p.Open)
		}
		fresh.Close()
		return
	}
	t.Skip("no connection was recycled (sync.Pool may drop objects)")
}

// TestConcurrentExact opens, logs and closes connections from many
// goroutines while the clock rotates and a reader takes snapshots and
// samples: every total, per connection and per protocol, must be exact.
func TestConcurrentExact(t *testing.T) {
	m, clock := newManual(t, "http", []string{"req", "resp", "bytes"})
	evs := []monitor.Event{m.MustEvent("req"), m.MustEvent("resp"), m.MustEvent("bytes")}
	const (
		workers = 8
		rounds  = 200
		perConn = 50
	)
	stop := make(chan struct{})
	var bg sync.WaitGroup
	bg.Add(2)
	go func() { // the rotator
		defer bg.Done()
		for {
			select {
			case <-stop:
				return
			default:
				clock.Advance(ring.Tick / 3)
			}
		}
	}()
	var snaps atomic.Int64
	go func() { // the reader
		defer bg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			for _, sortBy := range []string{"id", "age", "name", "bytes"} {
				s := m.Snapshot(monitor.Query{Conns: true, SortBy: sortKey(sortBy), Desc: true, Limit: 5})
				p := s.Protocols[0]
				if len(p.Open) > 5 || p.OpenMatched < len(p.Open) {
					t.Errorf("listing %d of %d matched, limit 5", len(p.Open), p.OpenMatched)
				}
				for _, c := range p.Open {
					if c.Events[0].Total > perConn || c.Events[2].Total > perConn*(perConn+1)/2 {
						t.Errorf("conn %d %q totals %+v beyond what it logs", c.ID, c.Name, c.Events)
					}
				}
			}
			m.Sample()
			snaps.Add(1)
		}
	}()

	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				c := m.Open(fmt.Sprintf("10.0.%d.%d:443", w, r))
				for i := range perConn {
					c.Log(evs[0])
					c.Log(evs[1])
					c.Add(evs[2], uint64(i+1))
					m.Log(evs[1]) // outside the connection
				}
				if got := c.Total(evs[0]); got != perConn {
					t.Errorf("conn req total = %d, want %d", got, perConn)
				}
				if got := c.Total(evs[2]); got != perConn*(perConn+1)/2 {
					t.Errorf("conn bytes total = %d, want %d", got, perConn*(perConn+1)/2)
				}
				c.Close()
				c.Log(evs[0]) // late: counts for the protocol only
			}
		}()
	}
	wg.Wait()
	close(stop)
	bg.Wait()

	conns := uint64(workers * rounds)
	want := []uint64{conns * (perConn + 1), conns * 2 * perConn, conns * perConn * (perConn + 1) / 2}
	for i, ev := range evs {
		if got := m.Total(ev); got != want[i] {
			t.Errorf("protocol total of event %d = %d, want %d", i, got, want[i])
		}
	}
	p := m.Snapshot(monitor.Query{Conns: true}).Protocols[0]
	if p.Conns.Current != 0 || p.Conns.Total != conns || p.Conns.Peak < 1 || p.Conns.Peak > workers {
		t.Errorf("conn counts = %+v, want current 0, total %d, peak in [1, %d]", p.Conns, conns, workers)
	}
	if len(p.Open) != 0 || p.OpenMatched != 0 {
		t.Errorf("%d conns listed after all closed", len(p.Open))
	}
	if m.Dropped() != 0 {
		t.Errorf("Dropped = %d", m.Dropped())
	}
	t.Logf("%d snapshot rounds", snaps.Load())
}

// TestSharedConn logs on one connection from several goroutines: its
// totals stay exact.
func TestSharedConn(t *testing.T) {
	m, _ := newManual(t, "http", []string{"req"})
	ev := m.MustEvent("req")
	c := m.Open("shared")
	defer c.Close()
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5000 {
				c.Log(ev)
			}
		}()
	}
	wg.Wait()
	if c.Total(ev) != 20000 || m.Total(ev) != 20000 {
		t.Errorf("totals = %d, %d, want 20000", c.Total(ev), m.Total(ev))
	}
}

func TestRates(t *testing.T) {
	for _, est := range []ring.Estimator{ring.Seed, ring.Interpolated} {
		t.Run(est.String(), func(t *testing.T) {
			m, clock := newManual(t, "http", []string{"req"}, monitor.WithEstimator(est))
			ev := m.MustEvent("req")
			c := m.Open("a")
			defer c.Close()
			// A steady 1000/s on the conn, plus 500/s outside it, for 2 s.
			for range 2 * ring.N {
				c.Add(ev, 100)
				m.Add(ev, 50)
				clock.Advance(ring.Tick)
			}
			// Now at the start of a slot: Seed reads half the oldest slot
			// plus nine full ones; Interpolated (frac 0) the whole oldest.
			wantConn, wantAll := 950.0, 1425.0
			if est == ring.Interpolated {
				wantConn, wantAll = 900+100, 1350+150
			}
			if got := c.Rate(ev); got != wantConn {
				t.Errorf("conn rate = %v, want %v", got, wantConn)
			}
			if got := m.Rate(ev); got != wantAll {
				t.Errorf("protocol rate = %v, want %v", got, wantAll)
			}
			s := m.Snapshot(monitor.Query{Conns: true})
			p := s.Protocols[0]
			if s.Estimator != est.String() || p.Events[0].Rate != wantAll || p.Open[0].Events[0].Rate != wantConn {
				t.Errorf("snapshot = %q %+v %+v", s.Estimator, p.Events, p.Open)
			}
			if p.Uptime != 2*time.Second || p.Open[0].Age != 2*time.Second {
				t.Errorf("uptime %v, age %v, want 2s", p.Uptime, p.Open[0].Age)
			}
			// Silence: the rates drain to zero within 1.1 s.
			clock.Advance(11 * ring.Tick)
			if c.Rate(ev) != 0 || m.Rate(ev) != 0 {
				t.Errorf("rates after silence = %v, %v", c.Rate(ev), m.Rate(ev))
			}
			if c.Total(ev) != 2000 || m.Total(ev) != 3000 {
				t.Errorf("totals = %d, %d", c.Total(ev), m.Total(ev))
			}
		})
	}
}

func TestPeaksAndHistory(t *testing.T) {
	m, clock := newManual(t, "http", []string{"req", "err"})
	req := m.MustEvent("req")

	// Connections: open 3, close 2, open 1.
	a, b, c := m.Open("a"), m.Open("b"), m.Open("c")
	a.Close()
	b.Close()
	d := m.Open("d")
	cc := m.Snapshot(monitor.Query{}).Protocols[0].Conns
	if cc != (monitor.ConnCounts{Current: 2, Peak: 3, Total: 4}) {
		t.Errorf("conn counts = %+v, want current 2, peak 3, total 4", cc)
	}
	c.Close()
	d.Close()

	// Rates: one second each at 100/s, 300/s, 50/s, sampled at its end,
	// after a silence that empties the window.
	var want []float64
	for _, perTick := range []uint64{10, 30, 5} {
		clock.Advance(ring.Size * ring.Tick)
		for range ring.N {
			clock.Advance(ring.Tick)
			m.Add(req, perTick)
		}
		m.Sample()
		want = append(want, float64(perTick*ring.N))
	}
	e := m.Snapshot(monitor.Query{}).Protocols[0].Events
	if e[0].PeakRate != 300 || !reflect.DeepEqual(e[0].History, want) {
		t.Errorf("req peak %v history %v, want 300 %v", e[0].PeakRate, e[0].History, want)
	}
	if e[1].PeakRate != 0 || !reflect.DeepEqual(e[1].History, []float64{0, 0, 0}) {
		t.Errorf("err peak %v history %v", e[1].PeakRate, e[1].History)
	}
	if got := m.PeakRate(req); got != 300 {
		t.Errorf("PeakRate(req) = %v, want 300", got)
	}
	if got := m.PeakRate(monitor.Event{}); got != 0 {
		t.Errorf("PeakRate(zero Event) = %v, want 0", got)
	}

	// The history keeps the last HistoryLen samples, oldest first.
	for i := range monitor.HistoryLen + 7 {
		clock.Advance(ring.Size * ring.Tick)
		for range ring.N {
			clock.Advance(ring.Tick)
			m.Add(req, uint64(i))
		}
		m.Sample()
	}
	h := m.Snapshot(monitor.Query{}).Protocols[0].Events[0].History
	if len(h) != monitor.HistoryLen || h[0] != 7*ring.N || h[len(h)-1] != float64((monitor.HistoryLen+6)*ring.N) {
		t.Errorf("history: len %d, first %v, last %v", len(h), h[0], h[len(h)-1])
	}
	if e := m.Snapshot(monitor.Query{}).Protocols[0].Events[0]; e.PeakRate != float64((monitor.HistoryLen+6)*ring.N) {
		t.Errorf("peak = %v", e.PeakRate)
	}

	// A fresh monitor has an empty, non-nil history.
	f, _ := newManual(t, "fresh", []string{"x"})
	if h := f.Snapshot(monitor.Query{}).Protocols[0].Events[0].History; h == nil || len(h) != 0 {
		t.Errorf("fresh history = %#v, want empty", h)
	}
}

func TestSnapshotConns(t *testing.T) {
	m, clock := newManual(t, "http", []string{"req", "resp"})
	req, resp := m.MustEvent("req"), m.MustEvent("resp")
	// Opened one tick apart; req counts are not in id order.
	names := []string{"10.0.0.3:1", "10.0.0.1:2", "192.168.0.2:3", "10.0.0.2:4"}
	reqs := []uint64{5, 50, 20, 1}
	var conns []monitor.Conn
	for i, n := range names {
		c := m.Open(n)
		c.Add(req, reqs[i])
		c.Add(resp, 1)
		conns = append(conns, c)
		clock.Advance(ring.Tick)
	}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	ids := func(q monitor.Query) []uint64 {
		t.Helper()
		p := m.Snapshot(q).Protocols[0]
		var out []uint64
		for _, c := range p.Open {
			out = append(out, c.ID)
		}
		return out
	}
	id := func(i int) uint64 { return conns[i].ID() }
	tests := []struct {
		name string
		q    monitor.Query
		want []uint64
	}{
		{"no conns", monitor.Query{}, nil},
		{"default id", monitor.Query{Conns: true}, []uint64{id(0), id(1), id(2), id(3)}},
		{"id desc", monitor.Query{Conns: true, SortBy: monitor.Sort{}, Desc: true}, []uint64{id(3), id(2), id(1), id(0)}},
		{"age", monitor.Query{Conns: true, SortBy: monitor.ByAge()}, []uint64{id(3), id(2), id(1), id(0)}},
		{"age desc", monitor.Query{Conns: true, SortBy: monitor.ByAge(), Desc: true}, []uint64{id(0), id(1), id(2), id(3)}},
		{"name", monitor.Query{Conns: true, SortBy: monitor.ByName()}, []uint64{id(1), id(3), id(0), id(2)}},
		{"rate", monitor.Query{Conns: true, SortBy: monitor.ByRate("req")}, []uint64{id(3), id(0), id(2), id(1)}},
		{"rate desc limit", monitor.Query{Conns: true, SortBy: monitor.ByRate("req"), Desc: true, Limit: 2}, []uint64{id(1), id(2)}},
		{"rate ties by id", monitor.Query{Conns: true, SortBy: monitor.ByRate("resp"), Desc: true}, []uint64{id(0), id(1), id(2), id(3)}},
		{"filter", monitor.Query{Conns: true, Filter: "10.0.0."}, []uint64{id(0), id(1), id(3)}},
		{"filter none", monitor.Query{Conns: true, Filter: "nope"}, nil},
		{"unknown sort is id", monitor.Query{Conns: true, SortBy: monitor.ByRate("nosuch"), Desc: true}, []uint64{id(3), id(2), id(1), id(0)}},
		{"limit over max", monitor.Query{Conns: true, Limit: monitor.MaxConnLimit + 1}, []uint64{id(0), id(1), id(2), id(3)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ids(tt.q); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ids = %v, want %v", got, tt.want)
			}
		})
	}

	p := m.Snapshot(monitor.Query{Conns: true, Filter: "10.0.0.", Limit: 1}).Protocols[0]
	if p.OpenMatched != 3 || len(p.Open) != 1 {
		t.Errorf("OpenMatched %d, listed %d, want 3, 1", p.OpenMatched, len(p.Open))
	}
	c := p.Open[0]
	if c.Name != names[0] || c.Age != 4*ring.Tick || len(c.Events) != 2 || c.Events[0].Total != 5 || c.Events[1].Total != 1 ||
		c.Events[0].Name != "req" || c.Events[1].Name != "resp" {
		t.Errorf("conn info = %+v", c)
	}
	if s := m.Snapshot(monitor.Query{Protocol: "redis", Conns: true}); len(s.Protocols) != 0 || s.Protocols == nil {
		t.Errorf("other protocol: %+v, want an empty list", s.Protocols)
	}
	if s := m.Snapshot(monitor.Query{Protocol: "http"}); len(s.Protocols) != 1 {
		t.Errorf("own protocol: %d protocols", len(s.Protocols))
	}

	// The default limit.
	for range monitor.DefaultConnLimit + 5 {
		conns = append(conns, m.Open("many"))
	}
	p = m.Snapshot(monitor.Query{Conns: true}).Protocols[0]
	if len(p.Open) != monitor.DefaultConnLimit || p.OpenMatched != monitor.DefaultConnLimit+9 {
		t.Errorf("listed %d of %d", len(p.Open), p.OpenMatched)
	}
}

func TestGroup(t *testing.T) {
	clock := ring.NewManualClock()
	mk := func(name string, opts ...monitor.Option) *monitor.Monitor {
		opts = append(opts, monitor.WithClock(clock.Clock), monitor.WithManualSampling())
		m, err := monitor.New(name, []string{"ev"}, opts...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(m.Close)
		return m
	}
	h, r := mk("http"), mk("redis")
	g, err := monitor.NewGroup(h, r)
	if err != nil {
		t.Fatal(err)
	}
	var _ monitor.Source = g
	var _ monitor.Source = h
	h.Log(h.MustEvent("ev"))

	s := g.Snapshot(monitor.Query{})
	if len(s.Protocols) != 2 || s.Protocols[0].Name != "http" || s.Protocols[1].Name != "redis" || s.Estimator != "seed" {
		t.Errorf("group snapshot = %+v", s)
	}
	if s.Protocols[0].Events[0].Total != 1 || s.Protocols[1].Events[0].Total != 0 {
		t.Errorf("totals = %+v", s.Protocols)
	}
	s = g.Snapshot(monitor.Query{Protocol: "redis"})
	if len(s.Protocols) != 1 || s.Protocols[0].Name != "redis" {
		t.Errorf("filtered = %+v", s.Protocols)
	}
	if s = g.Snapshot(monitor.Query{Protocol: "nope"}); len(s.Protocols) != 0 {
		t.Errorf("unknown protocol = %+v", s.Protocols)
	}

	for _, tc := range []struct {
		ms   []*monitor.Monitor
		want string
	}{
		{[]*monitor.Monitor{h, mk("http")}, `duplicate monitor name "http"`},
		{[]*monitor.Monitor{h, nil}, "monitor 1: monitor: nil *Monitor"},
		{[]*monitor.Monitor{h, mk("x", monitor.WithEstimator(ring.Interpolated))}, "estimator"},
	} {
		if _, err := monitor.NewGroup(tc.ms...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewGroup error = %v, want %q", err, tc.want)
		}
	}
	mixed := monitor.Group{h, nil, mk("y", monitor.WithEstimator(ring.Interpolated))}
	if s := mixed.Snapshot(monitor.Query{}); s.Estimator != "mixed" || len(s.Protocols) != 2 {
		t.Errorf("mixed group: %q, %d protocols", s.Estimator, len(s.Protocols))
	}
}

// The web page's sort keys are no concern of the engine: events named
// like them are accepted, and sort by their own numbers.
func TestSortKeyNamesAccepted(t *testing.T) {
	m, err := monitor.New("http", []string{"id", "age", "name", "rate:x", "total:x"}, monitor.WithManualSampling())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	a, b := m.Open("a"), m.Open("b")
	defer a.Close()
	defer b.Close()
	a.Add(m.MustEvent("total:x"), 5)
	b.Add(m.MustEvent("total:x"), 1)
	p := m.Snapshot(monitor.Query{Conns: true, SortBy: monitor.ByTotal("total:x")}).Protocols[0]
	if len(p.Open) != 2 || p.Open[0].Name != "b" || p.Open[1].Name != "a" {
		t.Errorf("sort by the total of \"total:x\": %+v", p.Open)
	}
}

// TestSampler checks that New starts a sampler goroutine that Close stops
// (TestMain checks that no goroutine leaks), and that Close is idempotent.
func TestSampler(t *testing.T) {
	m, err := monitor.New("http", []string{"req"})
	if err != nil {
		t.Fatal(err)
	}
	m.Log(m.MustEvent("req"))
	m.Close()
	m.Close()
	m.Log(m.MustEvent("req")) // counting goes on after Close
	if m.Total(m.MustEvent("req")) != 2 {
		t.Errorf("total = %d", m.Total(m.MustEvent("req")))
	}
	if err := goleak.Find(goleak.IgnoreCurrent()); err != nil {
		t.Error(err)
	}
}

func TestAllocs(t *testing.T) {
	m, _ := newManual(t, "http", []string{"a", "b", "c", "d"})
	ev := m.MustEvent("c")
	c := m.Open("10.0.0.1:1")
	defer c.Close()
	if n := testing.AllocsPerRun(1000, func() { c.Log(ev); c.Add(ev, 3) }); n != 0 {
		t.Errorf("Conn.Log: %v allocs, want 0", n)
	}
	if n := testing.AllocsPerRun(1000, func() { m.Log(ev); m.Add(ev, 3) }); n != 0 {
		t.Errorf("Monitor.Log: %v allocs, want 0", n)
	}
	if n := testing.AllocsPerRun(1000, func() { m.Log(monitor.Event{}) }); n != 0 {
		t.Errorf("dropped Log: %v allocs, want 0", n)
	}
	if raceEnabled {
		t.Skip("sync.Pool drops objects at random under the race detector")
	}
	if n := testing.AllocsPerRun(1000, func() { m.Open("10.0.0.2:2").Close() }); n > 1 {
		t.Errorf("Open+Close: %v allocs, want <= 1", n)
	}
}

// TestConnMemory checks the heap held per open connection with four
// events: at most 512 bytes.
func TestConnMemory(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes allocation")
	}
	per := math.Inf(1)
	for range 3 { // the least of three, against a stray allocation elsewhere
		per = min(per, connMemory(t, 20000))
	}
	t.Logf("%.1f B/conn", per)
	if per > 512 {
		t.Errorf("%.1f B/conn, want <= 512", per)
	}
}

// TestPeakRateFollowsReads checks that a read of the rate raises the peak,
// so that the peak is never below the rate shown with it, and that it is
// never lowered, with readers racing each other and the sampler.
func TestPeakRateFollowsReads(t *testing.T) {
	m, clock := newManual(t, "http", []string{"req"})
	req := m.MustEvent("req")
	for range ring.N {
		clock.Advance(ring.Tick)
		m.Add(req, 20)
	}
	e := m.Snapshot(monitor.Query{}).Protocols[0].Events[0]
	if e.Rate != 200 || e.PeakRate != 200 {
		t.Fatalf("before any Sample: rate %v peak %v, want 200 200", e.Rate, e.PeakRate)
	}
	clock.Advance(2 * ring.Size * ring.Tick) // the rate falls to 0
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 200 {
				m.Sample()
				if p := m.PeakRate(req); p != 200 {
					t.Errorf("PeakRate = %v after the rate fell, want 200", p)
					return
				}
				if p := m.Snapshot(monitor.Query{}).Protocols[0].Events[0].PeakRate; p != 200 {
					t.Errorf("Snapshot peak = %v after the rate fell, want 200", p)
					return
				}
			}
		})
	}
	wg.Wait()
	if r := m.Rate(req); r != 0 {
		t.Errorf("rate %v, want 0", r)
	}
}

// numbered returns n distinct names: prefix0, prefix1...
func numbered(prefix string, n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = prefix + strconv.Itoa(i)
	}
	return names
}

// The most events and distributions that New accepts make a Monitor.
func TestNewAtTheLimits(t *testing.T) {
	m, err := monitor.New("http", numbered("e", monitor.MaxEvents), monitor.WithManualSampling(),
		monitor.WithDistributions(numbered("d", monitor.MaxDistributions)...))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	c := m.Open("c")
	c.Log(m.MustEvent("e255"))
	c.Close()
	if got := m.Total(m.MustEvent("e255")); got != 1 {
		t.Errorf("total %d, want 1", got)
	}
}
