package monitor

// Query asks a Source for what a snapshot should hold beyond the
// protocol-wide numbers. The zero Query asks for no connections.
type Query struct {
	// Conns asks for the list of open connections.
	Conns bool
	// Protocol, when not empty, keeps only the monitor of that name.
	Protocol string
	// Filter, when not empty, keeps only connections whose Name contains it.
	Filter string
	// SortBy orders connections; the zero Sort orders them by id.
	SortBy Sort
	// Desc reverses the order.
	Desc bool
	// Limit caps the connections listed per protocol; 0 (or less) means
	// DefaultConnLimit, and a Limit above MaxConnLimit means MaxConnLimit.
	Limit int
}

const (
	// DefaultConnLimit is the number of connections a snapshot lists per
	// protocol when a Query gives no Limit.
	DefaultConnLimit = 100
	// MaxConnLimit is the highest Limit a Query may ask for.
	MaxConnLimit = 10000
)

// Sort is an order of connections, for Query.SortBy: by id (the zero
// Sort: oldest first), or one made by ByAge, ByName, ByRate, ByTotal,
// ByMean or ByCount.
type Sort struct {
	by    uint8  // sortID ...
	event string // the event of sortRate and sortTotal, the distribution of sortMean and sortCount
}

// ByAge sorts connections by age, youngest first.
func ByAge() Sort { return Sort{by: sortAge} }

// ByName sorts connections by name.
func ByName() Sort { return Sort{by: sortName} }

// ByRate sorts connections by the rate of the named event, lowest first;
// by id if the monitor has no such event.
func ByRate(event string) Sort { return Sort{by: sortRate, event: event} }

// ByTotal sorts connections by the total of the named event, lowest
// first; by id if the monitor has no such event.
func ByTotal(event string) Sort { return Sort{by: sortTotal, event: event} }

// ByMean sorts connections by the mean of the named latency
// distribution's values recorded on them over the last second
// (ConnDist.Mean), lowest first: with Query.Desc, the slowest first. A
// connection without values in the window reads 0. It sorts by id if the
// monitor has no such distribution.
func ByMean(dist string) Sort { return Sort{by: sortMean, event: dist} }

// ByCount sorts connections by the number of values of the named latency
// distribution recorded on them (ConnDist.Total), lowest first; by id if
// the monitor has no such distribution.
func ByCount(dist string) Sort { return Sort{by: sortCount, event: dist} }
