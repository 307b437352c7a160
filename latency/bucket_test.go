package latency

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// TestIndexMatchesLog checks the table-driven index against the bucket
// defined by a logarithm, at and around every edge and at random values.
func TestIndexMatchesLog(t *testing.T) {
	want := func(v uint64) int {
		switch {
		case v < uint64(Min):
			return 0
		case v > uint64(Max):
			return over
		}
		g := int(math.Floor(math.Log2(float64(v)) * PerOctave))
		// Floating log may be off by one right at an edge: settle with
		// the exact edges.
		for math.Exp2(float64(g+1)/PerOctave) <= float64(v) {
			g++
		}
		for math.Exp2(float64(g)/PerOctave) > float64(v) {
			g--
		}
		return g - firstG + 1
	}
	check := func(v uint64) {
		t.Helper()
		if got, w := index(v), want(v); got != w {
			t.Fatalf("index(%d) = %d, want %d", v, got, w)
		}
		if i := index(v); i > 0 && i < over && (float64(v) < lower[i] || float64(v) >= upper[i]) {
			t.Fatalf("%d not in bucket %d [%g, %g)", v, i, lower[i], upper[i])
		}
	}
	for g := firstG - 1; g <= lastG+1; g++ {
		e := uint64(math.Ceil(math.Exp2(float64(g) / PerOctave)))
		for _, v := range []uint64{e - 1, e, e + 1} {
			check(v)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		check(uint64(math.Exp2(r.Float64()*36 + 8)))
	}
	for _, v := range []uint64{0, 1, 999, 1000, 1001, uint64(Max) - 1, uint64(Max), uint64(Max) + 1, math.MaxUint64} {
		check(v)
	}
	if index(uint64(Min)) != 1 || index(uint64(Max)) != over-1 {
		t.Fatalf("Min in bucket %d, Max in %d of %d", index(uint64(Min)), index(uint64(Max)), NumBuckets)
	}
}

// TestBucketError checks the reported point of every bucket against every
// edge: within 0.97% of any value the bucket holds.
func TestBucketError(t *testing.T) {
	const bound = 0.0097
	for i := 1; i < over; i++ {
		for _, v := range []float64{math.Ceil(lower[i]), math.Ceil(upper[i]) - 1} {
			if e := math.Abs(mid[i]-v) / v; e > bound {
				t.Fatalf("bucket %d [%g, %g): point %g is %.4f%% from %g", i, lower[i], upper[i], mid[i], 100*e, v)
			}
		}
	}
}

func TestNearestEdge(t *testing.T) {
	for _, b := range ExportBounds {
		n := nearestEdge(b)
		edge := lower[n] // the values below it are in buckets [0, n)
		if n == over {
			edge = upper[n-1]
		}
		if e := math.Abs(edge-float64(b)) / float64(b); e > 0.0097 {
			t.Errorf("bound %v: edge %g is %.3f%% off", b, edge, 100*e)
		}
	}
	if len(ExportBounds) > 29 {
		t.Fatalf("%d export bounds", len(ExportBounds))
	}
	for k := 1; k < len(ExportBounds); k++ {
		if ExportBounds[k] <= ExportBounds[k-1] || nearestEdge(ExportBounds[k]) <= nearestEdge(ExportBounds[k-1]) {
			t.Fatalf("export bounds not ascending at %v", ExportBounds[k])
		}
	}
	_ = time.Second
}
