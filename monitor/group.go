package monitor

import (
	"fmt"
	"slices"
	"time"

	"github.com/hitrate/hitrate/ring"
)

// Group is a list of monitors that snapshots together, in order: one
// Source for a process's protocols. Make it with NewGroup to check it, or
// as a literal.
type Group []*Monitor

// NewGroup returns a Group of the given monitors. It fails if one is nil,
// if two share a name (q.Protocol could not tell them apart), or if they
// use different estimators (Snapshot.Estimator names one).
func NewGroup(ms ...*Monitor) (Group, error) {
	seen := make(map[string]bool, len(ms))
	for i, m := range ms {
		if m == nil {
			return nil, fmt.Errorf("monitor: NewGroup: monitor %d: %w", i, errNilMonitor)
		}
		if seen[m.name] {
			return nil, fmt.Errorf("monitor: NewGroup: duplicate monitor name %q", m.name)
		}
		seen[m.name] = true
		if m.est != ms[0].est {
			return nil, fmt.Errorf("monitor: NewGroup: %q uses estimator %s, %q uses %s", ms[0].name, ms[0].est, m.name, m.est)
		}
	}
	return Group(slices.Clone(ms)), nil
}

// Snapshot returns a point-in-time copy of the group's monitors, in order,
// keeping only the one named q.Protocol if it is set; see
// Monitor.Snapshot. Snapshot.Estimator names the first monitor's
// estimator, or "mixed" if the monitors differ. Nil monitors are skipped.
// It implements Source.
func (g Group) Snapshot(q Query) Snapshot {
	s := Snapshot{Time: time.Now(), Estimator: ring.Seed.String(), Protocols: []Protocol{}}
	first := true
	for _, m := range g {
		if m == nil {
			continue
		}
		if first {
			s.Estimator = m.est.String()
			first = false
		} else if m.est.String() != s.Estimator {
			s.Estimator = "mixed"
		}
		if q.Protocol == "" || q.Protocol == m.name {
			s.Protocols = append(s.Protocols, m.protocol(q))
		}
	}
	return s
}
