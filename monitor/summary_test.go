package monitor_test

import (
	"bytes"
	"log/slog"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/ring"
)

// hookLog collects the summaries a close hook receives.
type hookLog struct {
	mu sync.Mutex
	s  []monitor.ConnSummary
}

func (h *hookLog) hook(s monitor.ConnSummary) {
	h.mu.Lock()
	h.s = append(h.s, s)
	h.mu.Unlock()
}

func (h *hookLog) all() []monitor.ConnSummary {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]monitor.ConnSummary(nil), h.s...)
}

func TestCloseHook(t *testing.T) {
	var h hookLog
	m, clock := newManual(t, "http", []string{"req", "bytes", "err"}, monitor.WithCloseHook(h.hook))
	req, bytesEv := m.MustEvent("req"), m.MustEvent("bytes")

	clock.Advance(3 * time.Second) // the monitor's age must not matter
	a := m.Open("10.0.0.1:1")
	b := m.Open("10.0.0.2:2")
	a.Add(req, 3)
	a.Add(bytesEv, 1500)
	m.Add(req, 100) // outside any connection
	b.Log(req)
	clock.Advance(1500 * time.Millisecond)
	clock.Stall(20 * time.Millisecond) // Duration reads the clock's time, not its epoch
	if got := h.all(); len(got) != 0 {
		t.Fatalf("hook called before any Close: %+v", got)
	}
	before := time.Now()
	a.Close()
	after := time.Now()
	a.Close()      // idempotent: no second summary
	a.Add(req, 50) // after Close: the protocol only
	monitor.Conn{}.Close()

	got := h.all()
	if len(got) != 1 {
		t.Fatalf("%d summaries after one Close, want 1: %+v", len(got), got)
	}
	s := got[0]
	const d = 1520 * time.Millisecond
	if s.Opened.Before(before.Add(-d)) || s.Opened.After(after.Add(-d)) {
		t.Errorf("Opened = %v, want between %v and %v", s.Opened, before.Add(-d), after.Add(-d))
	}
	s.Opened = time.Time{}
	want := monitor.ConnSummary{
		Protocol: "http",
		ID:       a.ID(),
		Name:     "10.0.0.1:1",
		Duration: d,
		Events:   []monitor.EventTotal{{Name: "req", Total: 3}, {Name: "bytes", Total: 1500}, {Name: "err", Total: 0}},
	}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("summary = %+v\nwant      %+v", s, want)
	}
	if s.Total("bytes") != 1500 || s.Total("nope") != 0 {
		t.Errorf("Total(bytes) = %d, Total(nope) = %d", s.Total("bytes"), s.Total("nope"))
	}
	if p := m.Snapshot(monitor.Query{Conns: true}).Protocols[0]; len(p.Open) != 1 || p.Open[0].ID != b.ID() || p.Events[0].Total != 154 {
		t.Errorf("after Close: open %+v, events %+v", p.Open, p.Events)
	}

	b.Close()
	got = h.all()
	if len(got) != 2 || got[1].ID != b.ID() || got[1].Total("req") != 1 || got[1].Duration != d {
		t.Errorf("second summary = %+v", got[1:])
	}
	// Each summary has its own Events.
	if got[0].Total("req") != 3 {
		t.Errorf("first summary changed: %+v", got[0])
	}
}

// TestCloseHookSeesNoRegistry checks that the hook runs after the
// connection has left the list of open connections.
func TestCloseHookSeesNoRegistry(t *testing.T) {
	var m *monitor.Monitor
	var open []monitor.ConnInfo
	var current int64
	m, _ = newManual(t, "http", []string{"req"}, monitor.WithCloseHook(func(monitor.ConnSummary) {
		p := m.Snapshot(monitor.Query{Conns: true}).Protocols[0]
		open, current = p.Open, p.Conns.Current
	}))
	c := m.Open("a")
	c.Close()
	if len(open) != 0 || current != 0 {
		t.Errorf("the hook saw %d open (listed %+v)", current, open)
	}
}

// TestCloseHookExact opens connections from many goroutines; on each,
// several writers log events and stop, then the connection closes: every
// summary holds exactly the events logged on it.
func TestCloseHookExact(t *testing.T) {
	var sums sync.Map // id -> ConnSummary
	var calls atomic.Int64
	m, clock := newManual(t, "http", []string{"req", "bytes"}, monitor.WithCloseHook(func(s monitor.ConnSummary) {
		calls.Add(1)
		if _, dup := sums.LoadOrStore(s.ID, s); dup {
			t.Errorf("second summary for conn %d", s.ID)
		}
	}))
	req, bytesEv := m.MustEvent("req"), m.MustEvent("bytes")
	const (
		workers = 4
		rounds  = 50
		writers = 3
		perW    = 200
	)
	stop := make(chan struct{})
	rotated := make(chan struct{})
	go func() { // the rotator
		defer close(rotated)
		for {
			select {
			case <-stop:
				return
			default:
				clock.Advance(ring.Tick / 3)
			}
		}
	}()
	type want struct{ req, bytes uint64 }
	var wants sync.Map // id -> want
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for r := range rounds {
				c := m.Open("conn")
				var ww sync.WaitGroup
				for k := range writers {
					ww.Go(func() {
						for i := range perW {
							c.Log(req)
							c.Add(bytesEv, uint64(w+r+k+i))
						}
					})
				}
				ww.Wait()
				var b uint64
				for k := range writers {
					for i := range perW {
						b += uint64(w + r + k + i)
					}
				}
				wants.Store(c.ID(), want{writers * perW, b})
				c.Close()
			}
		})
	}
	wg.Wait()
	close(stop)
	<-rotated

	if n := calls.Load(); n != workers*rounds {
		t.Fatalf("%d summaries, want %d", n, workers*rounds)
	}
	var sumReq, sumBytes uint64
	wants.Range(func(id, v any) bool {
		w := v.(want)
		s, ok := sums.Load(id)
		if !ok {
			t.Errorf("no summary for conn %d", id)
			return true
		}
		got := s.(monitor.ConnSummary)
		if got.Total("req") != w.req || got.Total("bytes") != w.bytes {
			t.Errorf("conn %d: summary req %d bytes %d, want %d %d", id, got.Total("req"), got.Total("bytes"), w.req, w.bytes)
		}
		sumReq += w.req
		sumBytes += w.bytes
		return true
	})
	if m.Total(req) != sumReq || m.Total(bytesEv) != sumBytes {
		t.Errorf("protocol totals %d %d, want %d %d", m.Total(req), m.Total(bytesEv), sumReq, sumBytes)
	}
}

// TestCloseHookRacingWriters closes a connection, from several goroutines
// at once, while writers keep logging on it. What holds: one summary; it
// holds every event whose Log returned before Close was called, and no
// more events than were logged on the handle; the protocol counts them
// all.
func TestCloseHookRacingWriters(t *testing.T) {
	for range 20 {
		var h hookLog
		m, _ := newManual(t, "http", []string{"req"}, monitor.WithCloseHook(h.hook))
		req := m.MustEvent("req")
		c := m.Open("racy")
		var logged atomic.Uint64 // Log calls that have returned
		var stop atomic.Bool
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for !stop.Load() {
					c.Log(req)
					logged.Add(1)
				}
			})
		}
		for logged.Load() < 1000 {
			time.Sleep(time.Microsecond) // let the writers get going
		}
		returned := logged.Load() // each of these returned before Close was called
		var closers sync.WaitGroup
		for range 3 {
			closers.Go(c.Close)
		}
		closers.Wait()
		for n := logged.Load(); logged.Load() < n+1000; {
			time.Sleep(time.Microsecond) // and keep logging after it
		}
		stop.Store(true)
		wg.Wait()

		got := h.all()
		if len(got) != 1 {
			t.Fatalf("%d summaries, want 1", len(got))
		}
		all := logged.Load()
		if s := got[0].Total("req"); s < returned || s > all {
			t.Fatalf("summary total %d, want in [%d, %d]", s, returned, all)
		}
		if m.Total(req) != all {
			t.Fatalf("protocol total %d, want %d", m.Total(req), all)
		}
	}
}

func TestCloseHookAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops objects at random under the race detector")
	}
	nilHook, _ := newManual(t, "http", []string{"a", "b", "c", "d"}, monitor.WithCloseHook(nil))
	if n := testing.AllocsPerRun(1000, func() { nilHook.Open("10.0.0.2:2").Close() }); n > 1 {
		t.Errorf("Open+Close with a nil hook: %v allocs, want <= 1, as without a hook", n)
	}
	var calls int
	hooked, _ := newManual(t, "http", []string{"a", "b", "c", "d"}, monitor.WithCloseHook(func(monitor.ConnSummary) { calls++ }))
	if n := testing.AllocsPerRun(1000, func() { hooked.Open("10.0.0.2:2").Close() }); n > 2 {
		t.Errorf("Open+Close with a hook: %v allocs, want <= 2 (the registry entry, the summary's Events)", n)
	}
	if calls != 1001 { // AllocsPerRun runs the function once more to warm up
		t.Errorf("hook called %d times, want 1001", calls)
	}
}

func TestConnSummaryLogValue(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey && len(groups) == 0 {
				return slog.Attr{}
			}
			return a
		},
	}))
	s := monitor.ConnSummary{
		Protocol: "http",
		ID:       7,
		Name:     "10.0.0.1:1",
		Opened:   time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
		Duration: 1500 * time.Millisecond,
		Events:   []monitor.EventTotal{{Name: "req", Total: 3}, {Name: "bytes in", Total: 1500}},
	}
	logger.Info("conn closed", "conn", s)
	want := `level=INFO msg="conn closed" conn.protocol=http conn.id=7 conn.name=10.0.0.1:1 conn.opened=2025-01-02T03:04:05.000Z conn.duration=1.5s conn.events.req=3 "conn.events.bytes in"=1500` + "\n"
	if buf.String() != want {
		t.Errorf("log line:\n%s\nwant\n%s", buf.String(), want)
	}
}
