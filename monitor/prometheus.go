package monitor

import (
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// PrometheusContentType is the Content-Type of what WritePrometheus
// writes: the Prometheus text exposition format, version 0.0.4.
const PrometheusContentType = "text/plain; version=0.0.4; charset=utf-8"

// The metric families of WritePrometheus, in the order they are written.
// The promcollector module exposes the same names, types and help texts.
var promFamilies = [...]struct {
	name, typ, help string
}{
	{"hitrate_events_total", "counter",
		"Events counted since the monitor was made."},
	{"hitrate_event_rate", "gauge",
		"Events per second over the last second, as hitrate measures it. A convenience: prefer rate(hitrate_events_total[...]) in queries and alerts."},
	{"hitrate_event_peak_rate", "gauge",
		"Highest events per second seen, by the once-a-second sampler or any read."},
	{"hitrate_connections", "gauge",
		"Connections open now."},
	{"hitrate_connections_peak", "gauge",
		"Highest number of connections open at once."},
	{"hitrate_connections_opened_total", "counter",
		"Connections opened since the monitor was made."},
}

// WritePrometheus writes s to w in the Prometheus text exposition format,
// version 0.0.4 (serve it with Content-Type PrometheusContentType). It
// writes these families, each with its HELP and TYPE once:
//
//	hitrate_events_total{protocol,event}          counter
//	hitrate_event_rate{protocol,event}            gauge, a convenience: prefer rate() over the counter
//	hitrate_event_peak_rate{protocol,event}       gauge
//	hitrate_connections{protocol}                 gauge, open now
//	hitrate_connections_peak{protocol}            gauge
//	hitrate_connections_opened_total{protocol}    counter
//
// Connections are never labels. Label values are escaped as the format
// asks (backslash, double quote, newline) and invalid UTF-8 is replaced by
// U+FFFD. A protocol whose name came earlier in s, or an event whose name
// came earlier in its protocol, is left out, so that no series is written
// twice. WritePrometheus makes one call to w.Write and returns its error.
func WritePrometheus(w io.Writer, s Snapshot) error {
	protos := uniqueProtocols(s.Protocols)
	b := make([]byte, 0, 1024)
	for fi, f := range promFamilies {
		b = append(b, "# HELP "...)
		b = append(b, f.name...)
		b = append(b, ' ')
		b = append(b, f.help...)
		b = append(b, "\n# TYPE "...)
		b = append(b, f.name...)
		b = append(b, ' ')
		b = append(b, f.typ...)
		b = append(b, '\n')
		for _, p := range protos {
			if fi >= 3 {
				b = appendSeries(b, f.name, p.Name, "", false)
				switch fi {
				case 3:
					b = strconv.AppendInt(b, p.Conns.Current, 10)
				case 4:
					b = strconv.AppendInt(b, p.Conns.Peak, 10)
				case 5:
					b = strconv.AppendUint(b, p.Conns.Total, 10)
				}
				b = append(b, '\n')
				continue
			}
			for ei, e := range p.Events {
				if !firstEvent(p.Events, ei) {
					continue
				}
				b = appendSeries(b, f.name, p.Name, e.Name, true)
				switch fi {
				case 0:
					b = strconv.AppendUint(b, e.Total, 10)
				case 1:
					b = appendPromFloat(b, e.Rate)
				case 2:
					b = appendPromFloat(b, e.PeakRate)
				}
				b = append(b, '\n')
			}
		}
	}
	_, err := w.Write(b)
	return err
}

// uniqueProtocols returns ps without the protocols whose name came before.
func uniqueProtocols(ps []Protocol) []Protocol {
	seen := make(map[string]bool, len(ps))
	out := ps[:0:0]
	for _, p := range ps {
		if seen[p.Name] {
			continue
		}
		seen[p.Name] = true
		out = append(out, p)
	}
	return out
}

// firstEvent reports whether no event before evs[i] has its name.
func firstEvent(evs []EventStats, i int) bool {
	for _, e := range evs[:i] {
		if e.Name == evs[i].Name {
			return false
		}
	}
	return true
}

func appendSeries(b []byte, metric, protocol, event string, withEvent bool) []byte {
	b = append(b, metric...)
	b = append(b, `{protocol="`...)
	b = appendLabelValue(b, protocol)
	if withEvent {
		b = append(b, `",event="`...)
		b = appendLabelValue(b, event)
	}
	return append(b, `"} `...)
}

// appendLabelValue appends v escaped as a label value of the text format.
func appendLabelValue(b []byte, v string) []byte {
	if !utf8.ValidString(v) {
		v = strings.ToValidUTF8(v, "\uFFFD")
	}
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '\\':
			b = append(b, `\\`...)
		case '"':
			b = append(b, `\"`...)
		case '\n':
			b = append(b, `\n`...)
		default:
			b = append(b, c)
		}
	}
	return b
}

// appendPromFloat appends f as the text format writes sample values.
func appendPromFloat(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, 1):
		return append(b, "+Inf"...)
	case math.IsInf(f, -1):
		return append(b, "-Inf"...)
	}
	return strconv.AppendFloat(b, f, 'g', -1, 64)
}
