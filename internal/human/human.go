// Package human formats numbers and durations for people: the stats
// page (monitor/web) and the demo's terminal table (cmd/hitrate) both
// use it, so that a number reads the same everywhere.
//
// Short forms have at most three significant digits and an SI suffix
// (999, 1.23k, 45.6M); exact forms group digits by three (1,234,567).
//
// Bytes are written with SI (decimal) prefixes, as counts are: 1 kB is
// 1000 bytes, 1 MB 10^6 bytes (B, kB, MB, GB, TB, PB, EB), never the
// binary KiB or MiB, so that a byte count and an event count of the same
// number read alike; rates end in /s (1.2 kB/s).
package human

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Uint formats a count with at most three significant digits and a k, M,
// G, T, P or E suffix: 999, 1.23k, 45.6M.
func Uint(v uint64) string {
	if v < 1000 {
		return strconv.FormatUint(v, 10)
	}
	return Float(float64(v))
}

// Int formats a signed count as Uint does.
func Int(v int64) string {
	if v < 0 {
		return "-" + Uint(uint64(-v))
	}
	return Uint(uint64(v))
}

// Float formats a rate as Uint formats a count, with up to two decimals
// below 10: 0.5, 12.3, 1.2k. NaN is "NaN" and infinities are "∞", "-∞".
func Float(v float64) string {
	num, prefix := short(v)
	return num + prefix
}

// short returns v with at most three significant digits and its SI
// prefix ("", "k", "M", ... "E"), as Float writes them together.
func short(v float64) (num, prefix string) {
	switch {
	case math.IsNaN(v):
		return "NaN", ""
	case math.IsInf(v, 1):
		return "∞", ""
	case math.IsInf(v, -1):
		return "-∞", ""
	case v < 0:
		num, prefix = short(-v)
		return "-" + num, prefix
	}
	const units = "kMGTPE"
	for i := 0; v >= 999.5 && i < len(units); i++ {
		v /= 1000
		prefix = units[i : i+1]
	}
	switch {
	case v < 9.995:
		num = strconv.FormatFloat(v, 'f', 2, 64)
	case v < 99.95:
		num = strconv.FormatFloat(v, 'f', 1, 64)
	default:
		num = strconv.FormatFloat(v, 'f', 0, 64)
	}
	if strings.IndexByte(num, '.') >= 0 {
		num = strings.TrimRight(strings.TrimRight(num, "0"), ".")
	}
	return num, prefix
}

// Bytes formats a number of bytes with at most three significant digits
// and an SI unit: 999 B, 1.23 kB, 45.6 MB (1 kB = 1000 B).
func Bytes(v uint64) string {
	if v < 1000 {
		return strconv.FormatUint(v, 10) + " B"
	}
	num, prefix := short(float64(v))
	return num + " " + prefix + "B"
}

// ByteRate formats bytes per second as Bytes formats bytes, with up to
// two decimals below 10: 0.5 B/s, 12.3 kB/s, 1.2 MB/s.
func ByteRate(v float64) string {
	num, prefix := short(v)
	return num + " " + prefix + "B/s"
}

// ExactBytes formats a number of bytes in full, its digits grouped:
// 1,234,567 B.
func ExactBytes(v uint64) string {
	return ExactUint(v) + " B"
}

// ExactByteRate formats bytes per second in full, as ExactRate does:
// 1,234.50 B/s.
func ExactByteRate(v float64) string {
	r := ExactRate(v)
	return r[:len(r)-len("/s")] + " B/s"
}

// ExactUint formats a count in full, its digits grouped: 1,234,567.
func ExactUint(v uint64) string {
	return groupDigits(strconv.FormatUint(v, 10))
}

// ExactInt formats a signed count as ExactUint does.
func ExactInt(v int64) string {
	return groupDigits(strconv.FormatInt(v, 10))
}

// ExactRate formats a rate in full, with two decimals and its integer
// digits grouped: 1,234.50/s.
func ExactRate(v float64) string {
	s := strconv.FormatFloat(v, 'f', 2, 64)
	if i := strings.IndexByte(s, '.'); i >= 0 && !math.IsInf(v, 0) && !math.IsNaN(v) {
		s = groupDigits(s[:i]) + s[i:]
	}
	return s + "/s"
}

// groupDigits puts a comma between groups of three digits.
func groupDigits(s string) string {
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	if len(s) <= 3 {
		if neg {
			return "-" + s
		}
		return s
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	head := len(s) % 3
	if head == 0 {
		head = 3
	}
	b.WriteString(s[:head])
	for i := head; i < len(s); i += 3 {
		b.WriteByte(',')
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// Duration formats d coarsely: 42s, 3m05s, 2h07m, 3d04h. A negative d is
// 0s.
func Duration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int64(d / time.Second)
	switch {
	case s < 60:
		return strconv.FormatInt(s, 10) + "s"
	case s < 3600:
		return strconv.FormatInt(s/60, 10) + "m" + pad2(s%60) + "s"
	case s < 86400:
		return strconv.FormatInt(s/3600, 10) + "h" + pad2(s/60%60) + "m"
	default:
		return strconv.FormatInt(s/86400, 10) + "d" + pad2(s/3600%24) + "h"
	}
}

func pad2(v int64) string {
	if v < 10 {
		return "0" + strconv.FormatInt(v, 10)
	}
	return strconv.FormatInt(v, 10)
}

// Latency formats a latency finely, with at most three significant
// digits: 850ns, 12.3µs, 1.25ms, 250ms, 2.5s; from a minute, as Duration
// does (1m05s). Zero and negative latencies are "0".
func Latency(d time.Duration) string {
	if d <= 0 {
		return "0"
	}
	if d >= time.Minute {
		return Duration(d)
	}
	v, unit := float64(d), "ns"
	for _, u := range []string{"µs", "ms", "s"} {
		if v < 999.5 {
			break
		}
		v, unit = v/1000, u
	}
	num, _ := short(v)
	return num + unit
}
