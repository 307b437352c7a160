//go:build race

package monitor_test

// raceEnabled is true under the race detector, where sync.Pool drops
// objects at random and allocation counts do not hold.
const raceEnabled = true
