package otelhitrate

import (
	"testing"

	"github.com/hitrate/hitrate/monitor"
)

func TestUnit(t *testing.T) {
	for _, tt := range []struct {
		e    monitor.EventStats
		unit string
		desc string
	}{
		{monitor.EventStats{Name: "requests"}, "{event}", `Events "requests" counted since the monitor was made.`},
		{monitor.EventStats{Name: "requests", Unit: monitor.Count}, "{event}", `Events "requests" counted since the monitor was made.`},
		{monitor.EventStats{Name: "bytes_out", Unit: monitor.Bytes}, "By", `Bytes "bytes_out" counted since the monitor was made.`},
	} {
		if got := unit(tt.e); got != tt.unit {
			t.Errorf("unit(%s, %v) = %q, want %q", tt.e.Name, tt.e.Unit, got, tt.unit)
		}
		if got := description(tt.e); got != tt.desc {
			t.Errorf("description(%s, %v) = %q, want %q", tt.e.Name, tt.e.Unit, got, tt.desc)
		}
	}
}
