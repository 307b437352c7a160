package monitor_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/hitrate/hitrate/monitor"
)

func TestWritePrometheus(t *testing.T) {
	s := monitor.Snapshot{Protocols: []monitor.Protocol{
		{
			Name: "http",
			Events: []monitor.EventStats{
				{Name: "requests", Total: 1234567, Rate: 3456.5, PeakRate: 9100},
				{Name: "bytes", Total: 18446744073709551615, Rate: 1.5e+21, PeakRate: math.Inf(1)},
			},
			Conns: monitor.ConnCounts{Current: 2, Peak: 40, Total: 1200},
			Open:  []monitor.ConnInfo{{ID: 1, Name: "never a label"}},
		},
		{
			Name:   "we\\ird\"\nname\xff",
			Events: []monitor.EventStats{{Name: "a\"b", Total: 1, Rate: math.NaN()}, {Name: "a\"b", Total: 2}},
		},
		{Name: "http", Events: []monitor.EventStats{{Name: "requests", Total: 99}}}, // a duplicate: left out
	}}
	var b strings.Builder
	if err := monitor.WritePrometheus(&b, s); err != nil {
		t.Fatal(err)
	}
	want := `# HELP hitrate_events_total Events counted since the monitor was made.
# TYPE hitrate_events_total counter
hitrate_events_total{protocol="http",event="requests"} 1234567
hitrate_events_total{protocol="http",event="bytes"} 18446744073709551615
hitrate_events_total{protocol="we\\ird\"\nname\ufffd",event="a\"b"} 1
# HELP hitrate_event_rate Events per second over the last second, as hitrate measures it. A convenience: prefer rate(hitrate_events_total[...]) in queries and alerts.
# TYPE hitrate_event_rate gauge
hitrate_event_rate{protocol="http",event="requests"} 3456.5
hitrate_event_rate{protocol="http",event="bytes"} 1.5e+21
hitrate_event_rate{protocol="we\\ird\"\nname\ufffd",event="a\"b"} NaN
# HELP hitrate_event_peak_rate Highest events per second seen, by the once-a-second sampler or any read.
# TYPE hitrate_event_peak_rate gauge
hitrate_event_peak_rate{protocol="http",event="requests"} 9100
hitrate_event_peak_rate{protocol="http",event="bytes"} +Inf
hitrate_event_peak_rate{protocol="we\\ird\"\nname\ufffd",event="a\"b"} 0
# HELP hitrate_connections Connections open now.
# TYPE hitrate_connections gauge
hitrate_connections{protocol="http"} 2
hitrate_connections{protocol="we\\ird\"\nname\ufffd"} 0
# HELP hitrate_connections_peak Highest number of connections open at once.
# TYPE hitrate_connections_peak gauge
hitrate_connections_peak{protocol="http"} 40
hitrate_connections_peak{protocol="we\\ird\"\nname\ufffd"} 0
# HELP hitrate_connections_opened_total Connections opened since the monitor was made.
# TYPE hitrate_connections_opened_total counter
hitrate_connections_opened_total{protocol="http"} 1200
hitrate_connections_opened_total{protocol="we\\ird\"\nname\ufffd"} 0
`
	want = strings.ReplaceAll(want, `\ufffd`, "\ufffd")
	if got := b.String(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
		gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
		for i := range min(len(gl), len(wl)) {
			if gl[i] != wl[i] {
				t.Errorf("first difference, line %d:\ngot  %q\nwant %q", i+1, gl[i], wl[i])
				break
			}
		}
	}
}

func TestWritePrometheusEmpty(t *testing.T) {
	var b strings.Builder
	if err := monitor.WritePrometheus(&b, monitor.Snapshot{}); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(b.String(), "# TYPE "); n != 6 {
		t.Errorf("%d families, want 6:\n%s", n, b.String())
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWritePrometheusError(t *testing.T) {
	if err := monitor.WritePrometheus(failWriter{}, monitor.Snapshot{}); err == nil || err.Error() != "disk full" {
		t.Errorf("err = %v, want the writer's", err)
	}
}
