package keyed

import (
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"net/netip"
	"slices"
	"sync/atomic"
	"testing"
	"unsafe"

	"github.com/hitrate/hitrate/internal/fold"
	"github.com/hitrate/hitrate/ring"
)

// TestEntrySize checks the arithmetic of the package documentation: the
// entry of a netip.Addr key is one 64-byte line, so that with 2 events
// the entry and its cells are 256 bytes, a size class of their own.
func TestEntrySize(t *testing.T) {
	if s := unsafe.Sizeof(entry[netip.Addr]{}); s != 64 {
		t.Errorf("entry[netip.Addr] is %d bytes, want 64", s)
	}
	if s := unsafe.Sizeof(entry[string]{}); s != 56 {
		t.Errorf("entry[string] is %d bytes, want 56", s)
	}
	tb, err := New[netip.Addr](1, []string{"a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	if s := tb.etype.Size(); s != 256 {
		t.Errorf("an entry with 2 cells is %d bytes, want 256", s)
	}
	// The words that lookups load ahead of the key compare (Add's slot
	// word, Rate's first and last word of the cell) lie in the entry.
	for _, n := range []int{1, 2, MaxEvents} {
		names := make([]string, n)
		for i := range names {
			names[i] = fmt.Sprint("e", i)
		}
		tb, err := New[netip.Addr](1, names)
		if err != nil {
			t.Fatal(err)
		}
		size := tb.etype.Size()
		for ev := range n {
			first := tb.off + uintptr(ev)*cellSize
			if last := first + cellSize - 8; last+8 > size || first < unsafe.Sizeof(entry[netip.Addr]{}) {
				t.Errorf("%d events: the cell of event %d, at %d..%d, is outside the cells of an entry of %d bytes", n, ev, first, last+8, size)
			}
			for slot := range uintptr(fold.Size) {
				if w := first + slot*8; w+8 > first+cellSize {
					t.Errorf("%d events: the word of slot %d of event %d is past its cell", n, slot, ev)
				}
			}
		}
	}
}

// TestIndexRemove checks the index against a map through random puts and
// removes on a small index with clustered hashes (homes in 4 of 16 slots,
// around the end, so that chains wrap), so that deletions shift chains back.
func TestIndexRemove(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	ix := newIndex[string](8) // 16 slots
	in := map[string]*entry[string]{}
	homes := []uint64{13, 15, 1, 3} // in the top 4 bits: the home slot
	for step := range 20000 {
		k := fmt.Sprintf("k%d", r.IntN(12))
		if e, ok := in[k]; ok {
			ix.remove(e)
			delete(in, k)
		} else if len(in) < 8 {
			h := homes[r.IntN(len(homes))]<<60 | uint64(r.IntN(1<<20))<<1 | 1 // odd, as hashes are
			e := &entry[string]{key: k, hash: h}
			ix.put(e)
			in[k] = e
		}
		if ix.live != len(in) {
			t.Fatalf("step %d: live %d, want %d", step, ix.live, len(in))
		}
		for i := range 12 {
			k := fmt.Sprintf("k%d", i)
			e := in[k]
			var h uint64 = 1
			if e != nil {
				h = e.hash
			}
			if got := ix.find(k, h); got != e {
				t.Fatalf("step %d: find(%s) = %p, want %p", step, k, got, e)
			}
		}
		for i := range ix.slots {
			if x := ix.slots[i].hash.Load(); x == tomb {
				t.Fatalf("step %d: slot %d left tomb", step, i)
			}
		}
	}
	if s := ix.seq.Load(); s%2 != 0 || s == 0 {
		t.Fatalf("seq %d after removes, want even and not 0", s)
	}
	// A miss is sure only if no deletion overlapped it.
	ix.seq.Add(1) // a deletion in progress
	if _, ok := ix.get("absent", 1<<8|3, 0, 0); ok {
		t.Fatal("get called a miss during a deletion sure")
	}
	ix.seq.Add(1)
	if e, ok := ix.get("absent", 1<<8|3, 0, 0); !ok || e != nil {
		t.Fatalf("get of an absent key: %p %v, want nil and sure", e, ok)
	}
}

// TestIndexGetDuringRemoves reads a key while a writer removes the keys
// ahead of it in its cluster, which moves it back under the reader's
// probes, then takes it out and puts the cluster back, over and over. A
// get that ran while the key was present throughout (the writer's count
// even and unchanged) must find it; find alone may not (logged: how
// often depends on the scheduling).
func TestIndexGetDuringRemoves(t *testing.T) {
	ix := newIndex[string](8) // 16 slots
	const home = 13
	x := &entry[string]{key: "x", hash: home<<60 | 1<<8 | 1}
	ahead := make([]*entry[string], 4)
	for i := range ahead {
		ahead[i] = &entry[string]{key: fmt.Sprint(i), hash: home<<60 | uint64(i+2)<<8 | 1}
	}
	var absent atomic.Uint64 // odd while x is out
	fill := func() {
		for _, e := range ahead {
			ix.put(e)
		}
		ix.put(x) // behind them, 4 slots from its home, wrapping
	}
	fill()
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { // the writer, alone, as under Table.mu
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			for _, e := range ahead {
				ix.remove(e) // x moves back a slot
			}
			absent.Add(1)
			ix.remove(x)
			fill()
			absent.Add(1)
		}
	}()
	misses, rawMisses, checked := 0, 0, 0
	for range 300_000 {
		c := absent.Load()
		e, ok := ix.get("x", x.hash, 0, 0)
		raw := ix.find("x", x.hash)
		if c%2 == 1 || absent.Load() != c {
			continue
		}
		checked++
		if ok && e != x {
			misses++
		}
		if raw != x {
			rawMisses++
		}
	}
	close(stop)
	<-done
	t.Logf("%d reads while x was present: find alone missed it %d times, get %d", checked, rawMisses, misses)
	if misses != 0 {
		t.Fatalf("get reported the key absent %d times while it was present", misses)
	}
}

// TestHashAddrSpread hashes structured address sets, as a scan or a
// /64 of IPv6 makes them (consecutive IPv4 addresses, IPv6 addresses
// differing in their low or high bytes only), into the home slots of an
// index of 2^18 slots: no home may get more than 12 of 100,000 keys (a
// uniform hash gives at most 8 or 9, with a probability of 12 or more
// below 1e-6 per set), and no two keys of a set may share a hash.
func TestHashAddrSpread(t *testing.T) {
	seeds := [4]uint64{rand.Uint64(), rand.Uint64(), rand.Uint64(), rand.Uint64()}
	const n, bits = 100_000, 18
	sets := map[string]func(i int) netip.Addr{
		"ipv4": func(i int) netip.Addr { return netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}) },
		"ipv6 low": func(i int) netip.Addr {
			return netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 13: byte(i >> 16), 14: byte(i >> 8), 15: byte(i)})
		},
		"ipv6 high": func(i int) netip.Addr {
			return netip.AddrFrom16([16]byte{0x20, 0x01, byte(i >> 16), byte(i >> 8), byte(i), 15: 1})
		},
		"ipv4 in ipv6": func(i int) netip.Addr {
			return netip.AddrFrom16(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}).As16())
		},
	}
	for name, f := range sets {
		homes := make([]uint8, 1<<bits)
		seen := make(map[uint64]bool, n)
		for i := range n {
			h := hashAddr(f(i), &seeds)
			if seen[h] {
				t.Fatalf("%s: key %d shares a hash", name, i)
			}
			seen[h] = true
			homes[h>>(64-bits)]++
		}
		if m := slices.Max(homes); m > 12 {
			t.Errorf("%s: a home slot has %d keys, over 12", name, m)
		}
	}
	a := netip.MustParseAddr("192.0.2.1")
	if hashAddr(a, &seeds) == hashAddr(netip.AddrFrom16(a.As16()), &seeds) {
		t.Error("an IPv4 address and its IPv4-mapped IPv6 form share a hash")
	}
	other := seeds
	other[0]++
	if hashAddr(a, &seeds) == hashAddr(a, &other) {
		t.Error("the hash does not depend on the seeds")
	}
}

// BenchmarkHashAddr compares hashAddr with maphash.Comparable, which the
// Table used before, on an IPv4 address.
func BenchmarkHashAddr(b *testing.B) {
	a := netip.MustParseAddr("192.0.2.1")
	var sink uint64
	b.Run("hashAddr", func(b *testing.B) {
		s := [4]uint64{1, 2, 3, 4}
		for b.Loop() {
			sink += hashAddr(a, &s)
		}
	})
	b.Run("maphash", func(b *testing.B) {
		s := maphash.MakeSeed()
		for b.Loop() {
			sink += maphash.Comparable(s, a)
		}
	})
	_ = sink
}

// TestIndexProbeLength fills a Table to its capacity and measures how far
// each key sits from its home slot in the index: linear probing at a load
// of one half displaces a key by 0.5 slots on average (Knuth: a
// successful search takes (1 + 1/(1-a))/2 probes at load a), here 0.49 to
// 0.51 over runs, so the mean must stay under 0.58. Homes taken from the
// low bits of the hash, whose lowest bit is always set, used only the odd
// slots and displaced keys by 0.66 to 0.69 slots.
func TestIndexProbeLength(t *testing.T) {
	const n = 1 << 15 // 65536 slots: a load of 0.5
	tb, err := New[netip.Addr](n, []string{"a"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		tb.Inc(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), 0)
	}
	ix := tb.idx
	total, live := uint64(0), 0
	for i := range ix.slots {
		if h := ix.slots[i].hash.Load(); h != 0 {
			total += (uint64(i) - ix.home(h)) & ix.mask
			live++
		}
	}
	mean := float64(total) / float64(live)
	t.Logf("%d keys in %d slots: %.2f slots from home on average", live, len(ix.slots), mean)
	if live != n || mean >= 0.58 {
		t.Fatalf("%d keys, %.2f slots from home on average, want %d and under 0.58", live, mean, n)
	}
}

// TestCandLevel checks a candidate's level against a model: the highest
// level offered in the epochs of the last second, offers coming in epoch
// order or from writers up to 3 epochs late, with gaps of up to 15 epochs,
// and the epochs until it drops against the model's next epochs.
func TestCandLevel(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	offers := map[uint32]uint8{} // the model: the highest level per epoch
	want := func(ep uint32) uint8 {
		var l uint8
		for k := ep - (fold.Size - 1); k != ep+1; k++ {
			l = max(l, offers[k])
		}
		return l
	}
	e := &entry[string]{}
	ep := uint32(1<<32 - 50) // crosses the wrap of the low bits
	x := cand[string]{e: e, lepoch: ep, levels: [fold.Size]uint8{3}}
	offers[ep] = 3
	for range 20_000 {
		if r.IntN(3) == 0 {
			ep += uint32(r.IntN(16))
		}
		oe := ep - uint32(r.IntN(4)) // a late writer's epoch
		if int32(oe-x.lepoch) < -int32(fold.Size-1) {
			oe = ep // too late to count in the window: not the case tested
		}
		l := uint8(1 + r.IntN(20))
		x.note(oe, l)
		offers[oe] = max(offers[oe], l)
		at := max(ep, x.lepoch) // readers read at their epoch, not before an offer's
		got, left := x.level(at)
		if w := want(at); got != w {
			t.Fatalf("epoch %d: level %d, want %d", at, got, w)
		}
		if got == 0 {
			continue
		}
		for d := uint32(1); d < left; d++ {
			if want(at+d) < got {
				t.Fatalf("epoch %d: level %d drops at +%d, before the +%d said", at, got, d, left)
			}
		}
		if want(at+left) >= got {
			t.Fatalf("epoch %d: level %d does not drop at +%d", at, got, left)
		}
	}
}

// TestHugeAddBar checks the bar of offers after counts that no slot can
// hold: an Add of n >= 2^36 is offered at the level of the largest slot
// count, not bits.Len64(n), so that a list of such candidates keeps a bar
// that no count passes (2^36) instead of 1<<64 = 0, which had every count
// of every key take the offer path (a compare-and-swap on the list's
// flag) for a second.
func TestHugeAddBar(t *testing.T) {
	tb, err := New[string](ScanAll+MaxCandidates, []string{"reqs"})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []uint64{1 << 40, 1 << 63, 1<<64 - 1} {
		for i := range MaxCandidates {
			tb.Add(fmt.Sprint("huge-", n, "-", i), 0, n)
		}
		if bar := tb.cands[0].bar.Load(); bar == 0 || bar > 1<<fold.CountBits {
			t.Errorf("after %d adds of %d: bar %d, want 1 to 2^%d", MaxCandidates, n, bar, fold.CountBits)
		}
	}
}

// candTable returns a Table of capacity keys counting one event, whose
// full list of candidates holds the keys "c0" to "c255" (in that order),
// each at 1024 events in the slot of the clock's epoch (level 11): a bar
// of 2^11.
func candTable(t *testing.T, capacity int) (*Table[string], *ring.ManualClock) {
	t.Helper()
	clk := ring.NewManualClock()
	tb, err := New[string](capacity, []string{"reqs"}, WithClock(clk.Clock))
	if err != nil {
		t.Fatal(err)
	}
	for i := range MaxCandidates {
		tb.Add(fmt.Sprint("c", i), 0, 1024)
	}
	if bar := tb.cands[0].bar.Load(); bar != 1<<11 || len(tb.cands[0].list) != MaxCandidates {
		t.Fatalf("%d candidates, bar %d, want %d and 2^11", len(tb.cands[0].list), bar, MaxCandidates)
	}
	return tb, clk
}

// hookLowest has f run once where the next offer, rebar or Top that sets
// a bar has read the levels and not yet set it, as an eviction may.
func hookLowest(t *testing.T, f func()) {
	ran := false
	testHookLowest = func() {
		if !ran {
			ran = true
			f()
		}
	}
	t.Cleanup(func() { testHookLowest = nil })
}

// checkOffered checks that the first add of key in the next slot, one
// event, makes it a candidate, at a bar of 2^1: a candidate having been
// evicted, the lowest level is 0, and the add lowers the bar (1) before
// it offers the key, which replaces the evicted candidate. With the bar
// left at 2^11 by an offer that overwrote the eviction's until = 0, the
// key was not offered for a second.
func checkOffered(t *testing.T, tb *Table[string], clk *ring.ManualClock, key string) {
	t.Helper()
	clk.Advance(ring.Tick)
	tb.Inc(key, 0)
	e := tb.lookup(key)
	if bar := tb.cands[0].bar.Load(); e == nil || e.cand.Load() != 1 || bar != 2 {
		t.Fatalf("after an eviction: %s resident %v, candidate %v, bar %d; want a candidate, bar 2 (until %d, epoch %d)",
			key, e != nil, e != nil && e.cand.Load() == 1, bar, tb.cands[0].until.Load(), tb.clock.Epoch())
	}
}

// TestEvictionDuringSetBar evicts a candidate, by an insertion, while a
// rebar or a Top holds the full list and has read the levels (the
// candidate's among them, not yet gone) but not set the bar: the bar set
// counts the evicted candidate's level, and the eviction's until = 0 must
// survive the store of until that follows, so that the next slow path
// lowers the bar.
func TestEvictionDuringSetBar(t *testing.T) {
	for _, h := range []struct {
		name string
		hold func(tb *Table[string], epoch uint64)
	}{
		{"rebar", func(tb *Table[string], epoch uint64) { tb.rebar(0, epoch) }},
		{"Top", func(tb *Table[string], epoch uint64) { tb.cands[0].snapshot(epoch) }},
	} {
		t.Run(h.name, func(t *testing.T) {
			tb, clk := candTable(t, MaxCandidates) // every key a candidate
			hookLowest(t, func() { tb.Inc("new", 0) })
			h.hold(tb, tb.clock.Epoch())
			if n := tb.evicted.Load(); n != 1 {
				t.Fatalf("%d evictions, want 1", n)
			}
			checkOffered(t, tb, clk, "new")
		})
	}
}

// TestEvictionDuringOffer evicts a key while an offer of key "x" holds
// the full list and has read the levels, and before it replaces the
// lowest candidate ("c0") by x: another candidate, whose eviction stores
// until = 0 that the offer's store of until must not overwrite; or x
// itself, whose eviction, seeing no candidate bit, stores nothing, so
// that the offer must see x gone. Either way, the list holds a candidate
// of level 0, and c0's next add makes it a candidate again.
func TestEvictionDuringOffer(t *testing.T) {
	for _, victim := range []string{"c255", "x"} {
		t.Run(victim, func(t *testing.T) {
			tb, clk := candTable(t, MaxCandidates+1)
			tb.Inc("x", 0) // below the bar: not offered
			clk.Advance(ring.Tick)
			hookLowest(t, func() {
				tb.mu.Lock()
				defer tb.mu.Unlock()
				tb.retire(tb.idx.find(victim, tb.hash(victim))) // as insert evicts it
			})
			tb.Add("x", 0, 4096) // the first add of the slot: offered at level 13
			if !tb.lookup(victim).gone.Load() {
				t.Fatalf("%s not evicted", victim)
			}
			checkOffered(t, tb, clk, "c0")
		})
	}
}
