package monitor

import (
	"fmt"
	"net/url"
	"strconv"
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
	// SortBy orders connections: "id" (the default), "age", "name", or an
	// event name, which sorts by that event's rate.
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
//	filter    a substring of connection names (Query.Filter), at most MaxFilterLen bytes
//	sort      "id", "age", "name" or an event name (Query.SortBy)
//	desc      bool: reverse the order (Query.Desc)
//	limit     an integer in [1, MaxConnLimit] (Query.Limit)
//
// A bool is anything strconv.ParseBool accepts, or empty for true
// ("?conns&desc"). ParseQuery is strict: a malformed value, a key given
// twice, or a protocol or sort key that no monitor could have (see New for
// names) is an error. Other keys are ignored, for the handler's own use.
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
			return fmt.Errorf("monitor: query key %q: %q is not a bool", key, s)
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
		if err := checkName("protocol", s); err != nil {
			return Query{}, fmt.Errorf("monitor: query key \"protocol\": %w", err)
		}
		q.Protocol = s
	}
	s, _, err = get("filter")
	if err != nil {
		return Query{}, err
	}
	if len(s) > MaxFilterLen {
		return Query{}, fmt.Errorf("monitor: query key \"filter\" is %d bytes, over %d", len(s), MaxFilterLen)
	}
	q.Filter = s
	s, ok, err = get("sort")
	if err != nil {
		return Query{}, err
	}
	if ok && s != "" {
		if err := checkName("sort key", s); err != nil {
			return Query{}, fmt.Errorf("monitor: query key \"sort\": %w", err)
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
			return Query{}, fmt.Errorf("monitor: query key \"limit\": %q is not an integer in [1, %d]", s, MaxConnLimit)
		}
		q.Limit = n
	}
	return q, nil
}
