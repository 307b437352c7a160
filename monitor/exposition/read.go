package exposition

import (
	"errors"
	"fmt"
	"runtime"

	"github.com/hitrate/hitrate/monitor"
)

// PanicError is the error Read returns when the Source panics.
type PanicError struct {
	// Value is what the Source panicked with.
	Value any
	// Stack is the stack of the goroutine that panicked, as
	// runtime.Stack writes it, cut to 16 kB.
	Stack []byte
}

// Error returns "Source.Snapshot panicked: " and the panic's value.
func (e *PanicError) Error() string {
	return fmt.Sprintf("Source.Snapshot panicked: %v", e.Value)
}

// errNilSource is returned by Read for a nil Source.
var errNilSource = errors.New("nil Source")

// Read returns src.Snapshot(q), turning a panic of src into a
// *PanicError, so that one bad Source gives an exporter an error to
// report (a 500, an invalid metric) rather than a crashed program. A nil
// src is an error too.
func Read(src monitor.Source, q monitor.Query) (s monitor.Snapshot, err error) {
	if src == nil {
		return s, errNilSource
	}
	defer func() {
		if v := recover(); v != nil {
			buf := make([]byte, 16<<10)
			err = &PanicError{Value: v, Stack: buf[:runtime.Stack(buf, false)]}
		}
	}()
	return src.Snapshot(q), nil
}
