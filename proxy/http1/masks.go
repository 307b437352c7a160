package http1

// maskBatch is the most 64-byte chunks one lineMasks call covers.
const maskBatch = 4

// lineMasksGeneric is lineMasks in plain Go: for each of the n 64-byte
// chunks of p, bit i of nl[k] (colon[k]) is set when p[64*k+i] is '\n'
// (':').
func lineMasksGeneric(p []byte, n int, nl, colon *[maskBatch]uint64) {
	for k := range n {
		var a, b uint64
		for i, c := range p[64*k : 64*k+64] {
			switch c {
			case '\n':
				a |= 1 << i
			case ':':
				b |= 1 << i
			}
		}
		nl[k], colon[k] = a, b
	}
}
