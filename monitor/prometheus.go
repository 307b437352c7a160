package monitor

import "io"

// PrometheusContentType is the Content-Type of what WritePrometheus
// writes: the Prometheus text exposition format, version 0.0.4.
const PrometheusContentType = "text/plain; version=0.0.4; charset=utf-8"

// WritePrometheus writes s to w in the Prometheus text exposition format,
// version 0.0.4 (serve it with Content-Type PrometheusContentType). It
// writes the families of Families, each with its HELP and TYPE once:
//
//	hitrate_events_total{protocol,event}          counter, events whose unit is Count
//	hitrate_event_rate{protocol,event}            gauge, a convenience: prefer rate() over the counter
//	hitrate_event_peak_rate{protocol,event}       gauge
//	hitrate_bytes_total{protocol,event}           counter, events whose unit is Bytes
//	hitrate_bytes_rate{protocol,event}            gauge, bytes per second: prefer rate() over the counter
//	hitrate_bytes_peak_rate{protocol,event}       gauge, bytes per second
//	hitrate_connections{protocol}                 gauge, open now
//	hitrate_connections_peak{protocol}            gauge
//	hitrate_connections_opened_total{protocol}    counter
//
// An event goes to the families of its Unit, so that no family mixes
// units. Connections are never labels. Label values are escaped as the
// format asks (backslash, double quote, newline) and invalid UTF-8 is
// replaced by U+FFFD. A protocol whose name, so written, came earlier in
// s, or an event whose name, so written, came earlier in its protocol, is
// left out, so that no series is written twice (see Family.Samples).
// WritePrometheus makes one call to w.Write and returns its error.
func WritePrometheus(w io.Writer, s Snapshot) error {
	b := make([]byte, 0, 1024)
	for _, f := range families {
		b = append(b, "# HELP "...)
		b = append(b, f.Name...)
		b = append(b, ' ')
		b = append(b, f.Help...)
		b = append(b, "\n# TYPE "...)
		b = append(b, f.Name...)
		b = append(b, ' ')
		b = append(b, f.Type...)
		b = append(b, '\n')
		labels := f.Labels()
		for smp := range f.Samples(s) {
			b = append(b, f.Name...)
			b = append(b, '{')
			for i, l := range labels {
				if i > 0 {
					b = append(b, ',')
				}
				b = append(b, l...)
				b = append(b, `="`...)
				b = appendLabelValue(b, smp.LabelValues[i])
				b = append(b, '"')
			}
			b = append(b, "} "...)
			b = smp.Value.appendText(b)
			b = append(b, '\n')
		}
	}
	_, err := w.Write(b)
	return err
}

// appendLabelValue appends v, valid UTF-8, escaped as a label value of the
// text format.
func appendLabelValue(b []byte, v string) []byte {
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
