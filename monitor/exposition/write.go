package exposition

import (
	"io"

	"github.com/hitrate/hitrate/monitor"
)

// ContentType is the Content-Type of what Write writes: the Prometheus
// text exposition format, version 0.0.4.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

// Write writes s to w in the Prometheus text exposition format, version
// 0.0.4 (serve it with Content-Type ContentType). It writes the families
// of Families, in order, each with its HELP and TYPE once.
//
// An event goes to the families of its Unit, so that no family mixes
// units. Connections are never labels. Label values are escaped as the
// format asks (backslash, double quote, newline) and invalid UTF-8 is
// replaced by U+FFFD. A protocol whose name, so written, came earlier in
// s, or an event whose name, so written, came earlier in its protocol, is
// left out, so that no series is written twice (see Family.Samples).
// Write makes one call to w.Write and returns its error.
func Write(w io.Writer, s monitor.Snapshot) error {
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
