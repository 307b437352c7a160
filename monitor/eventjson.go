package monitor

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"
)

// eventStatsJSON is EventStats without its methods: the fields that JSON
// encodes as they are.
type eventStatsJSON EventStats

// MarshalJSON encodes e as an object with the tagged fields of EventStats,
// then "rate_low" and "rate_high" if e's Unit has an interval (an event
// of Bytes has none, and gives neither), then "rate_Ns" and "span_Ns" for
// each of e.Averages, N being its window in seconds.
func (e EventStats) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(eventStatsJSON(e))
	if err != nil {
		return nil, err
	}
	b = bytes.TrimSuffix(b, []byte("}"))
	num := func(key string, v float64) error {
		j, err := json.Marshal(v)
		if err != nil {
			return err
		}
		b = append(b, `,"`...)
		b = append(b, key...)
		b = append(b, `":`...)
		b = append(b, j...)
		return nil
	}
	if e.Unit.hasInterval() {
		if err := num("rate_low", e.RateLow); err != nil {
			return nil, err
		}
		if err := num("rate_high", e.RateHigh); err != nil {
			return nil, err
		}
	}
	for _, a := range e.Averages {
		n := windowName(a.Window)
		if err := num("rate_"+n, a.Rate); err != nil {
			return nil, err
		}
		if err := num("span_"+n, a.Span); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// UnmarshalJSON decodes what MarshalJSON encodes, so that a Snapshot
// decodes from its JSON: Averages gets one entry per AverageWindows whose
// rate_Ns is present.
func (e *EventStats) UnmarshalJSON(b []byte) error {
	var plain eventStatsJSON
	if err := json.Unmarshal(b, &plain); err != nil {
		return err
	}
	var extra struct {
		RateLow  float64 `json:"rate_low"`
		RateHigh float64 `json:"rate_high"`
	}
	if err := json.Unmarshal(b, &extra); err != nil {
		return err
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(b, &keys); err != nil {
		return err
	}
	*e = EventStats(plain)
	e.RateLow, e.RateHigh = extra.RateLow, extra.RateHigh
	e.Averages = nil
	for _, w := range averageWindows {
		n := windowName(w)
		r, ok := keys["rate_"+n]
		if !ok {
			continue
		}
		a := Average{Window: w}
		if err := json.Unmarshal(r, &a.Rate); err != nil {
			return err
		}
		if s, ok := keys["span_"+n]; ok {
			if err := json.Unmarshal(s, &a.Span); err != nil {
				return err
			}
		}
		e.Averages = append(e.Averages, a)
	}
	return nil
}

// windowName is the JSON suffix of a window: its whole seconds and "s".
func windowName(w time.Duration) string {
	return strconv.FormatInt(int64(w/time.Second), 10) + "s"
}
