package monitor

import (
	"errors"
	"expvar"
	"fmt"
	"sync"
)

// expvarMu serializes PublishExpvar's check and publish.
var expvarMu sync.Mutex

// PublishExpvar publishes src under name in package expvar (served as JSON
// at /debug/vars by net/http's default mux), as the Snapshot of the zero
// Query, taken each time the variable is read. It is opt-in: nothing is
// published unless it is called.
//
// Unlike expvar.Publish, it returns an error instead of panicking when name
// is already taken, or when name is empty or src is nil. (It can still
// panic if another goroutine calls expvar.Publish with the same name at
// the same instant.)
func PublishExpvar(name string, src Source) error {
	if name == "" {
		return errors.New("monitor: PublishExpvar: empty name")
	}
	if src == nil {
		return errors.New("monitor: PublishExpvar: nil Source")
	}
	if m, ok := src.(*Monitor); ok && m == nil {
		return fmt.Errorf("monitor: PublishExpvar %q: %w", name, errNilMonitor)
	}
	expvarMu.Lock()
	defer expvarMu.Unlock()
	if expvar.Get(name) != nil {
		return fmt.Errorf("monitor: PublishExpvar: expvar %q is already published", name)
	}
	expvar.Publish(name, expvar.Func(func() any { return src.Snapshot(Query{}) }))
	return nil
}
