package expvarpub_test

import (
	"log"
	"net/http"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/monitor/expvarpub"
)

// The example is compiled, not run: expvar names are process-wide, so a
// second run in one process (go test -count 2) could not publish again.
func ExamplePublish() {
	m, err := monitor.New("http", []string{"request"})
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	if err := expvarpub.Publish("hitrate", m); err != nil {
		log.Fatal(err)
	}
	// The snapshot is now in /debug/vars of net/http's default mux.
	log.Fatal(http.ListenAndServe("127.0.0.1:6060", nil))
}
