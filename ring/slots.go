package ring

// Slots holds the counts of the last Size epochs, oldest first: Slots[0] is
// the epoch that is N ticks old and Slots[N] the current, partly elapsed one.
type Slots [Size]uint64

// Sum returns the sum of all slots.
func (s *Slots) Sum() uint64 {
	var t uint64
	for _, v := range s {
		t += v
	}
	return t
}

// Estimator chooses how a rate is computed from Slots.
type Estimator uint8

const (
	// Seed is the original estimator and the default: half the oldest slot
	// plus the N newer ones, the events of the last 0.95 to 1.05 seconds.
	// It needs no clock read.
	Seed Estimator = iota
	// Interpolated weights the oldest slot by 1-f, where f is the elapsed
	// fraction of the current slot, so that a steady rate reads exactly,
	// and a rate that stops reads zero within 1.1 s.
	Interpolated
)

// String returns the estimator's name.
func (e Estimator) String() string {
	switch e {
	case Seed:
		return "seed"
	case Interpolated:
		return "interpolated"
	}
	return "unknown"
}

// Rate returns the events per second that e reads from s, where frac is
// the elapsed fraction of the current slot, in [0, 1] (Seed ignores it):
// the one rate recipe of hitrate. A reader takes the epoch and frac from
// one Clock.ReadEpochFrac, reads the slots of the Size epochs ending at
// that epoch into s, and calls Rate.
func (e Estimator) Rate(s *Slots, frac float64) float64 {
	var newer uint64
	for _, v := range s[1:] {
		newer += v
	}
	w := 0.5
	if e == Interpolated {
		switch {
		case frac < 0:
			frac = 0
		case frac > 1:
			frac = 1
		}
		w = 1 - frac
	}
	return w*float64(s[0]) + float64(newer)
}
