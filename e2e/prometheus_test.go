package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// prometheusPath returns the Prometheus server binary: $HITRATE_PROMETHEUS,
// or prometheus on $PATH (Debian's prometheus package), or "".
func prometheusPath() string {
	if p := os.Getenv("HITRATE_PROMETHEUS"); p != "" {
		return p
	}
	p, _ := exec.LookPath("prometheus")
	return p
}

// TestPrometheusScrapesProxy runs the hitrate proxy as a black box with a
// real Prometheus scraping its /metrics every second, sends a known number
// of HTTP requests through it in batches, and asks Prometheus's HTTP API:
// the first sample scraped after each batch must count every request sent
// so far, exactly, and increase() over the run must agree within 5%.
func TestPrometheusScrapesProxy(t *testing.T) {
	promBin := prometheusPath()
	if promBin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("no prometheus binary found (install Debian's prometheus package or set HITRATE_PROMETHEUS), and CI=true")
		}
		t.Skip("no prometheus binary found: install the prometheus package or set HITRATE_PROMETHEUS")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir() // made before any process, so removed after they stop

	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, "ok\n")
	}))
	defer upstream.Close()
	listenAddr, statsAddr := startHitrateProxy(ctx, t, dir, upstream.Listener.Addr().String())

	prom := startPrometheus(ctx, t, promBin, dir, statsAddr)
	const series = `hitrate_events_total{job="hitrate",protocol="http",event="requests"}`

	// A first sample before any traffic, so that the run starts from 0.
	if _, err := prom.sampleAfter(ctx, time.Now()); err != nil {
		t.Fatalf("no scrape of the proxy before the traffic: %v\n%s", err, prom.proc.output())
	}
	start, err := prom.samples(ctx, series, time.Now(), time.Minute)
	if err != nil || len(start) == 0 || start[len(start)-1].value != 0 {
		t.Fatalf("before the traffic: samples %v, %v; want a last sample of 0", start, err)
	}

	client := &http.Client{
		Transport: &http.Transport{Proxy: nil, MaxConnsPerHost: 4, MaxIdleConnsPerHost: 4},
		Timeout:   10 * time.Second,
	}
	defer client.CloseIdleConnections()
	const batches, perBatch, workers = 3, 200, 4
	sent := 0
	for b := range batches {
		if err := sendRequests(ctx, client, "http://"+listenAddr, perBatch, workers); err != nil {
			t.Fatalf("batch %d: %v", b, err)
		}
		sent += perBatch
		// The proxy counts a request once it has forwarded its header, so
		// the count may trail the response by microseconds: take the
		// first scrape that starts 100 ms after the last response.
		s, err := prom.sampleAfter(ctx, time.Now().Add(100*time.Millisecond))
		if err != nil {
			t.Fatalf("batch %d: waiting for a scrape: %v\n%s", b, err, prom.proc.output())
		}
		if s.value != float64(sent) {
			t.Errorf("after batch %d: Prometheus scraped %s = %v at %v, want %d, exactly", b, series, s.value, s.at, sent)
		}
	}

	// increase() over the whole run, evaluated at the last sample so
	// that nothing is extrapolated past it.
	all, err := prom.samples(ctx, series, time.Now(), 2*time.Minute)
	if err != nil || len(all) < batches+1 {
		t.Fatalf("samples of the run: %v, %v", all, err)
	}
	for i := 1; i < len(all); i++ {
		if all[i].value < all[i-1].value {
			t.Errorf("the counter went down: %v then %v", all[i-1], all[i])
		}
	}
	last := all[len(all)-1]
	if last.value != float64(sent) {
		t.Errorf("last sample %v, want %d", last, sent)
	}
	window := int(math.Ceil(last.at.Sub(start[len(start)-1].at).Seconds())) + 2
	q := fmt.Sprintf("increase(%s[%ds])", series, window)
	inc, err := prom.instant(ctx, q, last.at)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	if math.Abs(inc-float64(sent)) > 0.05*float64(sent) {
		t.Errorf("%s = %v, want %d within 5%%", q, inc, sent)
	}
	t.Logf("sent %d requests; %d samples, the last %v; %s = %.2f", sent, len(all), last.value, q, inc)
}

// startHitrateProxy builds cmd/hitrate into dir and runs "hitrate proxy"
// (protocol http) in front of upstream, with its stats on a free port,
// until the test ends; it returns the proxy's and the stats' addresses,
// both on loopback.
func startHitrateProxy(ctx context.Context, t *testing.T, dir, upstream string) (listenAddr, statsAddr string) {
	t.Helper()
	hitrate := filepath.Join(dir, "hitrate")
	build := exec.CommandContext(ctx, "go", "build", "-o", hitrate, "./cmd/hitrate")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/hitrate: %v\n%s", err, out)
	}
	proxy := startProcess(t, hitrate, "proxy", "-protocol", "http",
		"-listen", "127.0.0.1:0", "-stats", "127.0.0.1:0",
		"-upstream", upstream, "-shutdown-timeout", "1s")
	for listenAddr == "" || statsAddr == "" {
		line, err := proxy.nextLine(ctx)
		if err != nil {
			t.Fatalf("waiting for the proxy's addresses: %v\n%s", err, proxy.output())
		}
		if rest, ok := strings.CutPrefix(line, "hitrate proxy: stats at "); ok {
			u, err := url.Parse(rest)
			if err != nil {
				t.Fatalf("stats URL %q: %v", rest, err)
			}
			statsAddr = u.Host
		} else if rest, ok := strings.CutPrefix(line, "hitrate proxy: "); ok && strings.Contains(rest, " -> ") {
			listenAddr, _, _ = strings.Cut(rest, " -> ")
		}
	}
	for _, a := range []string{listenAddr, statsAddr} {
		if !isLoopback(a) {
			t.Fatalf("the proxy listens on %q, not a loopback address", a)
		}
	}
	return listenAddr, statsAddr
}

// sendRequests sends n HTTP requests to base from workers goroutines,
// GETs and POSTs with a body, and fails on any answer but 200 "ok".
func sendRequests(ctx context.Context, client *http.Client, base string, n, workers int) error {
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				var req *http.Request
				var err error
				if i%2 == 0 {
					req, err = http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/get/%d", base, i), nil)
				} else {
					req, err = http.NewRequestWithContext(ctx, http.MethodPost, base+"/post", strings.NewReader(strings.Repeat("x", i)))
				}
				if err != nil {
					errs <- err
					return
				}
				res, err := client.Do(req)
				if err != nil {
					errs <- err
					return
				}
				body, err := io.ReadAll(res.Body)
				res.Body.Close()
				if err != nil || res.StatusCode != http.StatusOK || string(body) != "ok\n" {
					errs <- fmt.Errorf("request %d: %s %q %v", i, res.Status, body, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return errors.Join(func() (all []error) {
		for err := range errs {
			all = append(all, err)
		}
		return all
	}()...)
}

func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	ip := net.ParseIP(host)
	return err == nil && ip != nil && ip.IsLoopback()
}

// prometheus is a Prometheus server started by startPrometheus.
type prometheus struct {
	proc *process
	api  string // http://127.0.0.1:port
}

// startPrometheus starts Prometheus on a free loopback port, scraping
// target's /metrics every second as job "hitrate", and waits until it is
// ready. It tries three ports, in case another process takes the one it
// picked before Prometheus binds it.
func startPrometheus(ctx context.Context, t *testing.T, bin, dir, target string) *prometheus {
	t.Helper()
	config := filepath.Join(dir, "prometheus.yml")
	yml := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: hitrate
    metrics_path: /metrics
    static_configs:
      - targets: [%q]
`, target)
	if err := os.WriteFile(config, []byte(yml), 0o644); err != nil {
		t.Fatal(err)
	}
	var lastErr error
	for try := range 3 {
		port, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		p := startProcess(t, bin,
			"--config.file="+config,
			"--storage.tsdb.path="+filepath.Join(dir, fmt.Sprintf("data%d", try)),
			"--web.listen-address="+addr,
			"--log.level=warn")
		prom := &prometheus{proc: p, api: "http://" + addr}
		if lastErr = prom.waitReady(ctx); lastErr == nil {
			return prom
		}
		p.stop()
		t.Logf("prometheus on %s: %v\n%s", addr, lastErr, p.output())
	}
	t.Fatalf("prometheus did not start: %v", lastErr)
	return nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// waitReady polls /-/ready for up to 30 s, or until the process exits.
func (p *prometheus) waitReady(ctx context.Context) error {
	return poll(ctx, 30*time.Second, func() (bool, error) {
		if p.proc.exited() {
			return false, errors.New("prometheus exited")
		}
		res, err := http.Get(p.api + "/-/ready")
		if err != nil {
			return false, nil
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK, nil
	})
}

// sample is one scraped value and the time of its scrape.
type sample struct {
	at    time.Time
	value float64
}

func (s sample) String() string { return fmt.Sprintf("%v@%s", s.value, s.at.Format("15:04:05.000")) }

// sampleAfter waits up to 20 s for a successful scrape of the proxy
// that started after t, and returns the requests sample it stored.
func (p *prometheus) sampleAfter(ctx context.Context, t time.Time) (sample, error) {
	const series = `hitrate_events_total{job="hitrate",protocol="http",event="requests"}`
	var got sample
	err := poll(ctx, 20*time.Second, func() (bool, error) {
		ups, err := p.samples(ctx, `up{job="hitrate"}`, time.Now(), time.Minute)
		if err != nil || len(ups) == 0 {
			return false, nil
		}
		up := ups[len(ups)-1]
		if !up.at.After(t) {
			return false, nil
		}
		if up.value != 1 {
			return false, fmt.Errorf("the scrape at %v failed (up = %v)", up.at, up.value)
		}
		ss, err := p.samples(ctx, series, time.Now(), time.Minute)
		if err != nil {
			return false, err
		}
		for _, s := range ss {
			if s.at.Equal(up.at) {
				got = s
				return true, nil
			}
		}
		return false, fmt.Errorf("the scrape at %v stored no %s: %v", up.at, series, ss)
	})
	return got, err
}

// samples returns the raw samples of the one series that selector
// matches, over the d before at, oldest first.
func (p *prometheus) samples(ctx context.Context, selector string, at time.Time, d time.Duration) ([]sample, error) {
	var r struct {
		ResultType string
		Result     []struct {
			Metric map[string]string
			Values [][2]any
		}
	}
	q := fmt.Sprintf("%s[%ds]", selector, int(d.Seconds()))
	if err := p.query(ctx, q, at, &r); err != nil {
		return nil, err
	}
	if r.ResultType != "matrix" || len(r.Result) != 1 {
		return nil, fmt.Errorf("%s: %d series of type %q, want one matrix", q, len(r.Result), r.ResultType)
	}
	out := make([]sample, 0, len(r.Result[0].Values))
	for _, v := range r.Result[0].Values {
		s, err := parseSample(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", q, err)
		}
		out = append(out, s)
	}
	return out, nil
}

// instant evaluates q at time at and returns its one value.
func (p *prometheus) instant(ctx context.Context, q string, at time.Time) (float64, error) {
	var r struct {
		ResultType string
		Result     []struct {
			Metric map[string]string
			Value  [2]any
		}
	}
	if err := p.query(ctx, q, at, &r); err != nil {
		return 0, err
	}
	if r.ResultType != "vector" || len(r.Result) != 1 {
		return 0, fmt.Errorf("%d results of type %q, want one vector element", len(r.Result), r.ResultType)
	}
	s, err := parseSample(r.Result[0].Value)
	return s.value, err
}

// query calls /api/v1/query and decodes its data into data.
func (p *prometheus) query(ctx context.Context, q string, at time.Time, data any) error {
	v := url.Values{"query": {q}, "time": {strconv.FormatFloat(float64(at.UnixMilli())/1000, 'f', 3, 64)}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.api+"/api/v1/query?"+v.Encode(), nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return err
	}
	var env struct {
		Status string
		Error  string
		Data   json.RawMessage
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return fmt.Errorf("%s: %v: %s", res.Status, err, body)
	}
	if env.Status != "success" {
		return fmt.Errorf("%s: %s", res.Status, env.Error)
	}
	return json.Unmarshal(env.Data, data)
}

// parseSample reads the API's [unix seconds, "value"] pair.
func parseSample(v [2]any) (sample, error) {
	ts, ok1 := v[0].(float64)
	vs, ok2 := v[1].(string)
	if !ok1 || !ok2 {
		return sample{}, fmt.Errorf("sample %v is not [time, \"value\"]", v)
	}
	f, err := strconv.ParseFloat(vs, 64)
	if err != nil {
		return sample{}, err
	}
	return sample{at: time.UnixMilli(int64(math.Round(ts * 1000))), value: f}, nil
}

// poll calls f every 100 ms until it returns true or an error, for at
// most d.
func poll(ctx context.Context, d time.Duration, f func() (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		ok, err := f()
		if ok || err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("gave up after %v: %w", d, ctx.Err())
		case <-tick.C:
		}
	}
}

// process is a child process whose output is kept, line by line, and
// which is stopped when the test ends.
type process struct {
	cmd   *exec.Cmd
	lines chan string
	done  chan struct{} // closed when the process has exited
	mu    sync.Mutex
	out   bytes.Buffer
}

// startProcess starts bin with args, and stops it at the end of the test.
func startProcess(t *testing.T, bin string, args ...string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(bin, args...), lines: make(chan string, 1024), done: make(chan struct{})}
	pr, pw := io.Pipe()
	p.cmd.Stdout, p.cmd.Stderr = pw, pw
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			p.mu.Lock()
			p.out.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			select {
			case p.lines <- sc.Text():
			default: // nobody reads them: the output keeps them
			}
		}
		io.Copy(io.Discard, pr)
	}()
	go func() {
		p.cmd.Wait()
		pw.Close()
		close(p.done)
	}()
	t.Cleanup(p.stop)
	return p
}

// nextLine returns the next line of output.
func (p *process) nextLine(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	select {
	case l := <-p.lines:
		return l, nil
	case <-p.done:
		select {
		case l := <-p.lines:
			return l, nil
		default:
			return "", fmt.Errorf("%s exited: %v", p.cmd.Path, p.cmd.ProcessState)
		}
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func (p *process) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM, and SIGKILL if the process has not exited 10 s
// later, and waits for it.
func (p *process) stop() {
	if p.exited() {
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}
