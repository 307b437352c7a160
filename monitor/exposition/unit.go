package exposition

import "github.com/hitrate/hitrate/monitor"

// UnitNames is how the exposition names the events of one monitor.Unit.
type UnitNames struct {
	// Noun is what the unit counts, capitalized: "Events", "Bytes".
	Noun string
	// UCUM is the unit as OpenTelemetry writes it: "{event}", "By".
	UCUM string
	// Total, Rate and Peak are the Prometheus families of the events of
	// the unit: their totals, rates and peak rates.
	Total, Rate, Peak string
}

// units is the unit rule, by monitor.Unit: the one place it is written.
var units = [...]UnitNames{
	monitor.Count: {Noun: "Events", UCUM: "{event}", Total: "hitrate_events_total", Rate: "hitrate_event_rate", Peak: "hitrate_event_peak_rate"},
	monitor.Bytes: {Noun: "Bytes", UCUM: "By", Total: "hitrate_bytes_total", Rate: "hitrate_bytes_rate", Peak: "hitrate_bytes_peak_rate"},
}

// Units returns the names of the events of unit u, and false if u is not
// a monitor.Unit (its events are in no family).
func Units(u monitor.Unit) (UnitNames, bool) {
	if int(u) >= len(units) {
		return UnitNames{}, false
	}
	return units[u], true
}
