package monitor

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Query asks a Source for what a snapshot should hold beyond the
// protocol-wide numbers. The zero Query asks for no connections.
type Query struct {
	// Conns asks for the list of open connections.
	Conns bool
	// Protocol, when not empty, keeps only the monitor of that name.
	Protocol string
	// Filter, when not empty, keeps only connections whose Name contains it.
	Filter string
	// SortBy orders connections: "id" (the default), "age", "name", or
	// by one event: "rate:" and the event's name sorts by its rate (so
	// does the bare event name), "total:" and the event's name by its
	// total. Event names never begin with "rate:" or "total:" (New
	// refuses them), so these keys cannot collide with an event.
	SortBy string
	// Desc reverses the order.
	Desc bool
	// Limit caps the connections listed per protocol; 0 means
	// DefaultConnLimit.
	Limit int
}

const (
	// DefaultConnLimit is the number of connections a snapshot lists per
	// protocol when a Query gives no Limit.
	DefaultConnLimit = 100
	// MaxConnLimit is the highest Limit a Query may ask for.
	MaxConnLimit = 10000
)

// MaxFilterLen is the longest Query.Filter, in bytes, that ParseQuery
// accepts.
const MaxFilterLen = 256

// ParseQuery reads a Query from URL query values, for an HTTP handler to
// answer 400 Bad Request when it fails. The keys are
//
//	conns     bool: list open connections (Query.Conns)
//	protocol  a monitor name (Query.Protocol)
//	filter    a substring of connection names (Query.Filter), valid UTF-8 of at most MaxFilterLen bytes
//	sort      "id", "age", "name", an event name or "rate:" and an event
//	          name (by its rate), or "total:" and an event name (by its
//	          total) (Query.SortBy)
//	desc      bool: reverse the order (Query.Desc)
//	limit     an integer in [1, MaxConnLimit] (Query.Limit)
//
// A bool is anything strconv.ParseBool accepts, or empty for true
// ("?conns&desc"). ParseQuery is strict: a malformed value, a key given
// twice, or a protocol or sort key that no monitor could have (see New for
// names) is an error. Other keys are ignored, for the handler's own use.
// Its errors quote at most a short prefix of a bad value.
//
// ParseQuery does not know the monitors: a well-formed protocol or event
// name that no monitor has is not an error. Snapshot then lists no
// protocol, or sorts by id, respectively.
func ParseQuery(v url.Values) (Query, error) {
	var q Query
	get := func(key string) (string, bool, error) {
		vs, ok := v[key]
		switch {
		case !ok || len(vs) == 0:
			return "", false, nil
		case len(vs) > 1:
			return "", false, fmt.Errorf("monitor: query key %q given %d times", key, len(vs))
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
			return fmt.Errorf("monitor: query key %q: %s is not a bool", key, quoteShort(s))
		}
		*dst = b
		return nil
	}
	if err := parseBool("conns", &q.Conns); err != nil {
		return Query{}, err
	}
	if err := parseBool("desc", &q.Desc); err != nil {
		return Query{}, err
	}
	s, ok, err := get("protocol")
	if err != nil {
		return Query{}, err
	}
	if ok && s != "" {
		if p := nameProblem(s); p != "" {
			return Query{}, fmt.Errorf("monitor: query key \"protocol\": %s %s", quoteShort(s), p)
		}
		q.Protocol = s
	}
	s, _, err = get("filter")
	if err != nil {
		return Query{}, err
	}
	switch {
	case len(s) > MaxFilterLen:
		return Query{}, fmt.Errorf("monitor: query key \"filter\": %s is %d bytes long, over MaxFilterLen (%d)", quoteShort(s), len(s), MaxFilterLen)
	case !utf8.ValidString(s):
		return Query{}, fmt.Errorf("monitor: query key \"filter\": %s is not valid UTF-8", quoteShort(s))
	}
	q.Filter = s
	s, ok, err = get("sort")
	if err != nil {
		return Query{}, err
	}
	if ok && s != "" {
		ev := s
		if rest, ok := strings.CutPrefix(s, sortTotalPrefix); ok {
			ev = rest
		} else if rest, ok := strings.CutPrefix(s, sortRatePrefix); ok {
			ev = rest
		}
		if p := nameProblem(ev); p != "" && ev != s {
			return Query{}, fmt.Errorf("monitor: query key \"sort\": the event name in %s %s", quoteShort(s), p)
		} else if p != "" {
			return Query{}, fmt.Errorf("monitor: query key \"sort\": %s %s", quoteShort(s), p)
		}
		q.SortBy = s
	}
	s, ok, err = get("limit")
	if err != nil {
		return Query{}, err
	}
	if ok {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxConnLimit {
			return Query{}, fmt.Errorf("monitor: query key \"limit\": %s is not an integer in [1, %d]", quoteShort(s), MaxConnLimit)
		}
		q.Limit = n
	}
	return q, nil
}
