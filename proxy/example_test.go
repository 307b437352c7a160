package proxy_test

import (
	"fmt"

	"github.com/hitrate/hitrate/proxy"
)

// The events a monitored proxy counts, from the one table that declares
// them.
func ExampleEvents() {
	for _, ev := range proxy.Events() {
		fmt.Printf("%-13s %s\n", ev.Name(), ev.Unit())
	}
	// Output:
	// requests      events
	// bytes_in      bytes
	// bytes_out     bytes
	// errors        events
	// responses_1xx events
	// responses_2xx events
	// responses_3xx events
	// responses_4xx events
	// responses_5xx events
	// idle_closed   events
	// rejected      events
}
