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
	// Limit caps the connections listed per protocol; 0 means
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
// Sort: oldest first), or one made by ByAge, ByName, ByRate or ByTotal.
type Sort struct {
	by    uint8  // sortID ...
	event string // for sortRate and sortTotal
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
