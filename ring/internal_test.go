package ring

import (
	"testing"
	"unsafe"
)

// TestSizes keeps the documented sizes true: a connection's events must
// fit in its budget of 512 bytes for four.
func TestSizes(t *testing.T) {
	if s := unsafe.Sizeof(Window{}); s != 104 {
		t.Errorf("Window is %d bytes, want 104 as documented", s)
	}
	if s := unsafe.Sizeof(Counter{}); s != 112 {
		t.Errorf("Counter is %d bytes, want 112 as documented", s)
	}
}
