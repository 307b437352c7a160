package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/proxy"
	"golang.org/x/perf/benchmath"
)

const overheadText = `overhead measures what monitoring costs the proxy. It runs, on loopback,
a minimal HTTP/1.1 upstream and two proxies in front of it: "off" with no
monitor (no counting, no parsing) and "on" counting the "http" protocol,
with otherwise the same code. It drives them in turn, interleaved, for
-rounds rounds of -round-duration each (off then on in odd rounds, on
then off in even ones, so that a drift in the machine's speed hits both
alike), from -clients keep-alive
clients that each send one GET at a time, and reports for each side the
requests per second, the p99 latency and the process CPU time per
request, and what monitoring costs, in percent: the median over the
rounds of each round's paired cost, with its 95% confidence interval
(robust to a round that something else on the machine disturbed), and
the cost pooled over all rounds. The target is a throughput cost under 2%.

Two flags split the cost or check the tool. With -timing=false, the "on"
proxy's monitor has the proxy's events but not its distributions, so it
counts and parses but reads no clock: the cost of timing is the
difference between a run with it and one without. With -control, "on"
has no monitor either: both sides run the same code, so the cost it
reports is the tool's own bias and noise on this machine, which should
be 0 within its 95% CI.

The upstream and the clients are minimal (no net/http), so that the
proxy's share of the CPU, and so the measured cost, is as large as can
be. Everything shares the machine: keep other load away.
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("overhead", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: overhead [flags]\n\n%s\nflags:\n", overheadText)
		fs.PrintDefaults()
	}
	rounds := fs.Int("rounds", 6, "rounds; each drives both sides once")
	roundDur := fs.Duration("round-duration", 2*time.Second, "how long each side is driven per round")
	clients := fs.Int("clients", 8, "concurrent keep-alive clients")
	warmup := fs.Duration("warmup", 500*time.Millisecond, "an unreported first drive of each side")
	bodySize := fs.Int("body", 128, "response body `bytes`")
	timing := fs.Bool("timing", true, "the \"on\" side times requests and dials (false: it counts and parses but reads no clock)")
	control := fs.Bool("control", false, "a control run: the \"on\" side has no monitor either, so the cost shows the tool's bias and noise")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the rounds (both sides, warm-up excluded) to `file`")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		return usageError(fs, "unexpected arguments: %q", fs.Args())
	}
	switch {
	case *rounds <= 0:
		return usageError(fs, "-rounds must be > 0")
	case *roundDur <= 0:
		return usageError(fs, "-round-duration must be > 0")
	case *clients <= 0:
		return usageError(fs, "-clients must be > 0")
	case *warmup < 0:
		return usageError(fs, "-warmup must be >= 0")
	case *bodySize < 0 || *bodySize > 64<<20:
		return usageError(fs, "-body must be in [0, 64MiB]")
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "overhead: "+format+"\n", a...)
		return exitFail
	}

	up, err := startLeanUpstream(*bodySize)
	if err != nil {
		return fail("upstream: %v", err)
	}
	defer up.stop()
	mon, err := newMonitor(*timing)
	if err != nil {
		return fail("%v", err)
	}
	defer mon.Close()
	onMon := mon
	if *control {
		onMon = nil
	}

	type side struct {
		name    string
		addr    string
		proxy   *proxy.Proxy
		n       int
		elapsed time.Duration
		cpu     time.Duration // process CPU time while driven
		lat     []time.Duration
		sent    int // every request, warm-up included
	}
	sides := []*side{{name: "off"}, {name: "on"}}
	for i, m := range []*monitor.Monitor{nil, onMon} {
		p, err := proxy.New(proxy.Config{Upstream: up.addr(), Monitor: m})
		if err != nil {
			return fail("%v", err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return fail("%v", err)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			// The label tells the sides apart in a -cpuprofile: the
			// proxy's goroutines inherit it.
			pprof.Do(context.Background(), pprof.Labels("side", sides[i].name), func(context.Context) {
				p.Serve(ln)
			})
		}()
		defer func() {
			p.Close()
			<-done
		}()
		sides[i].addr, sides[i].proxy = ln.Addr().String(), p
	}

	fmt.Fprintf(stdout, "hitrate overhead: the proxy on loopback, without (off) and with (on) monitoring\n")
	fmt.Fprintf(stdout, "%s, GET with a %d-byte response; %s of %v per side, interleaved; GOMAXPROCS %d\n",
		plural(*clients, "keep-alive client"), *bodySize, plural(*rounds, "round"), *roundDur, runtime.GOMAXPROCS(0))
	switch {
	case *control:
		fmt.Fprintf(stdout, "control run: \"on\" has no monitor either; the cost is the tool's bias and noise\n")
	case !*timing:
		fmt.Fprintf(stdout, "without timing: \"on\" counts and parses but reads no clock\n")
	}
	if *warmup > 0 {
		for _, s := range sides {
			r, err := drive(ctx, s.addr, *clients, *warmup)
			s.sent += r.n
			if err != nil {
				return fail("warm-up (%s): %v", s.name, err)
			}
		}
	}
	fmt.Fprintf(stdout, "%5s  %12s %9s %8s  %12s %9s %8s  %7s %8s\n",
		"round", "off req/s", "off p99", "off cpu", "on req/s", "on p99", "on cpu", "cost", "cpu cost")
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return fail("%v", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return fail("%v", err)
		}
		defer func() {
			pprof.StopCPUProfile()
			f.Close()
		}()
	}
	var costs, cpuCosts []float64
	for r := 1; r <= *rounds && ctx.Err() == nil; r++ {
		var row [2]driveResult
		order := []int{0, 1}
		if r%2 == 0 {
			order = []int{1, 0} // off on, on off, ...: a drift hits both alike
		}
		for _, i := range order {
			s := sides[i]
			cpu0 := processCPU()
			res, err := drive(ctx, s.addr, *clients, *roundDur)
			res.cpu = processCPU() - cpu0
			s.sent += res.n
			if err != nil {
				return fail("round %d (%s): %v", r, s.name, err)
			}
			s.n += res.n
			s.elapsed += res.elapsed
			s.cpu += res.cpu
			s.lat = append(s.lat, res.lat...)
			row[i] = res
		}
		cost := 100 * (row[0].rate() - row[1].rate()) / row[0].rate()
		costs = append(costs, cost)
		cpuCol := "-"
		if off := row[0].cpuPerReq(); off > 0 {
			cpuCost := 100 * (row[1].cpuPerReq() - off) / off
			cpuCosts = append(cpuCosts, cpuCost)
			cpuCol = fmt.Sprintf("%+7.2f%%", cpuCost)
		}
		fmt.Fprintf(stdout, "%5d  %12.0f %9s %8s  %12.0f %9s %8s  %+6.2f%% %8s\n", r,
			row[0].rate(), p99(row[0].lat), micros(row[0].cpuPerReq()),
			row[1].rate(), p99(row[1].lat), micros(row[1].cpuPerReq()), cost, cpuCol)
	}
	if len(costs) == 0 {
		return fail("interrupted before the first round ended")
	}
	off, on := sides[0], sides[1]
	offRate := float64(off.n) / off.elapsed.Seconds()
	onRate := float64(on.n) / on.elapsed.Seconds()
	offCPU := off.cpu.Seconds() / float64(max(off.n, 1))
	onCPU := on.cpu.Seconds() / float64(max(on.n, 1))
	pooled, pooledCPU := 100*(offRate-onRate)/offRate, 100*(onCPU-offCPU)/offCPU
	fmt.Fprintf(stdout, "%5s  %12.0f %9s %8s  %12.0f %9s %8s  %+6.2f%% %+7.2f%%\n", "all",
		offRate, p99(off.lat), micros(offCPU), onRate, p99(on.lat), micros(onCPU), pooled, pooledCPU)
	c := summarize(costs)
	fmt.Fprintf(stdout, "throughput cost of monitoring: median %.2f%% per round (95%% CI %s); pooled over all rounds %.2f%%; min %.2f%%, max %.2f%% (target: under %g%%)\n",
		c.Center, ci(c), pooled, slices.Min(costs), slices.Max(costs), targetCost)
	if *control {
		fmt.Fprintf(stdout, "control: %s\n", controlVerdict(c))
	} else {
		fmt.Fprintf(stdout, "verdict: %s\n", verdict(c, targetCost))
	}
	if offCPU > 0 && len(cpuCosts) > 0 {
		cc := summarize(cpuCosts)
		fmt.Fprintf(stdout, "CPU cost of monitoring: median %.2f%% per round (95%% CI %s); pooled over all rounds %.2f%%: %s per request off, %s on (clients, upstream and proxy together)\n",
			cc.Center, ci(cc), pooledCPU, micros(offCPU), micros(onCPU))
	}

	if *control {
		return exitOK
	}
	// The monitored side must have counted every request, and no error.
	// It counts a request just after forwarding it: wait for the
	// connections to end.
	for deadline := time.Now().Add(5 * time.Second); on.proxy.Active() > 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	counted := mon.Total(mon.MustEvent(proxy.Requests.Name()))
	errs := mon.Total(mon.MustEvent(proxy.Errors.Name()))
	resps := mon.Total(mon.MustEvent(proxy.Responses2xx.Name()))
	fmt.Fprintf(stdout, "check: the monitor counted %s, %d 2xx responses (clients sent %d to \"on\") and %s\n", plural(int(counted), "request"), resps, on.sent, plural(int(errs), "error"))
	if counted != uint64(on.sent) || resps != counted || errs != 0 {
		return fail("the monitor's counts are wrong")
	}
	return exitOK
}

type driveResult struct {
	n       int
	elapsed time.Duration
	cpu     time.Duration // process CPU time while driven, if known
	lat     []time.Duration
}

func (r driveResult) rate() float64 { return float64(r.n) / r.elapsed.Seconds() }

// cpuPerReq returns the process CPU seconds per request.
func (r driveResult) cpuPerReq() float64 { return r.cpu.Seconds() / float64(max(r.n, 1)) }

// micros formats seconds as microseconds, or "-" when there are none
// (processCPU is not available on this system).
func micros(sec float64) string {
	if sec <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.1fµs", sec*1e6)
}

// summarize returns the median of xs with its 95% confidence interval, as
// benchstat computes it (no assumption on the distribution).
func summarize(xs []float64) benchmath.Summary {
	return benchmath.AssumeNothing.Summary(benchmath.NewSample(xs, &benchmath.DefaultThresholds), 0.95)
}

// ci formats a summary's confidence interval, or says there are too few
// rounds for one.
func ci(s benchmath.Summary) string {
	if math.IsInf(s.Lo, 0) || math.IsInf(s.Hi, 0) {
		return "needs 6 rounds or more"
	}
	return fmt.Sprintf("%.2f%% to %.2f%%", s.Lo, s.Hi)
}

// targetCost is the throughput cost of monitoring, in percent, that the
// proxy must stay under.
const targetCost = 2.0

// verdict says whether the median cost s, with its 95% confidence
// interval, decides the target: met when the whole interval is under it,
// missed when the whole interval is at or over it, and undecided, saying
// so, when the interval is too wide (it straddles the target) or there
// are too few rounds for one.
func verdict(s benchmath.Summary, target float64) string {
	switch {
	case math.IsInf(s.Lo, 0) || math.IsInf(s.Hi, 0):
		return fmt.Sprintf("undecided: too few rounds for a confidence interval, so the %g%% target is not decided; run 6 rounds or more", target)
	case s.Hi < target:
		return fmt.Sprintf("met: the whole 95%% CI (%.2f%% to %.2f%%) is under the %g%% target", s.Lo, s.Hi, target)
	case s.Lo >= target:
		return fmt.Sprintf("missed: the whole 95%% CI (%.2f%% to %.2f%%) is at or over the %g%% target", s.Lo, s.Hi, target)
	}
	return fmt.Sprintf("undecided: the 95%% CI (%.2f%% to %.2f%%) is too wide to decide the %g%% target, which lies inside it; run more rounds, on a quieter machine", s.Lo, s.Hi, target)
}

// controlVerdict says what a control run's median cost s, with its 95%
// confidence interval, shows: with the same code on both sides, 0 should
// be inside the interval, whose width is the noise of a measurement on
// this machine.
func controlVerdict(s benchmath.Summary) string {
	switch {
	case math.IsInf(s.Lo, 0) || math.IsInf(s.Hi, 0):
		return "undecided: too few rounds for a confidence interval; run 6 rounds or more"
	case s.Lo <= 0 && 0 <= s.Hi:
		return fmt.Sprintf("no bias seen: 0 is inside the 95%% CI (%.2f%% to %.2f%%), whose width is this machine's noise at these rounds", s.Lo, s.Hi)
	}
	return fmt.Sprintf("biased: the 95%% CI (%.2f%% to %.2f%%) excludes 0, with the same code on both sides; something else on the machine favoured one side", s.Lo, s.Hi)
}

// plural returns n and noun, with an "s" unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// overheadRequest is what the clients send: a GET as a browser-ish client
// would, so that the proxy's parser has headers to go through.
const overheadRequest = "GET /api/v1/items?page=2&sort=recent HTTP/1.1\r\n" +
	"Host: upstream.example\r\n" +
	"User-Agent: hitrate-overhead/1.0\r\n" +
	"Accept: application/json, text/plain, */*\r\n" +
	"Accept-Encoding: gzip, deflate\r\n" +
	"Accept-Language: en-US,en;q=0.9\r\n" +
	"Cookie: session=0123456789abcdef0123456789abcdef; theme=dark\r\n" +
	"X-Request-Id: 7f3c9a1e-5b2d-4c8e-9f10-2a3b4c5d6e7f\r\n" +
	"\r\n"

// drive sends requests to addr from clients keep-alive connections, one
// at a time on each, for d, and returns how many completed and their
// latencies.
func drive(ctx context.Context, addr string, clients int, d time.Duration) (driveResult, error) {
	conns := make([]net.Conn, clients)
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	for i := range conns {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			return driveResult{}, err
		}
		conns[i] = c
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		res  driveResult
		errs []error
	)
	start := time.Now()
	deadline := start.Add(d)
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.SetDeadline(deadline.Add(10 * time.Second))
			br := bufio.NewReaderSize(c, 32<<10)
			lat := make([]time.Duration, 0, 1024)
			var err error
			for now := time.Now(); now.Before(deadline) && ctx.Err() == nil; {
				if _, err = io.WriteString(c, overheadRequest); err != nil {
					break
				}
				if err = readResponse(br); err != nil {
					break
				}
				t := time.Now()
				lat = append(lat, t.Sub(now))
				now = t
			}
			mu.Lock()
			res.n += len(lat)
			res.lat = append(res.lat, lat...)
			if err != nil {
				errs = append(errs, err)
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	return res, errors.Join(errs...)
}

// readResponse reads one response with a Content-Length from br.
func readResponse(br *bufio.Reader) error {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(line, []byte("HTTP/1.1 200 ")) {
		return fmt.Errorf("unexpected response %q", bytes.TrimSpace(line))
	}
	n := -1
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return err
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			break
		}
		if k, v, ok := bytes.Cut(line, []byte(":")); ok && bytes.EqualFold(k, []byte("Content-Length")) {
			if n, err = strconv.Atoi(string(bytes.TrimSpace(v))); err != nil {
				return fmt.Errorf("bad Content-Length %q", v)
			}
		}
	}
	if n < 0 {
		return errors.New("response without Content-Length")
	}
	_, err = br.Discard(n)
	return err
}

// leanUpstream answers every request (without a body) with one fixed
// response, with as little work as it can.
type leanUpstream struct {
	ln    net.Listener
	resp  []byte
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns map[net.Conn]bool
}

func startLeanUpstream(bodySize int) (*leanUpstream, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	u := &leanUpstream{ln: ln, conns: map[net.Conn]bool{}}
	u.resp = fmt.Appendf(nil, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n", bodySize)
	u.resp = append(u.resp, bytes.Repeat([]byte("o"), bodySize)...)
	u.wg.Add(1)
	go func() {
		defer u.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u.mu.Lock()
			u.conns[c] = true
			u.mu.Unlock()
			u.wg.Add(1)
			go u.serve(c)
		}
	}()
	return u, nil
}

func (u *leanUpstream) addr() string { return u.ln.Addr().String() }

func (u *leanUpstream) serve(c net.Conn) {
	defer u.wg.Done()
	defer func() {
		u.mu.Lock()
		delete(u.conns, c)
		u.mu.Unlock()
		c.Close()
	}()
	br := bufio.NewReaderSize(c, 16<<10)
	for {
		// Read up to the empty line that ends the header.
		for {
			line, err := br.ReadSlice('\n')
			if err != nil {
				return
			}
			if len(line) <= 2 && (len(line) == 1 || line[0] == '\r') {
				break
			}
		}
		if _, err := c.Write(u.resp); err != nil {
			return
		}
	}
}

func (u *leanUpstream) stop() {
	u.ln.Close()
	u.mu.Lock()
	for c := range u.conns {
		c.Close()
	}
	u.mu.Unlock()
	u.wg.Wait()
}

// p99 returns the 99th percentile of lat, formatted in milliseconds.
func p99(lat []time.Duration) string {
	if len(lat) == 0 {
		return "-"
	}
	s := slices.Clone(lat)
	slices.Sort(s)
	v := s[min(len(s)-1, len(s)*99/100)]
	return fmt.Sprintf("%.3fms", v.Seconds()*1e3)
}

// newMonitor returns the monitor of the "on" proxy: proxy.NewMonitor's,
// or without timing the proxy's events alone (no distributions, so the
// proxy reads no clock).
func newMonitor(timing bool) (*monitor.Monitor, error) {
	if timing {
		return proxy.NewMonitor("http")
	}
	var names []string
	var bytes []string
	for _, e := range proxy.Events() {
		names = append(names, e.Name())
		if e.Unit() == monitor.Bytes {
			bytes = append(bytes, e.Name())
		}
	}
	return monitor.New("http", names, monitor.WithUnit(monitor.Bytes, bytes...))
}
