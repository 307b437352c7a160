package proxy

// maskBatch is the most 64-byte chunks one lineMasks call covers.
const maskBatch = 4

// lineMasks sets, for each of the n (1 to maskBatch) 64-byte chunks of p,
// which must hold 64*n bytes, bit i of nl[k] when p[64*k+i] is '\n' and
// of colon[k] when it is ':'. It is plain Go: an SSE2 version measured
// about 20% faster on the request microbenchmark but no different in the
// proxy's overhead, so the repository keeps no assembly.
func lineMasks(p []byte, n int, nl, colon *[maskBatch]uint64) {
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
