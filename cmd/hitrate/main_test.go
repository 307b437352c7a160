package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hitrate/hitrate/monitor"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/hitrate/hitrate/ring.defaultRotator"))
}

// syncBuffer is a bytes.Buffer safe for a command writing and a test
// reading at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// start runs the command line args in the background; wait returns its
// exit status, failing the test if it takes longer than limit.
func start(ctx context.Context, args ...string) (stdout, stderr *syncBuffer, wait func(t *testing.T, limit time.Duration) int) {
	stdout, stderr = new(syncBuffer), new(syncBuffer)
	done := make(chan int, 1)
	go func() { done <- run(ctx, args, stdout, stderr) }()
	return stdout, stderr, func(t *testing.T, limit time.Duration) int {
		t.Helper()
		select {
		case code := <-done:
			return code
		case <-time.After(limit):
			t.Fatalf("%q still running after %v; stdout:\n%s\nstderr:\n%s", args, limit, stdout, stderr)
			return -1
		}
	}
}

// await polls out until re matches, for up to limit, and returns the
// submatches.
func await(t *testing.T, out *syncBuffer, re *regexp.Regexp, limit time.Duration) []string {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("no match for %s within %v; output:\n%s", re, limit, out)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func httpGet(t *testing.T, url string) (int, []byte) {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

func TestUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string // in stderr
	}{
		{nil, exitUsage, "usage: hitrate <command>"},
		{[]string{"-h"}, exitOK, "proxy"},
		{[]string{"help"}, exitOK, "demo"},
		{[]string{"help", "proxy"}, exitOK, "usage: hitrate proxy"},
		{[]string{"nope"}, exitUsage, `unknown command "nope"`},
		{[]string{"-x"}, exitUsage, "flag -x before any command"},
		{[]string{"demo", "-h"}, exitOK, "-duration"},
		{[]string{"proxy", "-h"}, exitOK, "-upstream"},
		{[]string{"demo", "-nope"}, exitUsage, "flag provided but not defined: -nope"},
		{[]string{"demo", "-duration", "soon"}, exitUsage, "invalid value"},
		{[]string{"demo", "extra"}, exitUsage, "unexpected arguments"},
		{[]string{"demo", "-rate", "0"}, exitUsage, "-rate must be > 0 and at most 100000"},
		// Unbounded, these hung the demo's stop (the pacer's loop of
		// +Inf tokens a tick) or started a goroutine per client.
		{[]string{"demo", "-rate", "+Inf", "-duration", "1ms", "-stats", "127.0.0.1:0"}, exitUsage, "-rate must be > 0 and at most 100000"},
		{[]string{"demo", "-rate", "1e300", "-duration", "1ms", "-stats", "127.0.0.1:0"}, exitUsage, "-rate must be > 0 and at most 100000"},
		{[]string{"demo", "-rate", "NaN"}, exitUsage, "-rate must be > 0 and at most 100000"},
		{[]string{"demo", "-clients", "0"}, exitUsage, "-clients must be from 1 to 1000"},
		{[]string{"proxy", "-upstream", "127.0.0.1:1"}, exitUsage, "-listen is required"},
		{[]string{"proxy", "-listen", "127.0.0.1:0"}, exitUsage, "-upstream is required"},
		{[]string{"proxy", "-listen", "127.0.0.1:0", "-upstream", "nope"}, exitUsage, "missing port"},
		{[]string{"proxy", "-listen", "127.0.0.1:0", "-upstream", "127.0.0.1:1", "-protocol", ""}, exitUsage, "the monitor name is empty"},
		{[]string{"proxy", "-listen", "127.0.0.1:0", "-upstream", "127.0.0.1:1", "-idle-timeout", "-1s"}, exitUsage, "-idle-timeout must be >= 0"},
		{[]string{"proxy", "-listen", "127.0.0.1:0", "-upstream", "127.0.0.1:1", "-stats-idle-timeout", "-1s"}, exitUsage, "-stats-idle-timeout must be >= 0"},
		{[]string{"proxy", "-listen", "127.0.0.1:0", "-upstream", "127.0.0.1:1", "-max-clients", "0"}, exitUsage, "-max-clients must be from 1 to"},
		{[]string{"proxy", "-listen", "127.0.0.1:0", "-upstream", "127.0.0.1:1", "-max-clients", "1000000000"}, exitUsage, "-max-clients must be from 1 to"},
		{[]string{"proxy", "-listen", "127.0.0.1:0", "-upstream", "127.0.0.1:1", "-max-conn-rate", "-1"}, exitUsage, "-max-conn-rate must be a number >= 0"},
		{[]string{"proxy", "-listen", "127.0.0.1:0", "-upstream", "127.0.0.1:1", "-max-conn-rate", "NaN"}, exitUsage, "-max-conn-rate must be a number >= 0"},
		{[]string{"proxy", "-listen", "127.0.0.1:0", "-upstream", "127.0.0.1:1", "-max-conn-rate", "+Inf"}, exitUsage, "-max-conn-rate must be a number >= 0"},
		{[]string{"proxy", "-listen", "127.0.0.1:0", "-upstream", "127.0.0.1:1", "-max-conn-rate", "0.5"}, exitUsage, "-max-conn-rate must be 0 (no limit) or >= 1"},
		{[]string{"proxy", "-h"}, exitOK, "cardinality trap"},
		{[]string{"demo", "-idle-timeout", "-1s"}, exitUsage, "-idle-timeout must be >= 0"},
		// A malformed address or a port out of range is a usage error
		// naming its flag, found before the upstream is dialled.
		{[]string{"proxy", "-listen", "127.0.0.1:99999", "-upstream", "127.0.0.1:1"}, exitUsage, "hitrate proxy: -listen: address 99999: invalid port"},
		{[]string{"proxy", "-listen", "127.0.0.1:-1", "-upstream", "127.0.0.1:1"}, exitUsage, "hitrate proxy: -listen: address -1: invalid port"},
		{[]string{"proxy", "-listen", "nope", "-upstream", "127.0.0.1:1"}, exitUsage, "hitrate proxy: -listen: address nope: missing port in address"},
		{[]string{"proxy", "-listen", "127.0.0.1:0", "-upstream", "127.0.0.1:65536"}, exitUsage, "hitrate proxy: -upstream: proxy: upstream \"127.0.0.1:65536\": address 65536: invalid port"},
		{[]string{"proxy", "-listen", "127.0.0.1:0", "-upstream", "127.0.0.1:0"}, exitUsage, "hitrate proxy: -upstream: proxy: upstream \"127.0.0.1:0\": port 0"},
		{[]string{"proxy", "-listen", "127.0.0.1:0", "-upstream", "127.0.0.1:1", "-stats", "127.0.0.1:99999"}, exitUsage, "hitrate proxy: -stats: address 99999: invalid port"},
		{[]string{"proxy", "-listen", "127.0.0.1:0", "-upstream", "127.0.0.1:1", "-stats", "nope"}, exitUsage, "hitrate proxy: -stats: address nope: missing port in address"},
		{[]string{"demo", "-stats", "127.0.0.1:99999", "-duration", "1ms"}, exitUsage, "hitrate demo: -stats: address 99999: invalid port"},
		{[]string{"demo", "-stats", "nope", "-duration", "1ms"}, exitUsage, "hitrate demo: -stats: address nope: missing port in address"},
		// An empty -stats served the demo's page on every interface.
		{[]string{"demo", "-stats", "", "-duration", "1ms"}, exitUsage, "hitrate demo: -stats: missing port in address"},
		{[]string{"demo", "-stats-idle-timeout", "-1s"}, exitUsage, "-stats-idle-timeout must be >= 0"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), tc.args, &stdout, &stderr)
		if code != tc.code || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("hitrate %q: exit %d, want %d; stderr should hold %q:\n%s", tc.args, code, tc.code, tc.want, stderr.String())
		}
	}
	// hitrate -h lists every command.
	var stderr bytes.Buffer
	run(context.Background(), []string{"-h"}, io.Discard, &stderr)
	for _, c := range commands() {
		if !strings.Contains(stderr.String(), "  "+c.name+" ") {
			t.Errorf("hitrate -h does not list %q:\n%s", c.name, stderr.String())
		}
	}
}

// A flag that does not parse is reported on one line and a hint, not
// above the whole help (some 70 lines for proxy), which scrolled the error
// off a terminal.
func TestUsageErrorShort(t *testing.T) {
	for _, args := range [][]string{
		{"proxy", "-max-clients", "abc"},
		{"proxy", "-dial-timeout", "9999999999h"},
		{"proxy", "-nope"},
		{"demo", "-rate", "fast"},
		{"version", "-x"},
	} {
		var stderr bytes.Buffer
		code := run(context.Background(), args, io.Discard, &stderr)
		want := "run 'hitrate " + args[0] + " -h' for usage\n"
		if lines := strings.Count(stderr.String(), "\n"); code != exitUsage || lines != 2 || !strings.HasSuffix(stderr.String(), want) {
			t.Errorf("hitrate %q: exit %d, want %d; stderr has %d lines, want the error and %q:\n%s", args, code, exitUsage, lines, want, stderr.String())
		}
	}
}

// closedAddr returns a loopback address where nothing listens.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestProxyUnreachableUpstream(t *testing.T) {
	up := closedAddr(t)
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"proxy", "-listen", "127.0.0.1:0", "-upstream", up, "-dial-timeout", "2s"}, &stdout, &stderr)
	if code != exitFail {
		t.Errorf("exit %d, want %d", code, exitFail)
	}
	if want := "upstream " + up + " is unreachable"; !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr should hold %q:\n%s", want, stderr.String())
	}
}

// An address in use is a failure (exit 1), not a usage error, and its
// message names the flag.
func TestProxyBusyAddrs(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0") // the upstream too: it answers the dial
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	a := busy.Addr().String()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-listen", a}, "hitrate proxy: -listen: listen tcp " + a + ": "},
		{[]string{"-listen", "127.0.0.1:0", "-stats", a}, "hitrate proxy: -stats: listen tcp " + a + ": "},
	} {
		var stdout, stderr bytes.Buffer
		args := append([]string{"proxy", "-upstream", a}, tc.args...)
		if code := run(context.Background(), args, &stdout, &stderr); code != exitFail || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("hitrate %q: exit %d, want %d; stderr should hold %q:\n%s", args, code, exitFail, tc.want, stderr.String())
		}
	}
}

func TestProxyCommand(t *testing.T) {
	uln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	up := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "upstream says hi")
	})}
	go up.Serve(uln)
	defer up.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout, stderr, wait := start(ctx, "proxy", "-listen", "127.0.0.1:0", "-upstream", uln.Addr().String(), "-stats", "127.0.0.1:0", "-protocol", "web", "-log-conns")
	addr := await(t, stdout, regexp.MustCompile(`(127\.0\.0\.1:\d+) -> `), 5*time.Second)[1]
	stats := await(t, stdout, regexp.MustCompile(`stats at (http://\S+/)`), 5*time.Second)[1]

	// The page says what it watches.
	_, page := httpGet(t, stats)
	for _, want := range []string{
		"<dt>listen</dt><dd>" + addr + "</dd>",
		"<dt>upstream</dt><dd>" + uln.Addr().String() + "</dd>",
		"<dt>version</dt><dd>" + strings.ReplaceAll(version(), "+", "&#43;") + "</dd>", // as html/template escapes it
		"<dt>uptime</dt><dd>",
	} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("stats page lacks %q", want)
		}
	}

	for range 3 {
		if code, body := httpGet(t, "http://"+addr+"/"); code != 200 || string(body) != "upstream says hi" {
			t.Fatalf("through the proxy: %d %q", code, body)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, b := httpGet(t, stats+"json")
		var s monitor.Snapshot
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatal(err)
		}
		if len(s.Protocols) != 1 || s.Protocols[0].Name != "web" {
			t.Fatalf("stats: %s", b)
		}
		p := s.Protocols[0]
		if p.Conns.Total == 3 && p.Conns.Current == 0 {
			if p.Events[0].Name != "requests" || p.Events[0].Total != 3 {
				t.Errorf("stats: %+v, want 3 requests", p.Events)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stats: %s", b)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if code := wait(t, 10*time.Second); code != exitOK {
		t.Errorf("exit %d, want 0; stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stdout.String(), "hitrate proxy: stopping; 0 connections open") || !strings.Contains(stdout.String(), "hitrate proxy: stopped") {
		t.Errorf("stdout:\n%s", stdout)
	}
	// -log-conns: a line per connection, each with its one request.
	closed := regexp.MustCompile(`(?m)^time=\S+ level=INFO msg="conn closed" conn\.protocol=web conn\.id=\d+ .* conn\.events\.requests=1 `)
	if n := len(closed.FindAllString(stderr.String(), -1)); n != 3 {
		t.Errorf("stderr has %d conn closed lines, want 3:\n%s", n, stderr)
	}
}

// The demo serves its page and prints non-zero rates within 2 seconds,
// and stops by itself after -duration.
func TestDemo(t *testing.T) {
	began := time.Now()
	stdout, stderr, wait := start(context.Background(), "demo", "-duration", "2.5s", "-stats", "127.0.0.1:0")
	url := await(t, stdout, regexp.MustCompile(`stats page at (http://\S+/)`), 2*time.Second)[1]
	if code, body := httpGet(t, url); code != 200 || !bytes.Contains(body, []byte("<html")) || !bytes.Contains(body, []byte("<dt>upstream</dt><dd>127.0.0.1:")) {
		t.Errorf("GET %s: %d\n%.200s", url, code, body)
	}
	// A table line of the http protocol with a non-zero request rate.
	m := await(t, stdout, regexp.MustCompile(`(?m)^\s*\d+s\s+http\s+conns\s+\d+\s+requests ([0-9.]+)([kMG]?)/s`), time.Until(began.Add(2*time.Second)))
	if v, _ := strconv.ParseFloat(m[1], 64); v == 0 {
		t.Errorf("zero request rate: %q", m[0])
	}
	await(t, stdout, regexp.MustCompile(`(?m)^\s*\d+s\s+dns\s+conns\s+\d+\s+queries [1-9]`), time.Until(began.Add(2*time.Second)))
	if code, body := httpGet(t, url+"metrics"); code != 200 || !bytes.Contains(body, []byte(`hitrate_events_total{protocol="smtp",event="messages"}`)) ||
		!bytes.Contains(body, []byte(`{protocol="http-server",event="requests"}`)) {
		t.Errorf("GET /metrics: %d\n%s", code, body)
	}
	if code := wait(t, 10*time.Second); code != exitOK {
		t.Errorf("exit %d, want 0; stderr:\n%s", code, stderr)
	}
	if !strings.HasSuffix(stdout.String(), "hitrate demo: stopping\n") {
		t.Errorf("stdout:\n%s", stdout)
	}
	if strings.Contains(stdout.String(), "\x1b[") {
		t.Error("ANSI escapes in output that is not a terminal")
	}
	t.Logf("output:\n%s", stdout)
}

// The demo falls back to a free port when the -stats address is busy.
func TestDemoStatsBusy(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout, _, wait := start(ctx, "demo", "-stats", ln.Addr().String(), "-rate", "10")
	await(t, stdout, regexp.MustCompile(`is busy: serving on a free port instead`), 5*time.Second)
	cancel()
	if code := wait(t, 10*time.Second); code != exitOK {
		t.Errorf("exit %d, want 0", code)
	}
	if strings.Contains(stdout.String(), "stats page at http://"+ln.Addr().String()) {
		t.Errorf("served on the busy address:\n%s", stdout)
	}
}

func TestFormatRows(t *testing.T) {
	rows := formatRows([]monitor.Protocol{
		{Name: "http", Conns: monitor.ConnCounts{Current: 12}, Events: []monitor.EventStats{{Name: "requests", Rate: 1234}, {Name: "errors", Rate: 0.5}}},
		{Name: "dns", Conns: monitor.ConnCounts{Current: 3}, Events: []monitor.EventStats{{Name: "queries", Rate: 2.5e6}}},
		{Name: "smtp", Conns: monitor.ConnCounts{Current: 0}, Events: []monitor.EventStats{{Name: "messages", Rate: 3.14159}, {Name: "bytes", Unit: monitor.Bytes, Rate: 42440}}},
	})
	want := []string{
		"http  conns 12  requests 1.23k/s  errors 0.5/s",
		"dns   conns  3  queries 2.5M/s",
		"smtp  conns  0  messages 3.14/s   bytes 42.4 kB/s",
	}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}
}

func TestTableTerminal(t *testing.T) {
	var b bytes.Buffer
	tab := &table{w: &b, tty: true, start: time.Now()}
	s := monitor.Snapshot{Protocols: []monitor.Protocol{{Name: "x", Events: []monitor.EventStats{{Name: "e", Rate: 1}}}}}
	tab.draw(s, tab.start.Add(time.Second))
	first := b.String()
	tab.draw(s, tab.start.Add(2*time.Second))
	if strings.Contains(first, "\x1b[2A") || !strings.Contains(b.String()[len(first):], "\x1b[2A") {
		t.Errorf("the second draw should move up the 2 lines of the first:\n%q", b.String())
	}
}

// hitrate version and hitrate -version print the module version
// ("(devel)" in a test binary) and the Go version.
func TestVersion(t *testing.T) {
	want := regexp.MustCompile(`^hitrate \S+ ` + regexp.QuoteMeta(runtime.Version()) + ` \S+/\S+\n$`)
	for _, args := range [][]string{{"version"}, {"-version"}, {"--version"}} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), args, &stdout, &stderr); code != exitOK {
			t.Errorf("hitrate %q: exit %d; stderr:\n%s", args, code, stderr.String())
		}
		if !want.MatchString(stdout.String()) {
			t.Errorf("hitrate %q printed %q, want a match for %s", args, stdout.String(), want)
		}
	}
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"version", "extra"}, io.Discard, &stderr); code != exitUsage {
		t.Errorf("hitrate version extra: exit %d, want %d", code, exitUsage)
	}
	stderr.Reset()
	if code := run(context.Background(), []string{"help", "version"}, io.Discard, &stderr); code != exitOK || !strings.Contains(stderr.String(), "usage: hitrate version") {
		t.Errorf("hitrate help version: exit %d:\n%s", code, stderr.String())
	}
}

func TestCount(t *testing.T) {
	for n, want := range map[int]string{0: "0 connections", 1: "1 connection", 2: "2 connections", 41: "41 connections"} {
		if got := count(n, "connection"); got != want {
			t.Errorf("count(%d) = %q, want %q", n, got, want)
		}
	}
}

// The proxy closes a client connection idle for -idle-timeout, counted as
// idle_closed, and the stats server a keep-alive connection idle for
// -stats-idle-timeout.
func TestProxyIdleTimeouts(t *testing.T) {
	uln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	up := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hi")
	})}
	go up.Serve(uln)
	defer up.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout, stderr, wait := start(ctx, "proxy", "-listen", "127.0.0.1:0", "-upstream", uln.Addr().String(),
		"-stats", "127.0.0.1:0", "-idle-timeout", "100ms", "-stats-idle-timeout", "100ms")
	addr := await(t, stdout, regexp.MustCompile(`(127\.0\.0\.1:\d+) -> `), 5*time.Second)[1]
	stats := await(t, stdout, regexp.MustCompile(`stats at http://(\S+)/`), 5*time.Second)[1]

	// A keep-alive request on each, then silence: each is closed, no
	// sooner than its timeout.
	for _, a := range []string{addr, stats} {
		c, err := net.DialTimeout("tcp", a, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		sent := time.Now()
		io.WriteString(c, "GET /json HTTP/1.1\r\nHost: x\r\n\r\n")
		br := bufio.NewReader(c)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("%s: %v", a, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		n, err := io.Copy(io.Discard, br)
		if gap := time.Since(sent); err != nil || n != 0 || gap < 100*time.Millisecond {
			t.Errorf("%s (proxy %s, stats %s): closed after %v with %d more bytes, %v; want EOF after 100ms or more", a, addr, stats, gap, n, err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, b := httpGet(t, "http://"+stats+"/json")
		var s monitor.Snapshot
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatal(err)
		}
		idle := map[string]uint64{}
		for _, e := range s.Protocols[0].Events {
			idle[e.Name] = e.Total
		}
		if idle["idle_closed"] == 1 && idle["errors"] == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("want 1 idle_closed, 0 errors: %s", b)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if code := wait(t, 10*time.Second); code != exitOK {
		t.Errorf("exit %d, want 0; stderr:\n%s", code, stderr)
	}
}
