//go:build race

package keyed_test

// raceEnabled is true under the race detector, which makes tests slower
// and changes what allocates.
const raceEnabled = true
