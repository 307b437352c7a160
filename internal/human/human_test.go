package human

import (
	"math"
	"testing"
	"time"
)

func TestFloat(t *testing.T) {
	for _, c := range []struct {
		in   float64
		want string
	}{
		{0, "0"}, {0.5, "0.5"}, {1, "1"}, {1.25, "1.25"}, {9.994, "9.99"}, {9.996, "10"},
		{12.34, "12.3"}, {99.94, "99.9"}, {99.96, "100"}, {123.4, "123"}, {999.4, "999"},
		{999.5, "1k"}, {1000, "1k"}, {1234, "1.23k"}, {1200, "1.2k"}, {12345, "12.3k"},
		{123456, "123k"}, {999499, "999k"}, {999500, "1M"}, {3.4e6, "3.4M"}, {1e9, "1G"},
		{2.5e12, "2.5T"}, {7e15, "7P"}, {1.8e19, "18E"}, {5e21, "5000E"}, {-1234, "-1.23k"},
		{math.Inf(1), "∞"}, {math.Inf(-1), "-∞"}, {math.NaN(), "NaN"},
	} {
		if got := Float(c.in); got != c.want {
			t.Errorf("Float(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestUint(t *testing.T) {
	for in, want := range map[uint64]string{0: "0", 999: "999", 1000: "1k", 1999: "2k", 1e6: "1M", math.MaxUint64: "18.4E"} {
		if got := Uint(in); got != want {
			t.Errorf("Uint(%d) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[int64]string{0: "0", -5: "-5", -1234: "-1.23k", 1234: "1.23k", math.MinInt64: "-9.22E"} {
		if got := Int(in); got != want {
			t.Errorf("Int(%d) = %q, want %q", in, got, want)
		}
	}
}

func TestExact(t *testing.T) {
	for in, want := range map[string]string{"": "", "1": "1", "123": "123", "1234": "1,234", "123456": "123,456", "-1234567": "-1,234,567"} {
		if got := groupDigits(in); got != want {
			t.Errorf("groupDigits(%q) = %q, want %q", in, got, want)
		}
	}
	if got := ExactRate(1234.5); got != "1,234.50/s" {
		t.Errorf("ExactRate(1234.5) = %q", got)
	}
	if got := ExactRate(math.Inf(1)); got != "+Inf/s" {
		t.Errorf("ExactRate(+Inf) = %q", got)
	}
	if got := ExactInt(-1234); got != "-1,234" {
		t.Errorf("ExactInt(-1234) = %q", got)
	}
	if got := ExactUint(math.MaxUint64); got != "18,446,744,073,709,551,615" {
		t.Errorf("ExactUint(max) = %q", got)
	}
}

func TestDuration(t *testing.T) {
	for in, want := range map[time.Duration]string{
		-time.Second: "0s", 0: "0s", 999 * time.Millisecond: "0s", 42 * time.Second: "42s",
		185 * time.Second: "3m05s", 2*time.Hour + 7*time.Minute + 59*time.Second: "2h07m",
		76 * time.Hour: "3d04h",
	} {
		if got := Duration(in); got != want {
			t.Errorf("Duration(%v) = %q, want %q", in, got, want)
		}
	}
}

func TestBytes(t *testing.T) {
	for in, want := range map[uint64]string{
		0: "0 B", 1: "1 B", 999: "999 B", 1000: "1 kB", 1234: "1.23 kB", 999499: "999 kB",
		999500: "1 MB", 45.6e6: "45.6 MB", 1 << 30: "1.07 GB", 2.5e12: "2.5 TB", 7e15: "7 PB",
		math.MaxUint64: "18.4 EB",
	} {
		if got := Bytes(in); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", in, got, want)
		}
	}
	for _, c := range []struct {
		in   float64
		want string
	}{
		{0, "0 B/s"}, {0.5, "0.5 B/s"}, {9.996, "10 B/s"}, {999.4, "999 B/s"}, {1200, "1.2 kB/s"},
		{12345, "12.3 kB/s"}, {1.25e6, "1.25 MB/s"}, {3e9, "3 GB/s"}, {-1234, "-1.23 kB/s"},
		{math.Inf(1), "∞ B/s"}, {math.NaN(), "NaN B/s"},
	} {
		if got := ByteRate(c.in); got != c.want {
			t.Errorf("ByteRate(%v) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := ExactBytes(1234567); got != "1,234,567 B" {
		t.Errorf("ExactBytes(1234567) = %q", got)
	}
	if got := ExactByteRate(1234.5); got != "1,234.50 B/s" {
		t.Errorf("ExactByteRate(1234.5) = %q", got)
	}
	// The number is the one Float and Uint write, so that a byte count and
	// an event count of the same size read alike.
	for _, v := range []uint64{1500, 2_345_678, 9e18} {
		if n, b := Uint(v), Bytes(v); b[:len(n)-1] != n[:len(n)-1] {
			t.Errorf("Uint(%d) = %q but Bytes = %q", v, n, b)
		}
	}
}

func TestLatency(t *testing.T) {
	for in, want := range map[time.Duration]string{
		-1: "0", 0: "0", 1: "1ns", 850: "850ns", 999: "999ns", 1000: "1µs", 12345: "12.3µs",
		999_499: "999µs", 999_500: "1ms", 1_250_000: "1.25ms", 250 * time.Millisecond: "250ms",
		2500 * time.Millisecond: "2.5s", 59 * time.Second: "59s", 65 * time.Second: "1m05s",
		time.Hour: "1h00m",
	} {
		if got := Latency(in); got != want {
			t.Errorf("Latency(%v) = %q, want %q", in, got, want)
		}
	}
}
