package web

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hitrate/hitrate/internal/human"
	"github.com/hitrate/hitrate/monitor"
)

// MaxFilterLen is the longest monitor.Query.Filter, in bytes, that
// ParseQuery accepts.
const MaxFilterLen = 256

// maxLimitLen is the longest limit that ParseQuery accepts, in bytes: 20,
// an int64 with its sign. Leading zeros keep a longer one in range, and
// the page repeats the value in its links and form.
const maxLimitLen = 20

// ParseQuery reads a monitor.Query from URL query values, as the handler
// does, answering 400 Bad Request when it fails. The keys are
//
//	conns     bool: list open connections (Query.Conns)
//	protocol  a monitor name (Query.Protocol)
//	filter    a substring of connection names (Query.Filter), valid UTF-8 of at most MaxFilterLen bytes
//	sort      the order of the connections (Query.SortBy): "id" (the
//	          default), "age", "name", "rate:" and an event name (by its
//	          rate), "total:" and an event name (by its total), "mean:"
//	          or "count:" and a distribution name (by the mean of its
//	          values over the last second, or by their number), or a bare
//	          event name other than those three (by its rate)
//	desc      bool: reverse the order (Query.Desc)
//	limit     an integer in [1, monitor.MaxConnLimit] (Query.Limit), of at most 20 bytes
//
// A bool is anything strconv.ParseBool accepts, or empty for true
// ("?conns&desc"). ParseQuery is strict: a malformed value, a key given
// twice, or a protocol or sort key that no monitor could have (see
// monitor.CheckName) is an error. Other keys are ignored, for the handler's own use.
// Its errors quote at most a short prefix of a bad value.
//
// ParseQuery does not know the monitors: a well-formed protocol or event
// name that no monitor has is not an error. Snapshot then lists no
// protocol, or sorts by id, respectively.
func ParseQuery(v url.Values) (monitor.Query, error) {
	var q monitor.Query
	get := func(key string) (string, bool, error) {
		vs, ok := v[key]
		switch {
		case !ok || len(vs) == 0:
			return "", false, nil
		case len(vs) > 1:
			return "", false, fmt.Errorf("web: query key %q given %d times", key, len(vs))
		}
		return vs[0], true, nil
	}
	parseBool := func(key string, dst *bool) error {
		s, ok, err := get(key)
		if err != nil || !ok {
			return err
		}
		if s == "" {
			*dst = true
			return nil
		}
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("web: query key %q: %s is not a bool", key, human.Quote(s))
		}
		*dst = b
		return nil
	}
	if err := parseBool("conns", &q.Conns); err != nil {
		return monitor.Query{}, err
	}
	if err := parseBool("desc", &q.Desc); err != nil {
		return monitor.Query{}, err
	}
	s, ok, err := get("protocol")
	if err != nil {
		return monitor.Query{}, err
	}
	if ok && s != "" {
		if err := monitor.CheckName(s); err != nil {
			return monitor.Query{}, fmt.Errorf("web: query key \"protocol\": %s %v", human.Quote(s), err)
		}
		q.Protocol = s
	}
	s, _, err = get("filter")
	if err != nil {
		return monitor.Query{}, err
	}
	switch {
	case len(s) > MaxFilterLen:
		return monitor.Query{}, fmt.Errorf("web: query key \"filter\": %s is %d bytes long, over MaxFilterLen (%d)", human.Quote(s), len(s), MaxFilterLen)
	case !utf8.ValidString(s):
		return monitor.Query{}, fmt.Errorf("web: query key \"filter\": %s is not valid UTF-8", human.Quote(s))
	}
	q.Filter = s
	s, ok, err = get("sort")
	if err != nil {
		return monitor.Query{}, err
	}
	if ok && s != "" {
		by, err := parseSort(s)
		if err != nil {
			return monitor.Query{}, err
		}
		q.SortBy = by
	}
	s, ok, err = get("limit")
	if err != nil {
		return monitor.Query{}, err
	}
	if ok {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > monitor.MaxConnLimit || len(s) > maxLimitLen {
			return monitor.Query{}, fmt.Errorf("web: query key \"limit\": %s is not an integer in [1, %d]", human.Quote(s), monitor.MaxConnLimit)
		}
		q.Limit = n
	}
	return q, nil
}

// The prefixes of the sort keys that name an event or a distribution. A
// bare event name sorts by its rate, unless it is one of the keys of the
// other orders or begins with a prefix: "rate:" and the name always does.
const (
	sortRate  = "rate:"
	sortTotal = "total:"
	sortMean  = "mean:"
	sortCount = "count:"
)

// parseSort returns the order a sort key asks for.
func parseSort(key string) (monitor.Sort, error) {
	switch key {
	case "", "id":
		return monitor.Sort{}, nil
	case "age":
		return monitor.ByAge(), nil
	case "name":
		return monitor.ByName(), nil
	}
	by, ev, what := monitor.ByRate, key, "event"
	if rest, ok := strings.CutPrefix(key, sortTotal); ok {
		by, ev = monitor.ByTotal, rest
	} else if rest, ok := strings.CutPrefix(key, sortRate); ok {
		ev = rest
	} else if rest, ok := strings.CutPrefix(key, sortMean); ok {
		by, ev, what = monitor.ByMean, rest, "distribution"
	} else if rest, ok := strings.CutPrefix(key, sortCount); ok {
		by, ev, what = monitor.ByCount, rest, "distribution"
	}
	if err := monitor.CheckName(ev); err != nil {
		if ev != key {
			return monitor.Sort{}, fmt.Errorf("web: query key \"sort\": the %s name in %s %v", what, human.Quote(key), err)
		}
		return monitor.Sort{}, fmt.Errorf("web: query key \"sort\": %s %v", human.Quote(key), err)
	}
	return by(ev), nil
}

// rateKey returns the shortest sort key of the rate of the event named
// ev: the bare name, unless the name reads as another key.
func rateKey(ev string) string {
	switch {
	case ev == "id" || ev == "age" || ev == "name",
		strings.HasPrefix(ev, sortRate), strings.HasPrefix(ev, sortTotal),
		strings.HasPrefix(ev, sortMean), strings.HasPrefix(ev, sortCount):
		return sortRate + ev
	}
	return ev
}
