package monitor_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hitrate/hitrate/monitor"
)

func TestUnitText(t *testing.T) {
	for _, tt := range []struct {
		u    monitor.Unit
		name string
	}{{monitor.Count, "events"}, {monitor.Bytes, "bytes"}} {
		if got := tt.u.String(); got != tt.name {
			t.Errorf("%d.String() = %q, want %q", tt.u, got, tt.name)
		}
		b, err := tt.u.MarshalText()
		if err != nil || string(b) != tt.name {
			t.Errorf("%s.MarshalText() = %q, %v", tt.name, b, err)
		}
		var u monitor.Unit = 7
		if err := u.UnmarshalText([]byte(tt.name)); err != nil || u != tt.u {
			t.Errorf("UnmarshalText(%q) = %v, %v; want %v", tt.name, u, err, tt.u)
		}
	}
	var zero monitor.Unit
	if zero != monitor.Count {
		t.Error("the zero Unit is not Events")
	}
	bad := monitor.Unit(9)
	if got := bad.String(); got != "Unit(9)" {
		t.Errorf("Unit(9).String() = %q", got)
	}
	if _, err := bad.MarshalText(); err == nil {
		t.Error("Unit(9).MarshalText() did not fail")
	}
	u := monitor.Bytes
	if err := u.UnmarshalText([]byte("Bytes")); err == nil || u != monitor.Bytes {
		t.Errorf("UnmarshalText(Bytes) = %v, unit %v; want an error and no change", err, u)
	}
	if err := u.UnmarshalText(nil); err != nil || u != monitor.Count {
		t.Errorf("UnmarshalText(\"\") = %v, unit %v; want Events", err, u)
	}
}

func TestWithUnit(t *testing.T) {
	m, _ := newManual(t, "proxy", []string{"requests", "bytes_in", "bytes_out"},
		monitor.WithUnit(monitor.Bytes, "bytes_in"), monitor.WithUnit(monitor.Bytes, "bytes_out"))
	want := map[string]monitor.Unit{"requests": monitor.Count, "bytes_in": monitor.Bytes, "bytes_out": monitor.Bytes}
	for name, u := range want {
		if got := m.Unit(m.MustEvent(name)); got != u {
			t.Errorf("Unit(%s) = %v, want %v", name, got, u)
		}
	}
	m.Add(m.MustEvent("bytes_in"), 4096)
	s := m.Snapshot(monitor.Query{})
	for _, e := range s.Protocols[0].Events {
		if e.Unit != want[e.Name] {
			t.Errorf("snapshot: %s has unit %v, want %v", e.Name, e.Unit, want[e.Name])
		}
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, frag := range []string{`"name":"requests","unit":"events"`, `"name":"bytes_in","unit":"bytes","total":4096`} {
		if !strings.Contains(string(b), frag) {
			t.Errorf("JSON lacks %s:\n%s", frag, b)
		}
	}
	var back monitor.Snapshot
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if got := back.Protocols[0].Events[1].Unit; got != monitor.Bytes {
		t.Errorf("decoded unit %v, want bytes", got)
	}

	// Foreign and zero handles, and a nil Monitor, are Events.
	other, _ := newManual(t, "other", []string{"x", "y"}, monitor.WithUnit(monitor.Bytes, "x", "y"))
	var nilMon *monitor.Monitor
	for _, u := range []monitor.Unit{m.Unit(other.MustEvent("y")), m.Unit(monitor.Event{}), nilMon.Unit(m.MustEvent("bytes_in"))} {
		if u != monitor.Count {
			t.Errorf("unit of a foreign handle = %v, want events", u)
		}
	}
	if got := other.Unit(other.MustEvent("y")); got != monitor.Bytes {
		t.Errorf("one WithUnit naming two events: y is %v", got)
	}
}

func TestWithUnitErrors(t *testing.T) {
	events := []string{"requests", "bytes_in", "bytes_out"}
	for _, tt := range []struct {
		name string
		opts []monitor.Option
		want string
	}{
		{"unknown event", []monitor.Option{monitor.WithUnit(monitor.Bytes, "bytes_in", "bytes_inn")},
			`monitor "proxy": WithUnit(bytes) names event "bytes_inn", which the monitor does not have`},
		{"twice in one option", []monitor.Option{monitor.WithUnit(monitor.Bytes, "bytes_out", "bytes_out")},
			`monitor "proxy": event 2 "bytes_out" is given a unit twice (bytes, then bytes)`},
		{"twice in two options", []monitor.Option{monitor.WithUnit(monitor.Bytes, "bytes_in"), monitor.WithUnit(monitor.Count, "bytes_in")},
			`monitor "proxy": event 1 "bytes_in" is given a unit twice (bytes, then events)`},
		{"not a unit", []monitor.Option{monitor.WithUnit(monitor.Unit(5), "requests")},
			`monitor "proxy": WithUnit was given Unit(5), which is not a unit; want monitor.Count or monitor.Bytes`},
		{"no event", []monitor.Option{monitor.WithUnit(monitor.Bytes)},
			`monitor "proxy": WithUnit(bytes) names no event`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m, err := monitor.New("proxy", events, append(tt.opts, monitor.WithManualSampling())...)
			if err == nil {
				m.Close()
				t.Fatalf("New = nil error, want %q", tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got %s\nwant %s", err, tt.want)
			}
		})
	}
}
