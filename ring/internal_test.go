package ring

import (
	"testing"
	"unsafe"
)

// TestSizes keeps the documented sizes true (a connection's events, which
// are fold Cells, not Windows, fit in a budget of 512 bytes for four).
func TestSizes(t *testing.T) {
	if s := unsafe.Sizeof(Window{}); s != 112 {
		t.Errorf("Window is %d bytes, want 112 as documented", s)
	}
	if s := unsafe.Sizeof(Counter{}); s != 120 {
		t.Errorf("Counter is %d bytes, want 120 as documented", s)
	}
}
