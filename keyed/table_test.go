package keyed_test

import (
	"fmt"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/hitrate/hitrate/keyed"
	"github.com/hitrate/hitrate/ring"
)

// addr returns the IPv4 address numbered i.
func addr(i uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i)})
}

// model is an exact model of one key's event: its count per tick.
type model struct{ ticks map[int]uint64 }

func (m *model) add(tick int, n uint64) {
	if m.ticks == nil {
		m.ticks = map[int]uint64{}
	}
	m.ticks[tick] += n
}

func (m *model) total() uint64 {
	var t uint64
	for _, n := range m.ticks {
		t += n
	}
	return t
}

// seed returns the Seed rate at tick now: half the tick N ticks old plus
// the N newer ones, computed from the model.
func (m *model) seed(now int) float64 {
	var newer uint64
	for k := now - ring.N + 1; k <= now; k++ {
		newer += m.ticks[k]
	}
	return 0.5*float64(m.ticks[now-ring.N]) + float64(newer)
}

func newTable[K keyed.Key](t testing.TB, capacity int, events ...string) (*keyed.Table[K], *ring.ManualClock) {
	t.Helper()
	clk := ring.NewManualClock()
	tb, err := keyed.New[K](capacity, events, keyed.WithClock(clk.Clock))
	if err != nil {
		t.Fatal(err)
	}
	return tb, clk
}

func TestNewErrors(t *testing.T) {
	for _, c := range []struct {
		capacity int
		events   []string
		opts     []keyed.Option
		want     string
	}{
		{0, []string{"a"}, nil, "capacity 0"},
		{-1, []string{"a"}, nil, "capacity -1"},
		{keyed.MaxCapacity + 1, []string{"a"}, nil, "capacity"},
		{1, nil, nil, "no events"},
		{1, []string{"a", ""}, nil, "event 1 has an empty name"},
		{1, []string{"a", "b", "a"}, nil, "same name as event 0"},
		{1, []string{"a\x00"}, nil, "control character"},
		{1, []string{strings.Repeat("x", keyed.MaxNameLen+1)}, nil, "over MaxNameLen"},
		{1, make([]string, keyed.MaxEvents+1), nil, "over MaxEvents"},
		{1, []string{"a"}, []keyed.Option{keyed.WithClock(nil)}, "nil clock"},
		{1, []string{"a"}, []keyed.Option{keyed.WithEstimator(9)}, "unknown estimator"},
	} {
		tb, err := keyed.New[string](c.capacity, c.events, c.opts...)
		if err == nil || !strings.Contains(err.Error(), c.want) || tb != nil {
			t.Errorf("New(%d, %q): %v, want an error with %q", c.capacity, c.events, err, c.want)
		}
	}
	if _, err := keyed.New[netip.Addr](1, []string{"a"}, nil); err != nil {
		t.Errorf("a nil Option: %v", err)
	}
}

// TestCountsAndRates checks totals and rates of a few keys against the
// model, across ticks, for both key types and both estimators.
func TestCountsAndRates(t *testing.T) {
	clk := ring.NewManualClock()
	tb, err := keyed.New[netip.Addr](8, []string{"conns", "reqs"}, keyed.WithClock(clk.Clock))
	if err != nil {
		t.Fatal(err)
	}
	ti, err := keyed.New[string](8, []string{"reqs"}, keyed.WithClock(clk.Clock), keyed.WithEstimator(ring.Interpolated))
	if err != nil {
		t.Fatal(err)
	}
	const conns, reqs = keyed.Event(0), keyed.Event(1)
	keys := []netip.Addr{addr(1), addr(2), netip.MustParseAddr("2001:db8::1")}
	ms := make([][2]model, len(keys))
	var user model
	for tick := range 25 {
		for i, k := range keys {
			n := uint64((tick*7 + i*13) % 11)
			tb.Add(k, reqs, n)
			ms[i][1].add(tick, n)
			if tick%3 == i {
				tb.Inc(k, conns)
				ms[i][0].add(tick, 1)
			}
		}
		ti.Add("alice", 0, uint64(tick))
		user.add(tick, uint64(tick))
		for i, k := range keys {
			for ev := range 2 {
				m := &ms[i][ev]
				if got, want := tb.Total(k, keyed.Event(ev)), m.total(); got != want {
					t.Fatalf("tick %d key %v event %d: total %d, want %d", tick, k, ev, got, want)
				}
				if got, want := tb.Rate(k, keyed.Event(ev)), m.seed(tick); got != want {
					t.Fatalf("tick %d key %v event %d: rate %v, want %v", tick, k, ev, got, want)
				}
			}
		}
		// Interpolated at the start of a tick weights the oldest slot 1.
		want := user.seed(tick) + 0.5*float64(user.ticks[tick-ring.N])
		if got := ti.Rate("alice", 0); got != want || ti.Total("alice", 0) != user.total() {
			t.Fatalf("tick %d: interpolated rate %v total %d, want %v and %d", tick, got, ti.Total("alice", 0), want, user.total())
		}
		clk.Advance(ring.Tick)
	}
	row, ok := tb.Get(keys[0])
	if !ok || row.Key != keys[0] || len(row.Totals) != 2 || row.Totals[1] != ms[0][1].total() || row.Rates[1] != ms[0][1].seed(25) {
		t.Fatalf("Get: %+v %v", row, ok)
	}
	if _, ok := tb.Get(addr(99)); ok {
		t.Fatal("Get of an absent key: ok")
	}
	if got := tb.Events(); len(got) != 2 || got[0] != "conns" || got[1] != "reqs" {
		t.Fatalf("Events: %q", got)
	}
	s := tb.Stats()
	var wantReqs uint64
	for i := range ms {
		wantReqs += ms[i][1].total()
	}
	if s.Len != 3 || s.Cap != 8 || s.Evictions != 0 || s.Refused != 0 || s.Totals[1] != wantReqs {
		t.Fatalf("Stats: %+v, want reqs %d", s, wantReqs)
	}
}

// TestBadInput checks that invalid keys and events are refused, counted
// in Refused, and (for invalid keys) in the table-wide totals.
func TestBadInput(t *testing.T) {
	ts, _ := newTable[string](t, 4, "reqs")
	long := strings.Repeat("k", keyed.MaxKeyLen+1)
	ts.Inc("", 0)
	ts.Add(long, 0, 2)
	ts.Inc(long[:keyed.MaxKeyLen], 0) // the longest valid key
	ts.Add("ok", 5, 4)                // no such event
	ts.Add("ok", -1, 8)               // no such event
	ts.Add("zero", 0, 0)              // inserts nothing
	if s := ts.Stats(); s.Refused != 15 || s.Totals[0] != 4 || s.Len != 1 {
		t.Fatalf("Stats %+v, want Refused 15, Totals [4], Len 1", s)
	}
	if ts.Total("", 0) != 0 || ts.Rate(long, 0) != 0 || ts.Total(long[:keyed.MaxKeyLen], 0) != 1 {
		t.Fatal("a refused key has numbers, or the longest valid key has none")
	}
	if ts.Rate("ok", 5) != 0 || ts.Total("ok", -1) != 0 || ts.Top(3, 10, keyed.ByRate) != nil || ts.Top(0, 0, keyed.ByRate) != nil {
		t.Fatal("an invalid event read as something")
	}
	ta, _ := newTable[netip.Addr](t, 4, "conns")
	ta.Inc(netip.Addr{}, 0)
	if s := ta.Stats(); s.Refused != 1 || s.Totals[0] != 1 || s.Len != 0 {
		t.Fatalf("zero Addr: Stats %+v", s)
	}
}

// TestConcurrentExact counts (Inc, Add, AddRate) from several goroutines on resident keys
// while the clock advances and readers read: every total is exact, per
// key and table-wide.
func TestConcurrentExact(t *testing.T) {
	const keys, workers, per = 64, 4, 64 * 312
	tb, clk := newTable[netip.Addr](t, keys, "conns", "reqs")
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var rd sync.WaitGroup
	rd.Add(1)
	go func() { // the rotator and a reader
		defer rd.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			clk.Advance(ring.Tick / 3)
			_ = tb.Rate(addr(1), 1)
			_ = tb.Top(1, 5, keyed.ByRate)
			runtime.Gosched()
		}
	}()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				k := addr(uint32((i + w) % keys))
				tb.Inc(k, 1)
				if i%4 == 0 {
					if w%2 == 0 {
						tb.Add(k, 0, 3)
					} else {
						_ = tb.AddRate(k, 0, 3) // its rate depends on the rotator's pace
					}
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	rd.Wait()
	var sum [2]uint64
	for k := range keys {
		for ev := range 2 {
			sum[ev] += tb.Total(addr(uint32(k)), keyed.Event(ev))
		}
	}
	want := [2]uint64{workers * per / 4 * 3, workers * per}
	if sum != want {
		t.Fatalf("sum of per-key totals %v, want %v", sum, want)
	}
	// Each worker adds per/keys events to every key.
	if got := tb.Total(addr(5), 1); got != workers*per/keys {
		t.Fatalf("one key: %d, want %d", got, workers*per/keys)
	}
	if s := tb.Stats(); s.Totals[0] != want[0] || s.Totals[1] != want[1] || s.Evictions != 0 {
		t.Fatalf("Stats %+v, want totals %v", s, want)
	}
}

// TestEvictionKeepsTableTotals floods a small table with new keys from
// several goroutines: the table-wide totals count every event, the table
// holds its capacity, and the evictions are counted exactly.
func TestEvictionKeepsTableTotals(t *testing.T) {
	const capacity, workers, per = 100, 4, 5000
	tb, clk := newTable[string](t, capacity, "reqs")
	// A hot key, counted by its own goroutine through the churn (and the
	// index rebuilds it causes), keeps its exact total.
	const hotN = 50_000
	tb.Add("hot", 0, 1000)
	clk.Advance(ring.Tick)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range hotN {
			tb.Inc("hot", 0)
		}
	}()
	// A reader of the hot key never misses it, although evictions move
	// keys in the index under its probes.
	misses := 0
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range hotN {
			if tb.Total("hot", 0) < 1000 || tb.Rate("hot", 0) < 1000 {
				misses++
			}
		}
	}()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				tb.Add(fmt.Sprintf("w%d-%d", w, i), 0, 2)
			}
		}()
	}
	wg.Wait()
	s := tb.Stats()
	if s.Totals[0] != 2*workers*per+1000+hotN || s.Len != capacity || s.Evictions != workers*per+1-capacity {
		t.Fatalf("Stats %+v, want total %d, Len %d, Evictions %d", s, 2*workers*per+1000+hotN, capacity, workers*per+1-capacity)
	}
	if misses != 0 {
		t.Fatalf("the hot key read as absent %d times", misses)
	}
	if got := tb.Total("hot", 0); got != 1000+hotN {
		t.Fatalf("the hot key's total is %d, want %d", got, 1000+hotN)
	}
}

// TestReturningKeyStartsFromZero evicts a key and brings it back.
func TestReturningKeyStartsFromZero(t *testing.T) {
	tb, clk := newTable[string](t, 2, "reqs")
	tb.Add("cold", 0, 5)
	clk.Advance(2 * ring.Tick)
	tb.Add("hot", 0, 50)
	tb.Add("new", 0, 1) // full: evicts cold, the less active of the two
	if tb.Total("cold", 0) != 0 || tb.Rate("cold", 0) != 0 {
		t.Fatal("cold is still resident")
	}
	if tb.Total("hot", 0) != 50 || tb.Total("new", 0) != 1 {
		t.Fatalf("hot %d new %d, want 50 and 1", tb.Total("hot", 0), tb.Total("new", 0))
	}
	clk.Advance(2 * ring.Tick)
	tb.Add("cold", 0, 3) // back, evicting new (1 event, vs hot's 50)
	if got := tb.Total("cold", 0); got != 3 {
		t.Fatalf("the returning key's total is %d, want 3: it starts from zero", got)
	}
	if got := tb.Rate("cold", 0); got != 3 {
		t.Fatalf("the returning key's rate is %v, want 3", got)
	}
	if s := tb.Stats(); s.Evictions != 2 || s.Totals[0] != 59 || s.Len != 2 {
		t.Fatalf("Stats %+v", s)
	}
}

// TestFloodKeepsHotKey sends 1000 events per second from one key among
// a million keys of one event each (100k under the race detector), into a
// table of 1000: the hot key keeps its exact total and rate, the table
// holds its capacity in keys and in memory, and shows every eviction.
func TestFloodKeepsHotKey(t *testing.T) {
	cold := 1_000_000
	if raceEnabled || testing.Short() {
		cold = 100_000
	}
	const capacity, ticks, hotPerTick = 1000, 20, 100 // the flood lasts 2 s
	tb, clk := newTable[netip.Addr](t, capacity, "conns", "reqs")
	hot := netip.MustParseAddr("2001:db8::cafe")
	var hm model
	// Fill the table, then measure its memory.
	for i := range capacity {
		tb.Inc(addr(uint32(i)), 1)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	// The hot key runs for a second before the flood: a key that just
	// arrived has no more events than the flood's keys, and is as likely
	// to be evicted as they are.
	for tick := range ring.N {
		tb.Add(hot, 1, hotPerTick)
		hm.add(tick, hotPerTick)
		clk.Advance(ring.Tick)
	}
	next := uint32(capacity)
	for tick := ring.N; tick < ring.N+ticks; tick++ {
		for i := range cold / ticks {
			if i%(cold/ticks/hotPerTick) == 0 {
				tb.Inc(hot, 1)
				hm.add(tick, 1)
			}
			tb.Inc(addr(next), 1)
			next++
		}
		if got, want := tb.Rate(hot, 1), hm.seed(tick); got != want {
			t.Fatalf("tick %d: hot rate %v, want %v", tick, got, want)
		}
		clk.Advance(ring.Tick)
	}
	if got, want := tb.Total(hot, 1), hm.total(); got != want || want != (ring.N+ticks)*hotPerTick {
		t.Fatalf("hot total %d, want %d", got, want)
	}
	if got, want := tb.Rate(hot, 1), hm.seed(ring.N+ticks); got != want || want != 950 { // the Seed rate one tick after the last event
		t.Fatalf("hot rate %v, want %v", got, want)
	}
	s := tb.Stats()
	inserted := uint64(capacity + cold + 1)
	if s.Len != capacity || s.Evictions != inserted-capacity || s.Totals[1] != uint64(capacity+cold+(ring.N+ticks)*hotPerTick) {
		t.Fatalf("Stats %+v, want Len %d, Evictions %d", s, capacity, inserted-capacity)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > 256<<10 {
		t.Fatalf("the heap grew by %d bytes during the flood", grew)
	}
	top := tb.Top(1, 1, keyed.ByRate)
	if len(top) != 1 || top[0].Key != hot {
		t.Fatalf("Top: %+v, want the hot key", top)
	}
	runtime.KeepAlive(tb)
}

// TestMemoryPerKey measures the heap that a Table holds per resident key,
// with 4 events and with 2, and checks it against the arithmetic of the
// package documentation: for 50,000 keys, the index has 131,072 slots of
// 16 bytes (42 bytes per key), the dense list 8 bytes per key, and each
// key one allocation of its entry (64 bytes) and cells (96 each): 448 or
// 256 bytes. So 498 and 306 bytes, plus a few for the rest of the Table.
func TestMemoryPerKey(t *testing.T) {
	const n = 50_000
	for _, c := range []struct {
		events int
		max    float64
	}{{4, 500}, {2, 308}} {
		names := []string{"a", "b", "c", "d"}[:c.events]
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		tb, _ := newTable[netip.Addr](t, n, names...)
		for i := range n {
			tb.Inc(addr(uint32(i)), 0)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		per := float64(after.HeapAlloc-before.HeapAlloc) / n
		t.Logf("%d events: %.0f bytes per key, everything included", c.events, per)
		if per > c.max {
			t.Errorf("%d events: %.0f bytes per key, over %.0f", c.events, per, c.max)
		}
		runtime.KeepAlive(tb)
	}
}

// TestEvictionSparesBusyKeys holds the eviction bound of New: a key among
// the busiest fraction q of resident keys is evicted by an insertion with
// probability at most q^8. Here q = 5%: 50 busy keys among 1000, then
// 200,000 new keys of one event each; the expected number of busy keys
// evicted is 200,000 x 0.05^8 = 8e-6, so none may go, and each keeps its
// exact total.
func TestEvictionSparesBusyKeys(t *testing.T) {
	const capacity, busy, flood = 1000, 50, 200_000
	tb, clk := newTable[netip.Addr](t, capacity, "reqs")
	for i := range capacity {
		n := uint64(1)
		if i < busy {
			n = 50
		}
		tb.Add(addr(uint32(i)), 0, n)
	}
	clk.Advance(ring.Tick)
	for i := range flood {
		tb.Inc(addr(uint32(capacity+i)), 0)
	}
	for i := range busy {
		if got := tb.Total(addr(uint32(i)), 0); got != 50 {
			t.Fatalf("busy key %d: total %d, want 50 (evicted?)", i, got)
		}
	}
	if s := tb.Stats(); s.Evictions != flood || s.Len != capacity {
		t.Fatalf("Stats %+v, want %d evictions", s, flood)
	}
}

// TestAddrKeys checks that address keys compare as netip.Addr's ==: an
// IPv4 address and its IPv4-mapped IPv6 form are two keys, and so are one
// address in two zones; one zone parsed twice is one key.
func TestAddrKeys(t *testing.T) {
	tb, _ := newTable[netip.Addr](t, 8, "conns")
	for _, s := range []string{"192.0.2.1", "::ffff:192.0.2.1", "::ffff:192.0.2.1", "fe80::1%eth0", "fe80::1%eth1", "fe80::1%eth0", "fe80::1"} {
		tb.Inc(netip.MustParseAddr(s), 0)
	}
	want := map[string]uint64{"192.0.2.1": 1, "::ffff:192.0.2.1": 2, "fe80::1%eth0": 2, "fe80::1%eth1": 1, "fe80::1": 1}
	if tb.Len() != len(want) {
		t.Fatalf("%d keys, want %d", tb.Len(), len(want))
	}
	for s, n := range want {
		if got := tb.Total(netip.MustParseAddr(s), 0); got != n {
			t.Errorf("%s: total %d, want %d", s, got, n)
		}
	}
}
