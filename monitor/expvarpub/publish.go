// Package expvarpub publishes hitrate snapshots in package expvar, which
// net/http's default mux serves as JSON at /debug/vars.
//
// Importing this package is the opt-in: it imports expvar, whose init
// registers /debug/vars on http.DefaultServeMux and publishes the command
// line and memstats there. Package monitor does not import expvar, so a
// program that only counts publishes nothing.
package expvarpub

import (
	"encoding/json"
	"errors"
	"expvar"
	"fmt"
	"sync"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/monitor/exposition"
)

// mu serializes Publish's check and publish.
var mu sync.Mutex

// Publish publishes src under name in package expvar, as the Snapshot of
// the zero Query, taken each time the variable is read. A Snapshot that
// does not encode as JSON (a NaN or infinite rate, from a Source of the
// user's own) is published as {"error": "..."} instead, so that
// /debug/vars stays valid JSON (expvar would write nothing for it); so is
// a panic of src, which would otherwise abort every read of /debug/vars.
//
// Unlike expvar.Publish, it returns an error instead of panicking when name
// is already taken, or when name is empty or src is nil. (It can still
// panic if another goroutine calls expvar.Publish with the same name at
// the same instant.) Names are process-wide and cannot be unpublished.
func Publish(name string, src monitor.Source) error {
	if name == "" {
		return errors.New("expvarpub: Publish: empty name")
	}
	if src == nil {
		return errors.New("expvarpub: Publish: nil Source")
	}
	if m, ok := src.(*monitor.Monitor); ok && m == nil {
		return fmt.Errorf("expvarpub: Publish %q: nil *monitor.Monitor", name)
	}
	mu.Lock()
	defer mu.Unlock()
	if expvar.Get(name) != nil {
		return fmt.Errorf("expvarpub: Publish: expvar %q is already published", name)
	}
	expvar.Publish(name, expvar.Func(func() any { return snapshot(src) }))
	return nil
}

// snapshot returns the Snapshot of src for the zero Query as JSON, encoded
// once here (expvar writes a json.RawMessage as it is), or an error object
// if src panics or the Snapshot does not encode as JSON.
func snapshot(src monitor.Source) any {
	s, err := exposition.Read(src, monitor.Query{})
	if err == nil {
		var b []byte
		if b, err = json.Marshal(s); err == nil {
			return json.RawMessage(b)
		}
	}
	return map[string]string{"error": "expvarpub: " + err.Error()}
}
