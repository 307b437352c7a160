//go:build !amd64 || purego

package http1

func lineMasks(p []byte, n int, nl, colon *[maskBatch]uint64) {
	lineMasksGeneric(p, n, nl, colon)
}
