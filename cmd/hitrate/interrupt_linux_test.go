package main

import (
	"context"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"
)

// hangingAddr returns a loopback address where a dial hangs until its
// timeout: a listener with a backlog of 0 whose one queued connection is
// never accepted, so that the kernel drops further SYNs.
func hangingAddr(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
	c, err := net.DialTimeout("tcp", addr, 5*time.Second) // fills the queue
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if c, err := net.DialTimeout("tcp", addr, 50*time.Millisecond); err == nil {
		c.Close()
		t.Skip("a dial to a full accept queue does not hang here")
	}
	return addr
}

// Ctrl-C while the proxy checks that its upstream answers a dial stops it
// at once with exit 0, as after it started, not after -dial-timeout.
func TestProxyInterruptedUpstreamCheck(t *testing.T) {
	addr := hangingAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout, stderr, wait := start(ctx, "proxy", "-listen", "127.0.0.1:0", "-upstream", addr, "-dial-timeout", "1m")
	time.AfterFunc(50*time.Millisecond, cancel) // before or during the dial: the same
	if code := wait(t, 10*time.Second); code != exitOK {
		t.Errorf("exit %d, want 0; stderr:\n%s", code, stderr)
	}
	if !strings.HasSuffix(stdout.String(), "hitrate proxy: stopped\n") {
		t.Errorf("stdout:\n%s", stdout)
	}
}
