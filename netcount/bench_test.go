package netcount_test

import (
	"testing"

	"github.com/hitrate/hitrate/netcount"
)

// BenchmarkConnAdd is the yardstick: one monitor.Conn.Add.
func BenchmarkConnAdd(b *testing.B) {
	m := newMonitor(b)
	c := m.Open("c")
	defer c.Close()
	ev := m.MustEvent(netcount.BytesIn)
	for b.Loop() {
		c.Add(ev, 512)
	}
}

// BenchmarkReadBare reads from a connection that returns at once, unwrapped.
func BenchmarkReadBare(b *testing.B) {
	var c interface{ Read([]byte) (int, error) } = nopConn{}
	buf := make([]byte, 512)
	for b.Loop() {
		c.Read(buf)
	}
}

// BenchmarkRead reads through a Conn from a connection that returns at
// once: the cost of counting a Read is this minus BenchmarkReadBare.
func BenchmarkRead(b *testing.B) {
	c, err := netcount.Wrap(nopConn{}, newMonitor(b))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	buf := make([]byte, 512)
	b.ReportAllocs()
	for b.Loop() {
		c.Read(buf)
	}
}

// BenchmarkWrite is BenchmarkRead for Write.
func BenchmarkWrite(b *testing.B) {
	c, err := netcount.Wrap(nopConn{}, newMonitor(b))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	buf := make([]byte, 512)
	b.ReportAllocs()
	for b.Loop() {
		c.Write(buf)
	}
}
