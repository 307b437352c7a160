//go:build race

package netcount_test

// raceEnabled is true under the race detector, where allocation counts do
// not hold.
const raceEnabled = true
