//go:build race

package httpcount

// raceEnabled is true under the race detector, where allocation counts do
// not hold.
const raceEnabled = true
