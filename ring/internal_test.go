package ring

import (
	"testing"
	"unsafe"
)

// TestSizes keeps the documented sizes true: four events of a connection
// must fit in well under 512 bytes.
func TestSizes(t *testing.T) {
	if s := unsafe.Sizeof(Window{}); s != 8*Size {
		t.Errorf("Window is %d bytes, want %d", s, 8*Size)
	}
	if s := unsafe.Sizeof(Counter{}); s != 104 {
		t.Errorf("Counter is %d bytes, want 104 as documented", s)
	}
}
