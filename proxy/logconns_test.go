package proxy

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// lockedBuffer is a bytes.Buffer for a logger and a test to share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// With LogConns, each closed connection logs one line with its exact
// byte counts.
func TestLogConns(t *testing.T) {
	var buf lockedBuffer
	m, err := NewMonitor("tcp", LogConns(slog.New(slog.NewTextHandler(&buf, nil))))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	up := startEcho(t, "", false)
	_, addr := startProxy(t, up.addr, m)

	sizes := []int{1, 70000, 12345}
	local := map[string]int{} // the client's address -> bytes sent
	for _, n := range sizes {
		c := dial(t, addr)
		local[c.LocalAddr().String()] = n
		msg := bytes.Repeat([]byte("z"), n)
		go func() {
			c.Write(msg)
			c.CloseWrite()
		}()
		got, err := io.ReadAll(c)
		c.Close()
		if err != nil || len(got) != n {
			t.Fatalf("echo: %d bytes, %v; want %d", len(got), err, n)
		}
	}
	waitClosed(t, m, uint64(len(sizes)))
	var lines []string
	poll(t, func() bool {
		lines = strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
		return len(lines) == len(sizes)
	})
	re := regexp.MustCompile(`^time=\S+ level=INFO msg="conn closed" conn\.protocol=tcp conn\.id=\d+ conn\.name=(\S+) conn\.opened=\S+ conn\.duration=\S+ conn\.events\.requests=0 conn\.events\.bytes_in=(\d+) conn\.events\.bytes_out=(\d+) conn\.events\.errors=0 conn\.events\.responses_1xx=0 conn\.events\.responses_2xx=0 conn\.events\.responses_3xx=0 conn\.events\.responses_4xx=0 conn\.events\.responses_5xx=0 conn\.events\.idle_closed=0 conn\.events\.rejected=0 ` +
		`conn\.distributions\.response_time\.count=0 conn\.distributions\.response_time\.mean=0s ` +
		`conn\.distributions\.connect_time\.count=1 conn\.distributions\.connect_time\.mean=[0-9.]+[µm]?s$`)
	for _, l := range lines {
		sm := re.FindStringSubmatch(l)
		if sm == nil {
			t.Errorf("log line %q does not match %s", l, re)
			continue
		}
		n, ok := local[sm[1]]
		if !ok {
			t.Errorf("log line %q: unknown client address", l)
			continue
		}
		delete(local, sm[1])
		if want := fmt.Sprint(n); sm[2] != want || sm[3] != want {
			t.Errorf("log line %q: bytes in %s, out %s, want %d", l, sm[2], sm[3], n)
		}
	}
	if len(local) != 0 {
		t.Errorf("no line for %v:\n%s", local, buf.String())
	}
}
