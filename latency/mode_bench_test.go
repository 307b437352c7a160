package latency

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/hitrate/hitrate/ring"
)

// BenchmarkRecordMode records from one goroutine in each mode, whatever
// New would choose on this CPU: base (atomic adds on the shared stripe)
// and striped (pinned plain stores).
func BenchmarkRecordMode(b *testing.B) {
	var vs [1024]time.Duration
	r := rand.New(rand.NewPCG(1, 1))
	for i := range vs {
		vs[i] = time.Duration(50e3 * math.Exp(r.Float64()*math.Log(4000)))
	}
	for _, striped := range []bool{false, true} {
		name := "base"
		if striped {
			name = "striped"
		}
		b.Run(name, func(b *testing.B) {
			clock := ring.NewClock()
			defer clock.Stop()
			h := newN(clock, runtime.GOMAXPROCS(0))
			if striped {
				h.striped.Store(1)
			}
			i := 0
			for b.Loop() {
				h.Record(vs[i&1023])
				i++
			}
		})
	}
}
