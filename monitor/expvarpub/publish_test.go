package expvarpub_test

import (
	"encoding/json"
	"expvar"
	"fmt"
	"math"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/monitor/expvarpub"
	"github.com/hitrate/hitrate/ring"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/hitrate/hitrate/ring.defaultRotator"))
}

// runs numbers the runs of a test in this process: expvar names are
// process-wide and cannot be unpublished, so that each run (with -count
// above 1) publishes under a name of its own.
var runs atomic.Int64

func TestPublish(t *testing.T) {
	clock := ring.NewManualClock()
	m, err := monitor.New("http", []string{"req"}, monitor.WithClock(clock.Clock), monitor.WithManualSampling())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	m.Log(m.MustEvent("req"))
	name := fmt.Sprintf("hitrate_expvarpub_test_%d", runs.Add(1))
	if err := expvarpub.Publish(name, m); err != nil {
		t.Fatal(err)
	}
	var s monitor.Snapshot
	if err := json.Unmarshal([]byte(expvar.Get(name).String()), &s); err != nil {
		t.Fatal(err)
	}
	if len(s.Protocols) != 1 || s.Protocols[0].Events[0].Total != 1 {
		t.Errorf("published %+v", s)
	}
	if err := expvarpub.Publish(name, m); err == nil || !strings.Contains(err.Error(), "already published") {
		t.Errorf("second publish: %v", err)
	}
	if err := expvarpub.Publish("", m); err == nil {
		t.Error("empty name: nil error")
	}
	if err := expvarpub.Publish("hitrate_nil", nil); err == nil {
		t.Error("nil Source: nil error")
	}
	var nm *monitor.Monitor
	if err := expvarpub.Publish("hitrate_nil", nm); err == nil {
		t.Error("nil *Monitor: nil error")
	}
	if expvar.Get("hitrate_nil") != nil {
		t.Error("a failed Publish published")
	}
}

// nanSource is a Source of the user's own whose snapshot has a NaN rate.
type nanSource struct{}

func (nanSource) Snapshot(monitor.Query) monitor.Snapshot {
	return monitor.Snapshot{Protocols: []monitor.Protocol{{Name: "p", Events: []monitor.EventStats{{Name: "e", Rate: math.NaN()}}}}}
}

// TestPublishNonFinite: a snapshot that does not encode as JSON is
// published as an error object; expvar wrote nothing for it, which made
// the whole of /debug/vars invalid JSON.
func TestPublishNonFinite(t *testing.T) {
	name := fmt.Sprintf("hitrate_expvarpub_nan_%d", runs.Add(1))
	if err := expvarpub.Publish(name, nanSource{}); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	expvar.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/debug/vars", nil))
	var vars map[string]json.RawMessage
	if err := json.Unmarshal(rec.Body.Bytes(), &vars); err != nil {
		t.Fatalf("/debug/vars is not JSON: %v", err)
	}
	var v struct{ Error string }
	if err := json.Unmarshal(vars[name], &v); err != nil || !strings.Contains(v.Error, "NaN") {
		t.Errorf("%s = %s (%v), want an error object naming the NaN", name, vars[name], err)
	}
}

// panicSource is a Source of the user's own that panics.
type panicSource struct{}

func (panicSource) Snapshot(monitor.Query) monitor.Snapshot { panic("boom") }

// TestPublishPanic: a Source that panics is published as an error object;
// the panic went up through expvar's handler and aborted every read of
// /debug/vars.
func TestPublishPanic(t *testing.T) {
	name := fmt.Sprintf("hitrate_expvarpub_panic_%d", runs.Add(1))
	if err := expvarpub.Publish(name, panicSource{}); err != nil {
		t.Fatal(err)
	}
	var got string
	func() {
		defer func() {
			if v := recover(); v != nil {
				t.Errorf("reading %s panicked: %v", name, v)
			}
		}()
		got = expvar.Get(name).String()
	}()
	var v struct{ Error string }
	if err := json.Unmarshal([]byte(got), &v); err != nil || !strings.Contains(v.Error, "boom") {
		t.Errorf("%s = %s (%v), want an error object naming the panic", name, got, err)
	}
}
