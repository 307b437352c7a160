//go:build !purego

package http1

// lineMasks sets, for each of the n (1 to maskBatch) 64-byte chunks of
// p, which must hold 64*n bytes, bit i of nl[k] when p[64*k+i] is '\n'
// and of colon[k] when it is ':'. SSE2: every amd64 has it.
func lineMasks(p []byte, n int, nl, colon *[maskBatch]uint64) {
	_ = p[64*n-1]
	lineMasksSSE2(&p[0], n, nl, colon)
}

//go:noescape
func lineMasksSSE2(p *byte, n int, nl, colon *[maskBatch]uint64)
