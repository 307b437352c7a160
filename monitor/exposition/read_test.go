package exposition_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/monitor/exposition"
)

type panicSource struct{}

func (panicSource) Snapshot(monitor.Query) monitor.Snapshot { panic("boom") }

type fixedSource monitor.Snapshot

func (f fixedSource) Snapshot(monitor.Query) monitor.Snapshot { return monitor.Snapshot(f) }

func TestRead(t *testing.T) {
	_, err := exposition.Read(panicSource{}, monitor.Query{})
	var pe *exposition.PanicError
	if !errors.As(err, &pe) || pe.Value != "boom" || !strings.Contains(string(pe.Stack), "panicSource") {
		t.Errorf("Read(panicking Source) = %v, want a PanicError with the value and the stack", err)
	}
	if err == nil || err.Error() != "Source.Snapshot panicked: boom" {
		t.Errorf("error text %q", err)
	}
	if _, err := exposition.Read(nil, monitor.Query{}); err == nil {
		t.Error("Read(nil) succeeded")
	}
	want := monitor.Snapshot{Estimator: "seed", Protocols: []monitor.Protocol{{Name: "x"}}}
	if s, err := exposition.Read(fixedSource(want), monitor.Query{}); err != nil || s.Estimator != "seed" || len(s.Protocols) != 1 {
		t.Errorf("Read = %+v, %v", s, err)
	}
}

// The unit rule names every unit, and the families of a unit are the
// names it gives.
func TestUnits(t *testing.T) {
	for _, tc := range []struct {
		u          monitor.Unit
		noun, ucum string
	}{{monitor.Count, "Events", "{event}"}, {monitor.Bytes, "Bytes", "By"}} {
		n, ok := exposition.Units(tc.u)
		if !ok || n.Noun != tc.noun || n.UCUM != tc.ucum {
			t.Errorf("Units(%v) = %+v, %v", tc.u, n, ok)
		}
		got := map[string]bool{}
		for _, f := range exposition.Families() {
			if f.PerEvent && f.Unit == tc.u {
				got[f.Name] = true
			}
		}
		if len(got) != 3 || !got[n.Total] || !got[n.Rate] || !got[n.Peak] {
			t.Errorf("families of %v = %v, want %s, %s, %s", tc.u, got, n.Total, n.Rate, n.Peak)
		}
	}
	if _, ok := exposition.Units(monitor.Unit(9)); ok {
		t.Error("Units(9) is a unit")
	}
}

func TestValidUTF8(t *testing.T) {
	for in, want := range map[string]string{"ok": "ok", "a\xffb": "a\uFFFDb", "\xfe\xff": "\uFFFD", "": ""} {
		if got := exposition.ValidUTF8(in); got != want {
			t.Errorf("ValidUTF8(%q) = %q, want %q", in, got, want)
		}
	}
}
