package monitor

import "math"

// The error bars of a 1 s rate: a 95% confidence interval for the mean of
// a Poisson count (Garwood's exact interval), computed from the gamma
// distribution, whose regularized incomplete function is the Poisson CDF:
//
//	P(Poisson(mu) <= k) = Q(k+1, mu),  P(Poisson(mu) >= k) = P(k, mu)
//
// For a count c the interval is [P⁻¹(c, 2.5%), P⁻¹(c+1, 97.5%)] (the
// lower end 0 for c = 0): the means under which a count as low as c, or
// as high, has a chance of 2.5%. The same formula serves counts that are
// not whole numbers, as the estimators' weighted sums are.

const (
	// rateAlpha is 1 - the confidence of the interval.
	rateAlpha = 0.05
	// zAlpha is the standard normal quantile of 1 - rateAlpha/2.
	zAlpha = 1.959963984540054
	// exactCountMax is the count up to which rateInterval computes the
	// exact interval; above it, the Wilson–Hilferty normal approximation,
	// which is within 0.001 events of it there and above (tested up to a
	// count of a million).
	exactCountMax = 1000
)

// rateInterval returns the 95% confidence interval of the mean of a
// Poisson count (see above): exact up to exactCountMax, approximated
// above. A negative or NaN count gives 0, 0.
func rateInterval(count float64) (low, high float64) {
	switch {
	case !(count >= 0): // negative or NaN
		return 0, 0
	case count > exactCountMax:
		return wilsonHilferty(count, -zAlpha), wilsonHilferty(count+1, zAlpha)
	case count == 0:
		return 0, gammaQuantile(1, 1-rateAlpha/2, wilsonHilferty(1, zAlpha))
	}
	return gammaQuantile(count, rateAlpha/2, wilsonHilferty(count, -zAlpha)),
		gammaQuantile(count+1, 1-rateAlpha/2, wilsonHilferty(count+1, zAlpha))
}

// wilsonHilferty returns the quantile of the gamma distribution of shape
// a at the standard normal quantile z, by the Wilson–Hilferty
// approximation: the cube root of a gamma variable is close to normal, with
// mean 1 - 1/(9a) and variance 1/(9a) (relative to a).
func wilsonHilferty(a, z float64) float64 {
	v := 1 / (9 * a)
	c := 1 - v + z*math.Sqrt(v)
	if c <= 0 {
		return 0
	}
	return a * c * c * c
}

// gammaQuantile returns the x where gammaP(a, x) = p, for a > 0 and p in
// (0, 1), starting from the guess x0: by Newton's method on a bracket of
// the root, which bisects where a Newton step would leave the bracket.
// It converges in a few steps from the Wilson–Hilferty guess.
func gammaQuantile(a, p, x0 float64) float64 {
	lg, _ := math.Lgamma(a)
	lo, hi := 0.0, math.Inf(1)
	x := x0
	if !(x > 0) {
		x = math.SmallestNonzeroFloat64
	}
	for range 400 {
		f := gammaP(a, x) - p
		switch {
		case f == 0:
			return x
		case f < 0:
			lo = x
		default:
			hi = x
		}
		density := math.Exp((a-1)*math.Log(x) - x - lg)
		next := x - f/density
		if !(next > lo && next < hi) { // out of the bracket, or NaN
			if math.IsInf(hi, 1) {
				next = 2*x + 1
			} else {
				next = lo + (hi-lo)/2
			}
		}
		if math.Abs(next-x) <= 1e-12*x || next == lo || next == hi {
			return next
		}
		x = next
	}
	return x
}

// gammaP returns the regularized lower incomplete gamma function P(a, x)
// for a > 0 and x >= 0: by its series below x = a+1, by the continued
// fraction of Q = 1 - P above (Numerical Recipes, 6.2).
func gammaP(a, x float64) float64 {
	if x <= 0 {
		return 0
	}
	lg, _ := math.Lgamma(a)
	front := math.Exp(a*math.Log(x) - x - lg) // x^a e^-x / Γ(a)
	const eps = 1e-16
	if x < a+1 {
		term := 1 / a
		sum := term
		for n := 1.0; n < 100000; n++ {
			term *= x / (a + n)
			sum += term
			if term < sum*eps {
				break
			}
		}
		return sum * front
	}
	// Modified Lentz's method.
	const tiny = 1e-300
	b := x + 1 - a
	c := 1 / tiny
	d := 1 / b
	h := d
	for i := 1.0; i < 100000; i++ {
		an := -i * (i - a)
		b += 2
		d = an*d + b
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = b + an/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		del := d * c
		h *= del
		if math.Abs(del-1) < eps {
			break
		}
	}
	return 1 - front*h
}
