package keyed_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/hitrate/hitrate/keyed"
	"github.com/hitrate/hitrate/ring"
)

// exactTop returns the k highest values of want, highest first.
func exactTop(want map[uint32]float64, k int) []float64 {
	var v []float64
	for _, x := range want {
		v = append(v, x)
	}
	slices.SortFunc(v, func(a, b float64) int {
		switch {
		case a > b:
			return -1
		case a < b:
			return 1
		}
		return 0
	})
	return v[:min(k, len(v))]
}

// checkTop compares Top(ev, k, by) with the exact answer computed from
// the model: the same values, position by position, each the key's own.
func checkTop(t *testing.T, tb *keyed.Table[string], ms map[uint32]*model, names map[string]uint32, now, k int, by keyed.Order) {
	t.Helper()
	want := map[uint32]float64{}
	for id, m := range ms {
		if by == keyed.ByRate {
			want[id] = m.seed(now)
		} else {
			want[id] = float64(m.total())
		}
	}
	exact := exactTop(want, k)
	got := tb.Top(0, k, by)
	if len(got) != len(exact) {
		t.Fatalf("order %d: Top returned %d rows, want %d", by, len(got), len(exact))
	}
	for i, row := range got {
		id := names[row.Key]
		v := row.Rates[0]
		if by == keyed.ByTotal {
			v = float64(row.Totals[0])
		}
		if v != exact[i] || v != want[id] || row.Totals[0] != ms[id].total() || row.Rates[0] != ms[id].seed(now) {
			t.Fatalf("order %d, row %d: %s with %v (total %d), want %v; its model: rate %v total %d",
				by, i, row.Key, v, row.Totals[0], exact[i], ms[id].seed(now), ms[id].total())
		}
	}
}

func keyName(id uint32) string { return "client-" + string(rune('a'+id%26)) + "-" + itoa(id) }

func itoa(i uint32) string {
	var b [10]byte
	n := len(b)
	for {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
		if i == 0 {
			return string(b[n:])
		}
	}
}

// run counts Zipf-distributed events over ticks into tb and the models.
func run(tb *keyed.Table[string], clk *ring.ManualClock, keys, perTick, ticks int, seed uint64) (map[uint32]*model, map[string]uint32) {
	r := rand.New(rand.NewPCG(seed, 1))
	z := rand.NewZipf(r, 1.2, 1, uint64(keys-1))
	ms := map[uint32]*model{}
	names := map[string]uint32{}
	for tick := range ticks {
		for range perTick {
			id := uint32(z.Uint64())
			k := keyName(id)
			m := ms[id]
			if m == nil {
				m = &model{}
				ms[id] = m
				names[k] = id
			}
			n := 1 + r.Uint64N(2)
			tb.Add(k, 0, n)
			m.add(tick, n)
		}
		clk.Advance(ring.Tick)
	}
	return ms, names
}

// TestTopScanAll checks Top against the exact answer in a table of up to
// ScanAll keys, where Top reads every key.
func TestTopScanAll(t *testing.T) {
	tb, clk := newTable[string](t, keyed.ScanAll, "reqs")
	ms, names := run(tb, clk, 3000, 3000, 14, 1)
	if tb.Len() > keyed.ScanAll || tb.Stats().Evictions != 0 {
		t.Fatalf("%d keys, %d evictions", tb.Len(), tb.Stats().Evictions)
	}
	for _, k := range []int{1, 10, 100, len(ms), len(ms) + 5} {
		checkTop(t, tb, ms, names, 14, k, keyed.ByRate)
		checkTop(t, tb, ms, names, 14, k, keyed.ByTotal)
	}
}

// TestTopCandidates checks the top 10 by rate against the exact answer in
// a table of 50,000 keys under a Zipf stream of 100,000 events per tick,
// where Top reads only the candidates. More than MaxCandidates keys reach
// 8 events in a slot, so candidates are replaced as the stream goes.
func TestTopCandidates(t *testing.T) {
	const keys = 50_000
	tb, clk := newTable[string](t, keys, "reqs")
	ms, names := run(tb, clk, keys, 100_000, 13, 2)
	if tb.Len() <= keyed.ScanAll || tb.Stats().Evictions != 0 {
		t.Fatalf("%d keys, %d evictions: want more than ScanAll and none", tb.Len(), tb.Stats().Evictions)
	}
	// The keys that reached 8 in a slot: more than the candidates.
	hot := 0
	for _, m := range ms {
		for _, n := range m.ticks {
			if n >= 8 {
				hot++
				break
			}
		}
	}
	if hot <= keyed.MaxCandidates {
		t.Fatalf("only %d keys reached 8 events in a slot: the test does not replace candidates", hot)
	}
	checkTop(t, tb, ms, names, 13, 10, keyed.ByRate)
	// ByTotal ranks the candidates (the busiest keys of the last second)
	// by total: exact here because the stream's distribution is steady.
	checkTop(t, tb, ms, names, 13, 10, keyed.ByTotal)
	if got := tb.Top(0, 1000, keyed.ByRate); len(got) > keyed.MaxCandidates {
		t.Fatalf("Top(1000) above ScanAll returned %d rows, over MaxCandidates", len(got))
	}
}

// TestTopQuietTable checks the top 10 in a table of 10,000 keys where
// every key is slow, 1 to 3 events per tick, and 10 keys send 5 to 6:
// above ScanAll, where Top reads the candidates, the 10 are listed with
// their exact rates, although none reaches 80 events per second.
func TestTopQuietTable(t *testing.T) {
	const keys, ticks = 10_000, 12
	tb, clk := newTable[string](t, keys, "reqs")
	r := rand.New(rand.NewPCG(3, 4))
	ms := map[uint32]*model{}
	names := map[string]uint32{}
	for tick := range ticks {
		for _, id := range r.Perm(keys) {
			n := 1 + r.Uint64N(3)
			if id%1000 == 7 {
				n = 5 + r.Uint64N(2)
			}
			k := keyName(uint32(id))
			tb.Add(k, 0, n)
			if ms[uint32(id)] == nil {
				ms[uint32(id)] = &model{}
				names[k] = uint32(id)
			}
			ms[uint32(id)].add(tick, n)
		}
		clk.Advance(ring.Tick)
	}
	checkTop(t, tb, ms, names, ticks, 10, keyed.ByRate)
	for _, row := range tb.Top(0, 10, keyed.ByRate) {
		if names[row.Key]%1000 != 7 {
			t.Fatalf("Top lists %s, not one of the 10 busy keys", row.Key)
		}
	}
}

// TestTopPerEvent checks Top above ScanAll in a table of two events whose
// counts differ in scale, as a proxy's connections and requests do: 300
// keep-alive clients open one connection and send 100 requests a tick,
// and one client opens 20 connections a tick and sends none. The top
// talker by connections is that client (190 a second, against 9.5 for
// each of the others), although the keep-alive clients reach higher counts
// in a slot, of requests: each event has its own candidates.
func TestTopPerEvent(t *testing.T) {
	const keys, ticks, flood = 5000, 12, 4000
	tb, clk := newTable[string](t, 10_000, "conns", "reqs")
	conns, reqs := map[uint32]*model{}, map[uint32]*model{}
	names := map[string]uint32{}
	for tick := range ticks {
		for id := range uint32(keys) {
			k := keyName(id)
			if conns[id] == nil {
				conns[id], reqs[id] = &model{}, &model{}
				names[k] = id
			}
			var c, r uint64 = 1, 0
			switch {
			case id < 300:
				r = 100
			case id == flood:
				c = 20
			}
			tb.Add(k, 0, c)
			conns[id].add(tick, c)
			if r > 0 {
				tb.Add(k, 1, r)
				reqs[id].add(tick, r)
			}
		}
		clk.Advance(ring.Tick)
	}
	if tb.Len() <= keyed.ScanAll {
		t.Fatalf("%d keys: want more than ScanAll", tb.Len())
	}
	for ev, ms := range []map[uint32]*model{conns, reqs} {
		want := map[uint32]float64{}
		for id, m := range ms {
			want[id] = m.seed(ticks)
		}
		const k = 5
		exact := exactTop(want, k)
		got := tb.Top(keyed.Event(ev), k, keyed.ByRate)
		if len(got) != k {
			t.Fatalf("event %d: Top returned %d rows, want %d", ev, len(got), k)
		}
		for i, row := range got {
			if v := row.Rates[ev]; v != exact[i] || v != want[names[row.Key]] {
				t.Fatalf("event %d, row %d: %s with %v, want %v", ev, i, row.Key, v, exact[i])
			}
		}
	}
	if top := tb.Top(0, 1, keyed.ByRate); top[0].Key != keyName(flood) {
		t.Fatalf("Top by connections lists %s first, not %s", top[0].Key, keyName(flood))
	}
}

// TestTopAfterQuietSecond checks the bound of Top above ScanAll when the
// candidates went quiet and nobody called Top since: MaxCandidates keys
// send 1024 events in one tick, then the table is idle for 2 seconds, then
// one key sends 600 events a tick for 3 ticks. The busy key's count in a
// slot is more than twice that of every other key in the last second (0),
// so the first Top lists it first, with its exact rate.
func TestTopAfterQuietSecond(t *testing.T) {
	const keys, burst, busy = keyed.ScanAll + 100, 1024, 600
	tb, clk := newTable[string](t, 10_000, "reqs")
	for id := range uint32(keys) {
		tb.Inc(keyName(id), 0)
	}
	clk.Advance(ring.Tick)
	for id := range uint32(keyed.MaxCandidates) {
		tb.Add(keyName(keyed.MaxCandidates+id), 0, burst) // not the first candidates
	}
	clk.Advance(2 * ring.N * ring.Tick)
	hot := keyName(keys - 1)
	m := &model{}
	for tick := range 3 {
		for range busy {
			tb.Inc(hot, 0)
		}
		m.add(tick, busy)
		clk.Advance(ring.Tick)
	}
	top := tb.Top(0, 1, keyed.ByRate)
	if len(top) != 1 || top[0].Key != hot || top[0].Rates[0] != m.seed(3) {
		t.Fatalf("Top(1) = %v, want %s at %v a second", top, hot, m.seed(3))
	}
}

// TestTopAfterEvictedCandidate is TestTopAfterQuietSecond with candidates
// evicted instead of gone quiet: MaxCandidates keys send 1024 events in
// one tick, a flood of busier keys (in another event) evicts some of them,
// then a new key sends 600 events a tick for 3 ticks. Within the second,
// no other key reaches 1024 events in a slot, so Top(1) lists the new key.
func TestTopAfterEvictedCandidate(t *testing.T) {
	const capacity, burst, busy = keyed.ScanAll + 100, 1024, 600
	tb, clk := newTable[string](t, capacity, "reqs", "conns")
	for id := range uint32(capacity) {
		if id < keyed.MaxCandidates {
			tb.Add(keyName(id), 0, burst)
		} else {
			tb.Add(keyName(id), 1, 5000)
		}
	}
	for id := range uint32(2000) {
		tb.Add(keyName(capacity+id), 1, 1500) // evicts the candidates it samples
	}
	gone := 0
	for id := range uint32(keyed.MaxCandidates) {
		if _, ok := tb.Get(keyName(id)); !ok {
			gone++
		}
	}
	if gone == 0 {
		t.Fatal("no candidate was evicted")
	}
	clk.Advance(ring.Tick)
	hot := keyName(1 << 20)
	m := &model{}
	for tick := 1; tick <= 3; tick++ {
		for range busy {
			tb.Inc(hot, 0)
		}
		m.add(tick, busy)
		clk.Advance(ring.Tick)
	}
	top := tb.Top(0, 1, keyed.ByRate)
	if len(top) != 1 || top[0].Key != hot || top[0].Rates[0] != m.seed(4) {
		t.Fatalf("Top(1) = %v (%d candidates evicted), want %s at %v a second", top, gone, hot, m.seed(4))
	}
}

// TestTopKeepsPeakOfLastSecond checks the bound of Top above ScanAll for a
// candidate whose count drops in the next slot: in tick 0, one key sends
// 1 event, key C 512, and 254 keys 1024 each (the candidates are full);
// in tick 1, C sends 2 events, key X 4 and key Y 8. In tick 2, C's count
// in one slot of the last second (512) is more than twice that of every
// key outside the top 255 others (X's 4), so Top(MaxCandidates) lists C,
// at its exact rate.
func TestTopKeepsPeakOfLastSecond(t *testing.T) {
	tb, clk := newTable[string](t, 10_000, "reqs", "conns")
	for id := range uint32(keyed.ScanAll + 100) {
		tb.Inc(keyName(1<<20+id), 1) // fills the table, not the candidates of reqs
	}
	ms := map[string]*model{}
	add := func(k string, tick int, n uint64) {
		tb.Add(k, 0, n)
		if ms[k] == nil {
			ms[k] = &model{}
		}
		ms[k].add(tick, n)
	}
	add("a", 0, 1)
	add("c", 0, 512)
	for id := range uint32(keyed.MaxCandidates - 2) {
		add(keyName(id), 0, 1024)
	}
	clk.Advance(ring.Tick)
	add("c", 1, 2)
	add("x", 1, 4)
	add("y", 1, 8)
	clk.Advance(ring.Tick)
	got := tb.Top(0, keyed.MaxCandidates, keyed.ByRate)
	for _, row := range got {
		if row.Key == "c" {
			if want := ms["c"].seed(2); row.Rates[0] != want {
				t.Fatalf("c at %v a second, want %v", row.Rates[0], want)
			}
			return
		}
	}
	t.Fatalf("Top(%d) misses c at %v a second; its last rows: %v", keyed.MaxCandidates, ms["c"].seed(2), got[max(len(got)-3, 0):])
}
