package ring

// Counter counts events of one kind: an exact total since it was made (or
// last Reset) and the events of the last second, in a Window.
//
// Counter is unsharded: every event is one atomic add on one word, exact
// under any number of concurrent writers, and its slots are reset lazily,
// so a Clock's rotation costs nothing per Counter. Writers on many cores
// at once contend for its cache line: use shard.Counter for a counter that
// many goroutines write at once.
//
// A Counter is 120 bytes and must not be copied after first use.
type Counter struct {
	clock *Clock
	w     Window
}

// NewCounter returns a Counter that reads its epoch from clock.
func NewCounter(clock *Clock) *Counter {
	return &Counter{clock: clock}
}

// Init makes a zero Counter, for instance one inside a larger struct, read
// its epoch from clock. It must be called before any other method.
func (c *Counter) Init(clock *Clock) {
	c.clock = clock
}

// Inc adds one event.
func (c *Counter) Inc() {
	c.Add(1)
}

// Add adds n events. It never blocks and never allocates.
func (c *Counter) Add(n uint64) {
	c.w.Add(c.clock.Epoch(), n)
}

// Total returns the number of events since the Counter was made or last
// Reset.
func (c *Counter) Total() uint64 {
	return c.w.Total()
}

// Slots returns the counts of the last Size epochs, oldest first.
func (c *Counter) Slots() Slots {
	var s Slots
	c.w.load(c.clock.ReadEpoch(), &s)
	return s
}

// Rate returns the events per second over the last second, by the Seed
// estimator.
func (c *Counter) Rate() float64 {
	return c.RateWith(Seed)
}

// RateWith returns the events per second over the last second, by e.
func (c *Counter) RateWith(e Estimator) float64 {
	epoch, frac := c.clock.ReadEpochFrac()
	var s Slots
	c.w.load(epoch, &s)
	return e.Rate(&s, frac)
}

// Reset sets the total to zero and empties the window, and returns the
// total it removed. It is exact for the total: an Add racing with Reset is
// counted either in the returned total or after it, never lost or twice.
// Each Reset returns a number between 0 and the events added since the
// previous Reset began, and the returns of all Resets plus the final
// Total are the events added. See Window.Reset.
func (c *Counter) Reset() uint64 {
	return c.w.Reset(c.clock.Epoch())
}
