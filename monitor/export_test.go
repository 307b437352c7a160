package monitor

// SameConn reports whether two handles share a conn's memory: whether b
// recycled a's.
func SameConn(a, b Conn) bool { return a.c == b.c }
