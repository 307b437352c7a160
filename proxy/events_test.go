package proxy

import (
	"slices"
	"strings"
	"testing"

	"github.com/hitrate/hitrate/monitor"
)

// bindOf returns the handles of every event on m, which must have them.
func bindOf(m *monitor.Monitor) bindings {
	b, err := bind(m)
	if err != nil {
		panic(err)
	}
	return b
}

func TestNewMonitorUnits(t *testing.T) {
	m, err := NewMonitor("tcp", monitor.WithManualSampling())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	want := map[string]monitor.Unit{
		Requests.Name(): monitor.Count, BytesIn.Name(): monitor.Bytes,
		BytesOut.Name(): monitor.Bytes, Errors.Name(): monitor.Count,
	}
	for _, name := range names() {
		if got := m.Unit(m.MustEvent(name)); got != want[name] {
			t.Errorf("%s: unit %v, want %v", name, got, want[name])
		}
	}
	// The proxy gives the byte events their unit: a caller may not.
	if _, err := NewMonitor("tcp", monitor.WithManualSampling(), monitor.WithUnit(monitor.Bytes, BytesIn.Name())); err == nil {
		t.Error("NewMonitor accepted a second unit for bytes_in")
	}
}

// The table declares the eleven events in this order, each with its name and
// unit, and the response classes one after the other, as Response needs.
func TestEventsTable(t *testing.T) {
	want := []struct {
		ev   Event
		name string
		unit monitor.Unit
	}{
		{Requests, "requests", monitor.Count},
		{BytesIn, "bytes_in", monitor.Bytes},
		{BytesOut, "bytes_out", monitor.Bytes},
		{Errors, "errors", monitor.Count},
		{Responses1xx, "responses_1xx", monitor.Count},
		{Responses2xx, "responses_2xx", monitor.Count},
		{Responses3xx, "responses_3xx", monitor.Count},
		{Responses4xx, "responses_4xx", monitor.Count},
		{Responses5xx, "responses_5xx", monitor.Count},
		{IdleClosed, "idle_closed", monitor.Count},
		{Rejected, "rejected", monitor.Count},
	}
	evs := Events()
	if len(evs) != len(want) {
		t.Fatalf("Events() = %v, want %d events", evs, len(want))
	}
	for i, w := range want {
		if w.ev.Name() != w.name || evs[i] != w.ev || names()[i] != w.name || w.ev.Unit() != w.unit {
			t.Errorf("event %d: %q (Events: %q), unit %v; want %q, %v", i, w.ev.Name(), evs[i].Name(), w.ev.Unit(), w.name, w.unit)
		}
		if s := w.ev.String(); !strings.HasPrefix(s, w.name+": ") || len(s) < len(w.name)+10 {
			t.Errorf("event %d: String() = %q, want its name and what it counts", i, s)
		}
	}
	m, err := NewMonitor("http", monitor.WithManualSampling())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	b := bindOf(m)
	for status, ev := range map[int]Event{100: Responses1xx, 101: Responses1xx, 200: Responses2xx, 304: Responses3xx, 404: Responses4xx, 599: Responses5xx} {
		if got, want := b.response(status), m.MustEvent(ev.Name()); got != want {
			t.Errorf("response(%d) is not the handle of %s", status, ev.Name())
		}
	}
	if _, err := bind(must(monitor.New("other", []string{"requests"}, monitor.WithManualSampling()))); err == nil {
		t.Error("bind accepted a monitor without the proxy's events")
	}
}

func must(m *monitor.Monitor, err error) *monitor.Monitor {
	if err != nil {
		panic(err)
	}
	return m
}

// The table declares the distributions, and NewMonitor declares them on
// the Monitor, in order.
func TestDistsTable(t *testing.T) {
	want := []string{"response_time", "connect_time"}
	ds := Dists()
	if len(ds) != len(want) || ds[0] != ResponseTime || ds[1] != ConnectTime {
		t.Fatalf("Dists() = %v", ds)
	}
	for i, d := range ds {
		if d.Name() != want[i] || !strings.HasPrefix(d.String(), want[i]+": ") || len(d.String()) < len(want[i])+10 {
			t.Errorf("dist %d: %q (%q), want %q and what it measures", i, d.Name(), d.String(), want[i])
		}
	}
	m, err := NewMonitor("x", monitor.WithManualSampling())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if got := m.Distributions(); !slices.Equal(got, want) {
		t.Errorf("the monitor's distributions: %q, want %q", got, want)
	}
}
