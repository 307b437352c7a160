package exposition_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/monitor/exposition"
)

func TestFamilies(t *testing.T) {
	fs := exposition.Families()
	if len(fs) != 10 {
		t.Fatalf("%d families, want 10", len(fs))
	}
	fs[0].Name = "changed"
	if exposition.Families()[0].Name != "hitrate_events_total" {
		t.Error("Families returned the table itself, not a copy")
	}
	s := monitor.Snapshot{Protocols: []monitor.Protocol{
		{
			Name: "http",
			Events: []monitor.EventStats{
				{Name: "req", Total: math.MaxUint64, Rate: 2.5, PeakRate: math.Inf(1)},
				{Name: "req", Total: 7}, // a duplicate: left out
				{Name: "err\xff", Total: 1},
				{Name: "err\xfe", Total: 5}, // written as err\uFFFD too: left out
				{Name: "out", Unit: monitor.Bytes, Total: 1 << 40, Rate: 1e6, PeakRate: 2e6},
				{Name: "odd", Unit: monitor.Unit(9), Total: 3}, // no unit: in no family
			},
			Conns: monitor.ConnCounts{Current: -1, Peak: 3, Total: 9},
		},
		{Name: "http", Events: []monitor.EventStats{{Name: "req", Total: 99}}},    // a duplicate: left out
		{Name: "http\xff", Events: []monitor.EventStats{{Name: "req", Total: 1}}}, // written as http\uFFFD
		{Name: "http\xfe", Events: []monitor.EventStats{{Name: "req", Total: 2}}}, // written alike: left out
	}}
	var got []string
	for _, f := range exposition.Families() {
		if f.Type != "counter" && f.Type != "gauge" && !(f.PerDist && f.Type == "histogram") {
			t.Errorf("%s: type %q", f.Name, f.Type)
		}
		if f.Help == "" || strings.HasSuffix(f.Name, "_total") != (f.Type == "counter") {
			t.Errorf("%s: help %q, type %s", f.Name, f.Help, f.Type)
		}
		if strings.HasPrefix(f.Name, "hitrate_bytes_") != (f.Unit == monitor.Bytes) || !f.PerEvent && f.Unit != monitor.Count {
			t.Errorf("%s: unit %v", f.Name, f.Unit)
		}
		labels := f.Labels()
		for smp := range f.Samples(s) {
			if len(smp.LabelValues) != len(labels) {
				t.Errorf("%s: label values %q for labels %q", f.Name, smp.LabelValues, labels)
			}
			got = append(got, fmt.Sprintf("%s%q=%s(%g)", f.Name, smp.LabelValues, smp.Value, smp.Value.Float64()))
		}
	}
	want := []string{
		`hitrate_events_total["http" "req"]=18446744073709551615(1.8446744073709552e+19)`,
		`hitrate_events_total["http" "err` + "\uFFFD" + `"]=1(1)`,
		`hitrate_events_total["http` + "\uFFFD" + `" "req"]=1(1)`,
		`hitrate_event_rate["http" "req"]=2.5(2.5)`,
		`hitrate_event_rate["http" "err` + "\uFFFD" + `"]=0(0)`,
		`hitrate_event_rate["http` + "\uFFFD" + `" "req"]=0(0)`,
		`hitrate_event_peak_rate["http" "req"]=+Inf(+Inf)`,
		`hitrate_event_peak_rate["http" "err` + "\uFFFD" + `"]=0(0)`,
		`hitrate_event_peak_rate["http` + "\uFFFD" + `" "req"]=0(0)`,
		`hitrate_bytes_total["http" "out"]=1099511627776(1.099511627776e+12)`,
		`hitrate_bytes_rate["http" "out"]=1e+06(1e+06)`,
		`hitrate_bytes_peak_rate["http" "out"]=2e+06(2e+06)`,
		`hitrate_connections["http"]=-1(-1)`,
		`hitrate_connections["http` + "\uFFFD" + `"]=0(0)`,
		`hitrate_connections_peak["http"]=3(3)`,
		`hitrate_connections_peak["http` + "\uFFFD" + `"]=0(0)`,
		`hitrate_connections_opened_total["http"]=9(9)`,
		`hitrate_connections_opened_total["http` + "\uFFFD" + `"]=0(0)`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("samples:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Samples stops when asked to.
	n := 0
	for range exposition.Families()[0].Samples(s) {
		n++
		break
	}
	if n != 1 {
		t.Errorf("%d samples after break", n)
	}
	// The zero Family has no value function, so no samples.
	for range (exposition.Family{}).Samples(s) {
		t.Error("the zero Family gave a sample")
	}
}
