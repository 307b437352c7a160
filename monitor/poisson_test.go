package monitor

import (
	"math"
	"testing"
)

// poissonCDF returns P(X <= k) for X ~ Poisson(mu), by summing the terms,
// independently of gammaP.
func poissonCDF(k int, mu float64) float64 {
	sum, term := 0.0, math.Exp(-mu)
	for i := range k + 1 {
		if i > 0 {
			term *= mu / float64(i)
		}
		sum += term
	}
	return sum
}

// TestRateIntervalKnown checks published values of Garwood's 95%
// interval, to the four decimals of the tables.
func TestRateIntervalKnown(t *testing.T) {
	for _, tc := range []struct{ count, low, high float64 }{
		{0, 0, 3.6889},
		{1, 0.0253, 5.5716},
		{2, 0.2422, 7.2247},
		{3, 0.6187, 8.7673},
		{5, 1.6235, 11.6683},
		{10, 4.7954, 18.3904},
		{20, 12.2165, 30.8884},
		{50, 37.1110, 65.9188},
		{100, 81.3640, 121.6268},
		{1000, 938.9730, 1063.9521},
	} {
		low, high := rateInterval(tc.count)
		if math.Abs(low-tc.low) > 5e-5 || math.Abs(high-tc.high) > 5e-5 {
			t.Errorf("rateInterval(%v) = [%.5f, %.5f], want [%.4f, %.4f]", tc.count, low, high, tc.low, tc.high)
		}
	}
	if _, high := rateInterval(0); math.Abs(high-math.Log(40)) > 1e-12 {
		t.Errorf("high for 0 = %v, want ln 40 = %v (exp(-mu) = 2.5%%)", high, math.Log(40))
	}
}

// TestRateIntervalDefinition checks the definition for every whole count
// of the exact range: a count of k or fewer has a chance of 2.5% under
// the high end, a count of k or more 2.5% under the low end, by the
// Poisson CDF summed term by term.
func TestRateIntervalDefinition(t *testing.T) {
	for k := 0; k <= 600; k++ {
		low, high := rateInterval(float64(k))
		if p := poissonCDF(k, high); math.Abs(p-0.025) > 1e-9 {
			t.Errorf("k %d: P(X <= k | %v) = %v, want 0.025", k, high, p)
		}
		if k == 0 {
			if low != 0 {
				t.Errorf("k 0: low = %v, want 0", low)
			}
			continue
		}
		if p := 1 - poissonCDF(k-1, low); math.Abs(p-0.025) > 1e-9 {
			t.Errorf("k %d: P(X >= k | %v) = %v, want 0.025", k, low, p)
		}
	}
}

func TestGammaP(t *testing.T) {
	for _, tc := range []struct{ k, mu float64 }{
		{0, 0.5}, {0, 3}, {1, 0.1}, {1, 4}, {5, 2}, {5, 5}, {5, 9}, {40, 30}, {40, 41}, {40, 60}, {300, 280}, {300, 330},
	} {
		want := poissonCDF(int(tc.k), tc.mu) // = Q(k+1, mu)
		if got := 1 - gammaP(tc.k+1, tc.mu); math.Abs(got-want) > 1e-12 {
			t.Errorf("1 - P(%v, %v) = %v, want the Poisson CDF %v", tc.k+1, tc.mu, got, want)
		}
	}
	if gammaP(2, 0) != 0 || gammaP(2, -1) != 0 {
		t.Error("P(a, x <= 0) != 0")
	}
	// Shapes that are not whole numbers: P(1/2, x) = erf(sqrt(x)).
	for _, x := range []float64{0.01, 0.3, 1, 1.5, 2, 7} {
		if got, want := gammaP(0.5, x), math.Erf(math.Sqrt(x)); math.Abs(got-want) > 1e-13 {
			t.Errorf("P(0.5, %v) = %v, want erf(sqrt(x)) = %v", x, got, want)
		}
	}
}

// TestRateIntervalSwitch checks the switch to the approximation at
// exactCountMax: no jump there, and the approximation within 0.001 events
// of the exact interval above it (up to a million).
func TestRateIntervalSwitch(t *testing.T) {
	l0, h0 := rateInterval(exactCountMax)
	l1, h1 := rateInterval(math.Nextafter(exactCountMax, math.Inf(1)))
	if math.Abs(l1-l0) > 0.001 || math.Abs(h1-h0) > 0.001 {
		t.Errorf("at the switch: [%v, %v] then [%v, %v]", l0, h0, l1, h1)
	}
	for c := float64(exactCountMax); c < 1e6; c *= 1.01 {
		low, high := rateInterval(c)
		el := gammaQuantile(c, rateAlpha/2, c)
		eh := gammaQuantile(c+1, 1-rateAlpha/2, c)
		if math.Abs(low-el) > 0.001 || math.Abs(high-eh) > 0.001 {
			t.Errorf("count %v: [%v, %v], exact [%v, %v]", c, low, high, el, eh)
		}
	}
}

// TestRateIntervalShape checks, over counts that are not whole numbers
// too (the estimators' weighted sums), that the interval holds the count
// and that both ends grow with it.
func TestRateIntervalShape(t *testing.T) {
	pl, ph := rateInterval(0)
	for c := 0.125; c <= 2*exactCountMax; c += 0.125 {
		low, high := rateInterval(c)
		if !(low <= c && c <= high) {
			t.Fatalf("count %v outside [%v, %v]", c, low, high)
		}
		if low < pl || high <= ph {
			t.Fatalf("count %v: [%v, %v] after [%v, %v]", c, low, high, pl, ph)
		}
		pl, ph = low, high
	}
	for _, c := range []float64{-1, math.NaN(), math.Inf(-1)} {
		if low, high := rateInterval(c); low != 0 || high != 0 {
			t.Errorf("rateInterval(%v) = [%v, %v], want 0, 0", c, low, high)
		}
	}
}
