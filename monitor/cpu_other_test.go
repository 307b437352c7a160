//go:build !unix

package monitor_test

import "time"

// cpuTime returns 0 where the CPU time is not known: benchmarks then report
// no cpu-ms/op.
func cpuTime() time.Duration { return 0 }
