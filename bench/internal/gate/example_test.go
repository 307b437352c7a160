package gate_test

import (
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/hitrate/hitrate/bench/internal/gate"
)

func Example() {
	const base = `pkg: example.com/counter
BenchmarkInc-2   100000000   10.1 ns/op   0 B/op   0 allocs/op
BenchmarkInc-2   100000000   10.0 ns/op   0 B/op   0 allocs/op
BenchmarkInc-2   100000000   10.3 ns/op   0 B/op   0 allocs/op
BenchmarkInc-2   100000000   10.2 ns/op   0 B/op   0 allocs/op
BenchmarkInc-2   100000000   10.1 ns/op   0 B/op   0 allocs/op
BenchmarkInc-2   100000000   10.2 ns/op   0 B/op   0 allocs/op
`
	const head = `pkg: example.com/counter
BenchmarkInc-2   80000000    13.1 ns/op   8 B/op   1 allocs/op
BenchmarkInc-2   80000000    13.4 ns/op   8 B/op   1 allocs/op
BenchmarkInc-2   80000000    13.2 ns/op   8 B/op   1 allocs/op
BenchmarkInc-2   80000000    13.0 ns/op   8 B/op   1 allocs/op
BenchmarkInc-2   80000000    13.3 ns/op   8 B/op   1 allocs/op
BenchmarkInc-2   80000000    13.1 ns/op   8 B/op   1 allocs/op
`
	b, err := gate.ReadResults(strings.NewReader(base), "base")
	if err != nil {
		log.Fatal(err)
	}
	h, err := gate.ReadResults(strings.NewReader(head), "head")
	if err != nil {
		log.Fatal(err)
	}
	rep := gate.Compare(b, h, gate.DefaultConfig())
	if err := rep.WriteTable(os.Stdout); err != nil {
		log.Fatal(err)
	}
	fmt.Println("failed:", rep.Failed())
	// Output:
	// pkg: example.com/counter
	// sec/op          base         head         delta    p      n  verdict
	// BenchmarkInc-2  10.15n ± 1%  13.15n ± 2%  +29.56%  0.002  6  FAIL
	// B/op            base         head         delta    p      n  verdict
	// BenchmarkInc-2  0.000 ± 0%   8.000 ± 0%   +∞       -      6  warn
	// allocs/op       base         head         delta    p      n  verdict
	// BenchmarkInc-2  0.000 ± 0%   1.000 ± 0%   +∞       -      6  FAIL
	//
	// FAIL: counter BenchmarkInc-2 sec/op: slower by 29.6% (tolerance 10%, p=0.002 < 0.05)
	// warn: counter BenchmarkInc-2 B/op: B/op grew from 0 to 8
	// FAIL: counter BenchmarkInc-2 allocs/op: allocs/op grew from 0 to 1
	// FAIL: 1 of 1 benchmark(s) failed; first: BenchmarkInc-2 sec/op: slower by 29.6% (tolerance 10%, p=0.002 < 0.05)
	// failed: true
}
