package monitor_test

import (
	"reflect"
	"testing"

	"github.com/hitrate/hitrate/monitor"
)

// TestNilMonitor calls every exported method of *Monitor, found by
// reflection so that a new one is not forgotten, on a nil Monitor with
// zero arguments: none may panic but MustEvent and MustDist (which panic
// on any error), and each returns its zero value, except the errors of
// Event and Dist.
func TestNilMonitor(t *testing.T) {
	var m *monitor.Monitor
	v := reflect.ValueOf(m)
	typ := v.Type()
	for i := range typ.NumMethod() {
		meth := typ.Method(i)
		args := []reflect.Value{v}
		for k := 1; k < meth.Type.NumIn(); k++ {
			args = append(args, reflect.Zero(meth.Type.In(k)))
		}
		var out []reflect.Value
		panicked := func() (p any) {
			defer func() { p = recover() }()
			out = meth.Func.Call(args)
			return nil
		}()
		if meth.Name == "MustEvent" || meth.Name == "MustDist" {
			if panicked == nil {
				t.Errorf("%s on a nil Monitor did not panic", meth.Name)
			}
			continue
		}
		if panicked != nil {
			t.Errorf("%s on a nil Monitor panicked: %v", meth.Name, panicked)
			continue
		}
		for k, o := range out {
			if (meth.Name == "Event" || meth.Name == "Dist") && k == 1 || meth.Name == "Snapshot" {
				continue
			}
			if !o.IsZero() {
				t.Errorf("%s on a nil Monitor returned %v, want the zero value", meth.Name, o)
			}
		}
	}
	if _, err := m.Event("req"); err == nil || err.Error() != `monitor: Event("req") on a nil *Monitor` {
		t.Errorf("Event on a nil Monitor: error %v", err)
	}
	if s := m.Snapshot(monitor.Query{Conns: true}); len(s.Protocols) != 0 {
		t.Errorf("Snapshot on a nil Monitor lists %d protocols", len(s.Protocols))
	}
	if c := m.Open("a"); c.IsOpen() || c.ID() != 0 {
		t.Error("Open on a nil Monitor returned a live Conn")
	}
}
