//go:build !unix

package main

import "time"

// processCPU returns 0 where getrusage is not available: the CPU columns
// of the overhead tool then read "-".
func processCPU() time.Duration { return 0 }
