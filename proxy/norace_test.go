//go:build !race

package proxy

// raceEnabled is true under the race detector, where sync.Pool drops
// objects at random and allocation counts do not hold.
const raceEnabled = false
