package keyed

import (
	"net/netip"
	"testing"
	"unsafe"
)

// TestEntrySize checks the arithmetic of the package documentation: the
// entry of a netip.Addr key is one 64-byte line, so that with 2 events
// the entry and its cells are 256 bytes, a size class of their own.
func TestEntrySize(t *testing.T) {
	if s := unsafe.Sizeof(entry[netip.Addr]{}); s != 64 {
		t.Errorf("entry[netip.Addr] is %d bytes, want 64", s)
	}
	if s := unsafe.Sizeof(entry[string]{}); s != 56 {
		t.Errorf("entry[string] is %d bytes, want 56", s)
	}
	tb, err := New[netip.Addr](1, []string{"a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	if s := tb.etype.Size(); s != 256 {
		t.Errorf("an entry with 2 cells is %d bytes, want 256", s)
	}
}
