package monitor

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hitrate/hitrate/internal/human"
	"github.com/hitrate/hitrate/internal/naming"
	"github.com/hitrate/hitrate/internal/peak"
	"github.com/hitrate/hitrate/latency"
	"github.com/hitrate/hitrate/ring"
	"github.com/hitrate/hitrate/shard"
	"github.com/puzpuzpuz/xsync/v3"
	uatomic "go.uber.org/atomic"
)

// MaxNameLen is the longest monitor or event name, in bytes, that New
// accepts.
const MaxNameLen = naming.MaxLen

// MaxEvents and MaxDistributions are the most events and distributions
// (WithDistributions) that New accepts for one Monitor. Each event costs
// 96 bytes on every open connection and a counter with a cell per P; each
// distribution two such cells per connection and a latency.Histogram of
// about 250 KB.
const (
	MaxEvents        = 256
	MaxDistributions = 32
)

// monitorTags numbers monitors, so that an Event carries the monitor that
// resolved it. Tag 0 is never given: the zero Event belongs to no monitor.
var monitorTags atomic.Uint32

// Monitor counts the events of one protocol: per event, an exact total and
// a per-second rate over all connections (kept per P in shard.Counters),
// and the same per open connection; plus current, peak and total
// connections, and the peak rate and a once-a-second rate history per
// event, kept by a sampler.
//
// The event methods (Log, Add, Conn.Log, Conn.Add) never block, lock,
// allocate or panic. Make a Monitor with New.
type Monitor struct {
	tag     uint32
	name    string
	events  []string
	clock   *ring.Clock
	est     ring.Estimator
	start   time.Duration // clock.Elapsed() at New
	agg     []*shard.Counter
	dropped atomic.Uint64

	conns    *xsync.MapOf[uint64, connEntry]
	pool     sync.Pool // of *conn
	nextID   atomic.Uint64
	cur      atomic.Int64
	peak     atomic.Int64
	totalCns atomic.Uint64

	closeHook func(ConnSummary) // nil unless WithCloseHook; see summarize
	units     []Unit            // per event, by WithUnit

	dists []string             // by WithDistributions
	hists []*latency.Histogram // per distribution
	cells int                  // per connection: the events' and two per distribution

	peaks []uatomic.Float64 // per event: the highest rate read; see PeakRate
	mu    sync.Mutex        // guards hist and distHist
	hist  []history

	distHist []distHistory // per distribution: p50 and p99 per second

	totals totals // the sampled totals, for AverageRate; guarded by mu

	stopOnce sync.Once
	stop     chan struct{} // nil with WithManualSampling
	done     chan struct{}
}

// history is the sampler's record of one event.
type history struct {
	buf  [HistoryLen]float64
	next int // where the next sample goes
	n    int // samples held, up to HistoryLen
}

// Event is a handle to one event of one Monitor, resolved once by
// Monitor.Event so that logging costs no map lookup or string hashing.
//
// An Event is valid only for the Monitor that returned it. The zero Event,
// or one from another Monitor, is never counted: the event methods drop it
// and count it in Monitor.Dropped.
type Event struct {
	mon uint32 // the tag of the Monitor that resolved it
	idx uint32 // the event's index in the Monitor's names
}

// Option configures a Monitor made by New.
type Option func(*config)

type config struct {
	clock    *ring.Clock
	clockSet bool
	est      ring.Estimator
	manual   bool

	closeHook func(ConnSummary)
	units     []unitDecl // by WithUnit, in order
	dists     []string   // by WithDistributions, in order
}

// WithClock makes the Monitor read its epochs from clock instead of
// ring.Default(). Many monitors can, and should, share one clock. Pass a
// ring.ManualClock's Clock in tests. A nil clock makes New fail.
func WithClock(clock *ring.Clock) Option {
	return func(c *config) {
		c.clock = clock
		c.clockSet = true
	}
}

// WithEstimator makes the Monitor compute rates with e instead of
// ring.Seed. An unknown estimator makes New fail.
func WithEstimator(e ring.Estimator) Option {
	return func(c *config) { c.est = e }
}

// WithManualSampling makes New start no sampler goroutine: peak rates and
// the rate history then move only when the caller calls Sample. It is
// meant for tests, and for programs that sample many monitors from one
// goroutine of their own.
func WithManualSampling() Option {
	return func(c *config) { c.manual = true }
}

// New returns a Monitor named name (the protocol: "http", "redis", ...)
// counting the given events, in that order. Names must be non-empty, valid
// UTF-8 without control characters, not only white space and at most
// MaxNameLen bytes (see CheckName); event names must be distinct.
//
// Unless WithManualSampling is given, New starts a sampler goroutine that
// calls Sample once a second; Close stops it.
func New(name string, events []string, opts ...Option) (*Monitor, error) {
	var cfg config
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	mon := "monitor " + human.Quote(name)
	if p := naming.Problem(name); p != "" {
		return nil, fmt.Errorf("%s: the monitor name %s", mon, p)
	}
	if len(events) == 0 {
		return nil, fmt.Errorf("%s: no events given", mon)
	}
	if len(events) > MaxEvents {
		return nil, fmt.Errorf("%s: %d events, over MaxEvents (%d)", mon, len(events), MaxEvents)
	}
	if err := naming.CheckList(mon, "event", events); err != nil {
		return nil, err
	}
	if cfg.clockSet && cfg.clock == nil {
		return nil, fmt.Errorf("%s: WithClock was given a nil clock", mon)
	}
	if cfg.clock == nil {
		cfg.clock = ring.Default()
	}
	if cfg.est != ring.Seed && cfg.est != ring.Interpolated {
		return nil, fmt.Errorf("%s: WithEstimator was given an unknown estimator (%d); want ring.Seed or ring.Interpolated", mon, cfg.est)
	}
	units, err := eventUnits(mon, events, cfg.units)
	if err != nil {
		return nil, err
	}
	if err := checkDists(mon, cfg.dists); err != nil {
		return nil, err
	}

	m := &Monitor{
		tag:    monitorTags.Add(1),
		name:   name,
		events: append([]string(nil), events...),
		clock:  cfg.clock,
		est:    cfg.est,
		start:  cfg.clock.Elapsed(),
		agg:    make([]*shard.Counter, len(events)),
		conns:  xsync.NewMapOf[uint64, connEntry](),
		peaks:  make([]uatomic.Float64, len(events)),
		hist:   make([]history, len(events)),
	}
	m.closeHook = cfg.closeHook
	m.units = units
	if len(cfg.dists) > 0 {
		m.dists = append([]string(nil), cfg.dists...)
		m.hists = make([]*latency.Histogram, len(m.dists))
		for i := range m.hists {
			m.hists[i] = latency.New(cfg.clock)
		}
		m.distHist = make([]distHistory, len(m.dists))
	}
	m.totals = newTotals(len(events), m.start)
	if m.tag == 0 { // 2^32 monitors later
		m.tag = monitorTags.Add(1)
	}
	for i := range m.agg {
		m.agg[i] = shard.New(cfg.clock)
	}
	m.cells = len(events) + 2*len(m.dists)
	n := m.cells
	m.pool.New = func() any { return newConn(n) }
	if !cfg.manual {
		m.stop = make(chan struct{})
		m.done = make(chan struct{})
		go m.sampler()
	}
	return m, nil
}

// CheckName returns nil if s is a valid monitor or event name (see New),
// or an error that says what is wrong with it as the end of a sentence
// about it: "is empty", "is not valid UTF-8". A handler can check a name
// given in a request with it, before asking a Source for it.
func CheckName(s string) error {
	if p := naming.Problem(s); p != "" {
		return errors.New(p)
	}
	return nil
}

func (m *Monitor) sampler() {
	defer close(m.done)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-t.C:
			m.Sample()
		}
	}
}

// Close stops the sampler goroutine and waits for it to return. It is
// idempotent. The Monitor keeps counting after Close: only the peak rates
// and the history stop moving (unless Sample is called).
func (m *Monitor) Close() {
	if m == nil || m.stop == nil {
		return
	}
	m.stopOnce.Do(func() {
		close(m.stop)
		<-m.done
	})
}

// Name returns the monitor's name, or "" on a nil Monitor.
func (m *Monitor) Name() string {
	if m == nil {
		return ""
	}
	return m.name
}

// Events returns a copy of the event names, in the order given to New, or
// nil on a nil Monitor.
func (m *Monitor) Events() []string {
	if m == nil {
		return nil
	}
	return append([]string(nil), m.events...)
}

// Event returns the handle of the event named name, to pass to the event
// methods. It fails, naming the known events, if there is no such event,
// and on a nil Monitor.
func (m *Monitor) Event(name string) (Event, error) {
	if m == nil {
		return Event{}, fmt.Errorf("monitor: Event(%s) on a nil *Monitor", human.Quote(name))
	}
	for i, ev := range m.events {
		if ev == name {
			return Event{mon: m.tag, idx: uint32(i)}, nil
		}
	}
	return Event{}, fmt.Errorf("monitor: %q has no event %q (known: %s)", m.name, name, strings.Join(m.events, ", "))
}

// MustEvent is like Event but panics if there is no such event. It is meant
// for package-level setup.
func (m *Monitor) MustEvent(name string) Event {
	ev, err := m.Event(name)
	if err != nil {
		panic(err)
	}
	return ev
}

// Log counts one event for the protocol as a whole, outside any
// connection. Like Add, it never blocks, allocates or panics.
func (m *Monitor) Log(ev Event) {
	m.Add(ev, 1)
}

// Add counts n events for the protocol as a whole, outside any connection.
// An Event that does not belong to m is dropped and counted in Dropped; on
// a nil Monitor Add does nothing.
func (m *Monitor) Add(ev Event, n uint64) {
	if m == nil {
		return
	}
	if ev.mon != m.tag || int(ev.idx) >= len(m.agg) {
		m.dropped.Add(n)
		return
	}
	m.agg[ev.idx].Add(n)
}

// Dropped returns the number of events that were not counted because their
// Event handle did not belong to this Monitor (the zero Event, or one
// resolved by another Monitor), plus the number of values not recorded
// because their Dist handle did not, or 0 on a nil Monitor.
func (m *Monitor) Dropped() uint64 {
	if m == nil {
		return 0
	}
	return m.dropped.Load()
}

// Total returns the protocol-wide total of ev since the Monitor was made,
// or 0 if ev does not belong to m.
func (m *Monitor) Total(ev Event) uint64 {
	if !m.owns(ev) {
		return 0
	}
	return m.agg[ev.idx].Total()
}

// Rate returns the protocol-wide events per second of ev over the last
// second, by the Monitor's estimator, or 0 if ev does not belong to m.
func (m *Monitor) Rate(ev Event) float64 {
	if !m.owns(ev) {
		return 0
	}
	return m.agg[ev.idx].RateWith(m.est)
}

// PeakRate returns the highest rate of ev seen so far, or 0 if ev does not
// belong to m: the highest that Sample, Snapshot or PeakRate itself has
// read, so never below the current Rate. It takes no lock: the peak is an
// atomic float that any of them may raise at the same time.
func (m *Monitor) PeakRate(ev Event) float64 {
	if !m.owns(ev) {
		return 0
	}
	return peak.Raise(&m.peaks[ev.idx], m.agg[ev.idx].RateWith(m.est))
}

func (m *Monitor) owns(ev Event) bool {
	return m != nil && ev.mon == m.tag && int(ev.idx) < len(m.agg)
}

// Sample records the current rate of every event in its history (the last
// HistoryLen samples) and raises its peak rate, and records every total
// for AverageRate; it closes the current interval of every distribution
// (latency.Histogram.Sample) and records its p50 and p99 in the
// distribution's history. The sampler goroutine calls
// it once a second; with WithManualSampling, the caller does. It is safe
// to call concurrently with everything else. On a nil Monitor it does
// nothing.
func (m *Monitor) Sample() {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, a := range m.agg {
		r := a.RateWith(m.est)
		peak.Raise(&m.peaks[i], r)
		h := &m.hist[i]
		h.buf[h.next] = r
		h.next = (h.next + 1) % HistoryLen
		h.n = min(h.n+1, HistoryLen)
	}
	m.totals.record(m.clock.Elapsed(), m.agg)
	m.sampleDists()
}

// errNilMonitor is returned where a nil *Monitor is given.
var errNilMonitor = errors.New("monitor: nil *Monitor")
