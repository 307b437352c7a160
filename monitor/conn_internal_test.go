package monitor

import (
	"testing"
	"unsafe"
)

// TestConnLayout: a connection's event cells fill whole 64-byte lines of
// an allocation of their own, so that no line an event writes is shared
// with another connection, and the cells of two events are more than a
// line apart.
func TestConnLayout(t *testing.T) {
	if cellSize <= 64 {
		t.Fatalf("cells are %d bytes: two events' slots of one epoch could share a line", cellSize)
	}
	if s := unsafe.Sizeof(conn{}); s != 24 {
		t.Fatalf("conn header is %d bytes, want 24", s)
	}
	for n := 1; n <= 32; n++ {
		for range 8 {
			c := newConn(n)
			if p := uintptr(unsafe.Pointer(c.ev)); p%64 != 0 {
				t.Fatalf("%d events: cells at %#x, not on a 64-byte line", n, p)
			}
			c.event(uint32(n - 1)).Clear() // in bounds
		}
	}
}
