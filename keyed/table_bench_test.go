package keyed_test

import (
	"net/netip"
	"sync/atomic"
	"testing"

	"github.com/hitrate/hitrate/keyed"
	"github.com/hitrate/hitrate/ring"
)

// The package's own benchmarks, on 1024 resident keys (in cache): the
// cost of the code, not of the memory. bench/keyed_test.go has the
// comparisons at 1k to 1M keys.

func benchTable(b *testing.B) (*keyed.Table[netip.Addr], []netip.Addr) {
	t, err := keyed.New[netip.Addr](1024, []string{"connections", "requests"}, keyed.WithClock(ring.Default()))
	if err != nil {
		b.Fatal(err)
	}
	keys := make([]netip.Addr, 1024)
	for i := range keys {
		keys[i] = addr(uint32(i) * 2654435761)
		t.Inc(keys[i], 1)
	}
	return t, keys
}

func BenchmarkInc(b *testing.B) {
	t, keys := benchTable(b)
	i := 0
	for b.Loop() {
		t.Inc(keys[i&1023], 1)
		i++
	}
}

func BenchmarkIncParallel(b *testing.B) {
	t, keys := benchTable(b)
	var start atomic.Uint32
	b.RunParallel(func(pb *testing.PB) {
		i := int(start.Add(333))
		for pb.Next() {
			t.Inc(keys[i&1023], 1)
			i++
		}
	})
}

func BenchmarkRate(b *testing.B) {
	t, keys := benchTable(b)
	i, over := 0, 0
	for b.Loop() {
		if t.Rate(keys[i&1023], 1) > 100 {
			over++
		}
		i++
	}
	_ = over
}

func BenchmarkAddRate(b *testing.B) {
	t, keys := benchTable(b)
	i, over := 0, 0
	for b.Loop() {
		if t.AddRate(keys[i&1023], 0, 1) > 100 {
			over++
		}
		i++
	}
	_ = over
}
