package monitor

import (
	"fmt"
	"strconv"

	"github.com/hitrate/hitrate/internal/human"
)

// Unit is what an event counts, declared at setup with WithUnit: a count
// of events (the default) or bytes. It decides how the event is shown (the
// page and the demo's table write bytes as B, kB, MB) and which Prometheus
// families it goes to (see package monitor/exposition): no family mixes
// units.
type Unit uint8

// The units an event can have.
const (
	// Count counts occurrences: requests, errors, queries. It is the
	// zero Unit, the unit of every event that WithUnit does not name.
	Count Unit = iota
	// Bytes counts bytes: its total is a number of bytes, and its rate
	// bytes per second.
	Bytes
)

// units holds the names of the units, by value.
var units = [...]string{Count: "events", Bytes: "bytes"}

// String returns the unit's name, "events" or "bytes", or "Unit(n)" for a
// value that is no Unit.
func (u Unit) String() string {
	if u.valid() {
		return units[u]
	}
	return "Unit(" + strconv.Itoa(int(u)) + ")"
}

func (u Unit) valid() bool { return int(u) < len(units) }

// MarshalText returns the unit's name, as String does; it fails for a
// value that is no Unit. It makes EventStats.Unit a string in JSON.
func (u Unit) MarshalText() ([]byte, error) {
	if !u.valid() {
		return nil, fmt.Errorf("monitor: %s is not a unit", u)
	}
	return []byte(units[u]), nil
}

// UnmarshalText sets u to the unit named text, "events" or "bytes", so
// that a Snapshot decodes from the JSON it encodes to. An empty text is
// Count.
func (u *Unit) UnmarshalText(text []byte) error {
	if len(text) == 0 {
		*u = Count
		return nil
	}
	for i, name := range units {
		if string(text) == name {
			*u = Unit(i)
			return nil
		}
	}
	return fmt.Errorf("monitor: unknown unit %s; want \"events\" or \"bytes\"", human.Quote(string(text)))
}

// unitDecl is one event named by a WithUnit option.
type unitDecl struct {
	unit  Unit
	event string
	none  bool // WithUnit named no event
}

// WithUnit declares that the named events count unit instead of Count,
// for example
//
//	monitor.New("http", []string{"requests", "bytes_in", "bytes_out"},
//		monitor.WithUnit(monitor.Bytes, "bytes_in", "bytes_out"))
//
// New fails if an event named is not one of the monitor's, if an event is
// given a unit twice (by one WithUnit or by several), if unit is not a
// Unit, or if no event is named.
func WithUnit(unit Unit, events ...string) Option {
	return func(c *config) {
		if len(events) == 0 {
			c.units = append(c.units, unitDecl{unit: unit, none: true})
		}
		for _, ev := range events {
			c.units = append(c.units, unitDecl{unit: unit, event: ev})
		}
	}
}

// eventUnits returns the unit of each event by the declarations of
// WithUnit, or an error, beginning with mon, that names what is wrong.
func eventUnits(mon string, events []string, decls []unitDecl) ([]Unit, error) {
	us := make([]Unit, len(events))
	if len(decls) == 0 {
		return us, nil
	}
	idx := make(map[string]int, len(events))
	for i, ev := range events {
		idx[ev] = i
	}
	given := make([]bool, len(events))
	for _, d := range decls {
		if !d.unit.valid() {
			return nil, fmt.Errorf("%s: WithUnit was given %s, which is not a unit; want monitor.Count or monitor.Bytes", mon, d.unit)
		}
		if d.none {
			return nil, fmt.Errorf("%s: WithUnit(%s) names no event", mon, d.unit)
		}
		i, ok := idx[d.event]
		if !ok {
			return nil, fmt.Errorf("%s: WithUnit(%s) names event %s, which the monitor does not have", mon, d.unit, human.Quote(d.event))
		}
		if given[i] {
			return nil, fmt.Errorf("%s: event %d %s is given a unit twice (%s, then %s)", mon, i, human.Quote(d.event), us[i], d.unit)
		}
		given[i] = true
		us[i] = d.unit
	}
	return us, nil
}

// Unit returns the unit of ev, declared by WithUnit: Count unless
// declared otherwise, and Count if ev does not belong to m or m is nil.
func (m *Monitor) Unit(ev Event) Unit {
	if !m.owns(ev) {
		return Count
	}
	return m.units[ev.idx]
}

// hasInterval reports whether a rate of the unit has a confidence
// interval (EventStats.RateLow and RateHigh): a count of events is taken
// as Poisson, bytes are not.
func (u Unit) hasInterval() bool { return u == Count }
