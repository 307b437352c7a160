package latency

import (
	"math"
	"math/bits"
	"time"
)

// The buckets: PerOctave log buckets per power of two, so that bucket g
// (counting from 1 ns) holds the values v in [2^(g/PerOctave),
// 2^((g+1)/PerOctave)) nanoseconds, a ratio of 2^(1/36) = 1.0194 between a
// bucket's edges. Only the buckets that hold values from Min to Max are
// kept, plus an underflow and an overflow bucket: NumBuckets in all.
const (
	// PerOctave is the number of buckets per power of two.
	PerOctave = 36
	// Min and Max are the smallest and largest values that are bucketed
	// exactly; smaller values count as underflow, larger ones as overflow.
	Min = time.Microsecond
	Max = time.Hour

	// firstG and lastG are the global bucket numbers of Min and Max.
	firstG = 9*PerOctave + 34  // 1000 ns = 2^9 * 1.953
	lastG  = 41*PerOctave + 25 // 3.6e12 ns = 2^41 * 1.637
	// inRange is the number of buckets from Min to Max.
	inRange = lastG - firstG + 1
	// NumBuckets is the number of buckets: underflow (index 0), the
	// buckets from Min to Max (1 to NumBuckets-2), overflow (NumBuckets-1).
	NumBuckets = inRange + 2
	over       = NumBuckets - 1
)

var (
	// edge[j] is the smallest 64-bit mantissa fraction f (the value's bits
	// below its leading one, shifted to the top) of sub-bucket j:
	// ceil((2^(j/36) - 1) * 2^64). edge[36] is above every fraction.
	edge [PerOctave + 1]uint64
	// sub[k] holds, for the fractions from k<<56 to (k+1)<<56, the
	// sub-bucket j of k<<56 (above bit 57) and the offset from k<<56 of
	// the next edge, or 2^56 if none is in the piece (below): a bucket is
	// wider than 2^-8 of an octave, so at most one edge falls in a piece,
	// and one compare with the offset finishes the index. One load.
	sub [256]uint64
	// lower[i] and upper[i] are the edges of bucket i in nanoseconds, as
	// float64: the values it holds are lower[i] <= v < upper[i], narrowed
	// to [Min, Max] for the first and last in-range buckets.
	lower, upper [NumBuckets]float64
	// mid[i] is what a quantile in bucket i reports: 2LU/(L+U), whose
	// relative distance to any value in [L, U) is at most (U-L)/(U+L).
	mid [NumBuckets]float64
)

func init() {
	for j := 1; j < PerOctave; j++ {
		edge[j] = uint64(math.Ceil(math.Ldexp(math.Exp2(float64(j)/PerOctave)-1, 64)))
	}
	edge[PerOctave] = math.MaxUint64
	j := 0
	for k := range sub {
		for edge[j+1] <= uint64(k)<<56 {
			j++
		}
		off := uint64(1) << 56
		if j+1 < PerOctave && edge[j+1]-uint64(k)<<56 < off {
			off = edge[j+1] - uint64(k)<<56
		}
		sub[k] = uint64(j)<<57 | off
	}
	for i := 1; i < over; i++ {
		g := float64(firstG + i - 1)
		lo, hi := math.Exp2(g/PerOctave), math.Exp2((g+1)/PerOctave)
		lo = max(lo, float64(Min))
		hi = min(hi, float64(Max)+1)
		lower[i], upper[i] = lo, hi
		mid[i] = 2 * lo * hi / (lo + hi)
	}
	lower[0], upper[0], mid[0] = 0, float64(Min), float64(Min)
	lower[over], upper[over], mid[over] = float64(Max)+1, math.Inf(1), float64(Max)
}

// index returns the bucket of v nanoseconds: 0 below Min, over above Max.
// It takes no logarithm: the position of v's leading one is the octave,
// and the next 8 bits look the sub-bucket up in a table of 256 bytes.
func index(v uint64) int {
	if v-uint64(Min) > uint64(Max-Min) {
		return outside(v)
	}
	o := bits.Len64(v) - 1
	f := v << (64 - o) // the bits below the leading one; o >= 9
	t := sub[f>>56]
	// Past the edge in the piece, without a branch: the offsets are less
	// than 2^57, so the difference's sign bit is the comparison.
	j := t>>57 + (t&(1<<57-1)-1-f&(1<<56-1))>>63
	return o*PerOctave + int(j) - firstG + 1
}

// outside returns the bucket of a value outside [Min, Max].
func outside(v uint64) int {
	if v < uint64(Min) {
		return 0
	}
	return over
}

// BucketBounds returns the edges of bucket i, 0 <= i < NumBuckets: it
// holds the values v with lo <= v < hi (in nanoseconds; hi is +Inf for
// the overflow bucket). Bucket 0 is the underflow bucket, NumBuckets-1 the
// overflow bucket.
func BucketBounds(i int) (lo, hi float64) {
	return lower[i], upper[i]
}

// nearestEdge returns the number of buckets whose values all lie below
// the bucket edge nearest to d: the cumulative count up to that edge is
// the sum of buckets [0, n).
func nearestEdge(d time.Duration) int {
	v := float64(d)
	if v <= float64(Min) {
		return 1 // underflow only: values < Min
	}
	if v > float64(Max) {
		return over
	}
	i := index(uint64(d)) // lower[i] <= d < upper[i]
	// The edge nearest to d, by ratio.
	if v*v >= lower[i]*upper[i] {
		return i + 1
	}
	return i
}
