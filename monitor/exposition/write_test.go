package exposition_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/monitor/exposition"
)

func TestWrite(t *testing.T) {
	s := monitor.Snapshot{Protocols: []monitor.Protocol{
		{
			Name: "http",
			Events: []monitor.EventStats{
				{Name: "requests", Total: 1234567, Rate: 3456.5, PeakRate: 9100},
				{Name: "bytes", Unit: monitor.Bytes, Total: 18446744073709551615, Rate: 1.5e+21, PeakRate: math.Inf(1)},
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
	if err := exposition.Write(&b, s); err != nil {
		t.Fatal(err)
	}
	want := `# HELP hitrate_events_total Events counted since the monitor was made.
# TYPE hitrate_events_total counter
hitrate_events_total{protocol="http",event="requests"} 1234567
hitrate_events_total{protocol="we\\ird\"\nname\ufffd",event="a\"b"} 1
# HELP hitrate_event_rate Events per second over the last second, as hitrate measures it. A convenience: prefer rate(hitrate_events_total[...]) in queries and alerts.
# TYPE hitrate_event_rate gauge
hitrate_event_rate{protocol="http",event="requests"} 3456.5
hitrate_event_rate{protocol="we\\ird\"\nname\ufffd",event="a\"b"} NaN
# HELP hitrate_event_peak_rate Highest events per second seen, by the once-a-second sampler or any read.
# TYPE hitrate_event_peak_rate gauge
hitrate_event_peak_rate{protocol="http",event="requests"} 9100
hitrate_event_peak_rate{protocol="we\\ird\"\nname\ufffd",event="a\"b"} 0
# HELP hitrate_bytes_total Bytes counted since the monitor was made, by the events whose unit is bytes.
# TYPE hitrate_bytes_total counter
hitrate_bytes_total{protocol="http",event="bytes"} 18446744073709551615
# HELP hitrate_bytes_rate Bytes per second over the last second, as hitrate measures it. A convenience: prefer rate(hitrate_bytes_total[...]) in queries and alerts.
# TYPE hitrate_bytes_rate gauge
hitrate_bytes_rate{protocol="http",event="bytes"} 1.5e+21
# HELP hitrate_bytes_peak_rate Highest bytes per second seen, by the once-a-second sampler or any read.
# TYPE hitrate_bytes_peak_rate gauge
hitrate_bytes_peak_rate{protocol="http",event="bytes"} +Inf
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

func TestWriteEmpty(t *testing.T) {
	var b strings.Builder
	if err := exposition.Write(&b, monitor.Snapshot{}); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(b.String(), "# TYPE "); n != 9 {
		t.Errorf("%d families, want 9:\n%s", n, b.String())
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteError(t *testing.T) {
	if err := exposition.Write(failWriter{}, monitor.Snapshot{}); err == nil || err.Error() != "disk full" {
		t.Errorf("err = %v, want the writer's", err)
	}
}

// TestWriteNoDuplicateSeries: names that differ only in their
// invalid UTF-8 are written alike, so only the first of them is written.
func TestWriteNoDuplicateSeries(t *testing.T) {
	s := monitor.Snapshot{Protocols: []monitor.Protocol{
		{Name: "p\xff", Events: []monitor.EventStats{
			{Name: "q\xff", Total: 1},
			{Name: "q\xfe", Total: 2},
			{Name: "q\xfd", Unit: monitor.Bytes, Total: 3}, // written as q\ufffd too
			{Name: "b", Unit: monitor.Bytes, Total: 4},
			{Name: "b\xff", Unit: monitor.Bytes, Total: 5},
			{Name: "b\xc0", Unit: monitor.Bytes, Total: 6},
		}},
		{Name: "p\xfe", Events: []monitor.EventStats{{Name: "r", Total: 7}}},
	}}
	var b strings.Builder
	if err := exposition.Write(&b, s); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		series := line[:strings.LastIndexByte(line, ' ')]
		if seen[series] {
			t.Errorf("series written twice: %s", series)
		}
		seen[series] = true
	}
	for _, want := range []string{
		"hitrate_events_total{protocol=\"p\uFFFD\",event=\"q\uFFFD\"} 1\n",
		"hitrate_bytes_total{protocol=\"p\uFFFD\",event=\"b\"} 4\n",
		"hitrate_bytes_total{protocol=\"p\uFFFD\",event=\"b\uFFFD\"} 5\n",
		"hitrate_connections{protocol=\"p\uFFFD\"} 0\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("lacks %q", want)
		}
	}
	if strings.Contains(b.String(), "event=\"r\"") {
		t.Error("wrote the events of protocol p\\xfe, written as the earlier p\\xff")
	}
	if n := len(seen); n != 3*1+3*2+3 { // q, then b and b\uFFFD, then the connection families
		t.Errorf("%d series, want 12:\n%s", n, b.String())
	}
}
