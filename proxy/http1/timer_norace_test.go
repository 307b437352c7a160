//go:build !race

package http1_test

import (
	"bufio"
	"strings"
	"testing"

	"github.com/hitrate/hitrate/proxy/http1"
)

// A scan with a Timer allocates nothing either.
func TestTimerAllocs(t *testing.T) {
	reqs := strings.Repeat("GET / HTTP/1.1\r\nHost: x\r\n\r\n", 8)
	resps := strings.Repeat("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 8)
	tm := &timer{nows: make([]int64, 16*1000+16), times: make([]int64, 0, 8*1000+8)}
	var q http1.Queue
	rr, sr := strings.NewReader(reqs), strings.NewReader(resps)
	br, bs := bufio.NewReader(rr), bufio.NewReader(sr)
	allocs := testing.AllocsPerRun(100, func() {
		q = http1.Queue{}
		rr.Reset(reqs)
		sr.Reset(resps)
		br.Reset(rr)
		bs.Reset(sr)
		http1.ScanRequests(br, tm, &q)
		q.Close()
		http1.ScanResponses(bs, tm, &q)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per scan of 8 requests and responses, want 0", allocs)
	}
}
