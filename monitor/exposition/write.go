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
// of Families, in order, each with its HELP and TYPE once; the histogram
// family (hitrate_latency_seconds) only when a protocol of s has a
// distribution, so that the exposition of monitors without distributions
// is as before them. A histogram's series are NAME_bucket{...,le="..."}
// for each bound and "+Inf", then NAME_sum and NAME_count.
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
		if f.PerDist && !hasDists(s) {
			continue
		}
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
		if f.PerDist {
			b = appendHistograms(b, f, labels, s)
			continue
		}
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

// hasDists reports whether a protocol of s has a distribution.
func hasDists(s monitor.Snapshot) bool {
	for i := range s.Protocols {
		if len(s.Protocols[i].Dists) > 0 {
			return true
		}
	}
	return false
}

// appendHistograms appends the series of the histogram family f:
// per Histogram, its _bucket series (le last), +Inf, _sum and _count.
func appendHistograms(b []byte, f Family, labels []string, s monitor.Snapshot) []byte {
	series := func(b []byte, suffix string, h *Histogram, le string) []byte {
		b = append(b, f.Name...)
		b = append(b, suffix...)
		b = append(b, '{')
		for i, l := range labels {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, l...)
			b = append(b, `="`...)
			b = appendLabelValue(b, h.LabelValues[i])
			b = append(b, '"')
		}
		if le != "" {
			b = append(b, `,le="`...)
			b = append(b, le...)
			b = append(b, '"')
		}
		return append(b, "} "...)
	}
	for h := range f.Histograms(s) {
		for i, bound := range h.Bounds {
			b = series(b, "_bucket", &h, floatValue(bound).String())
			b = countValue(h.Buckets[i]).appendText(b)
			b = append(b, '\n')
		}
		b = series(b, "_bucket", &h, "+Inf")
		b = countValue(h.Count).appendText(b)
		b = append(b, '\n')
		b = series(b, "_sum", &h, "")
		b = floatValue(h.Sum).appendText(b)
		b = append(b, '\n')
		b = series(b, "_count", &h, "")
		b = countValue(h.Count).appendText(b)
		b = append(b, '\n')
	}
	return b
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
