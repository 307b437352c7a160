package http1

import (
	"testing"
)

// lineMasks (SSE2 on amd64) finds what lineMasksGeneric finds.
func TestLineMasks(t *testing.T) {
	buf := make([]byte, 64*maskBatch)
	seed := uint64(1)
	for round := range 2000 {
		for i := range buf {
			seed = seed*6364136223846793005 + 1442695040888963407
			switch b := byte(seed >> 56); {
			case b < 40:
				buf[i] = '\n'
			case b < 80:
				buf[i] = ':'
			default:
				buf[i] = b
			}
		}
		n := round%maskBatch + 1
		var nl, colon, wantNL, wantColon [maskBatch]uint64
		lineMasks(buf, n, &nl, &colon)
		lineMasksGeneric(buf, n, &wantNL, &wantColon)
		if nl != wantNL || colon != wantColon {
			t.Fatalf("round %d: masks %x %x, want %x %x", round, nl, colon, wantNL, wantColon)
		}
	}
}
