package netcount_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"io"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/netcount"
)

// selfSigned returns a TLS config with a fresh certificate for 127.0.0.1.
func selfSigned(t *testing.T) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
}

// TestTLS wraps a listener under TLS (wire bytes) and over it
// (plaintext): the same exchange counts its plaintext exactly over TLS,
// and more than that under it.
func TestTLS(t *testing.T) {
	cfg := selfSigned(t)
	const msg = "hello over tls"
	run := func(inside bool) (in, out uint64) {
		m := newMonitor(t)
		raw, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		var ln net.Listener
		if inside {
			cl, err := netcount.NewListener(raw, m)
			if err != nil {
				t.Fatal(err)
			}
			ln = tls.NewListener(cl, cfg)
		} else {
			ln, err = netcount.NewListener(tls.NewListener(raw, cfg), m)
			if err != nil {
				t.Fatal(err)
			}
		}
		defer ln.Close()
		done := make(chan struct{})
		go func() {
			defer close(done)
			c, err := ln.Accept()
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			if netcount.Find(c) == nil {
				t.Error("Find found no Conn")
			}
			b := make([]byte, len(msg))
			if _, err := io.ReadFull(c, b); err != nil {
				t.Error(err)
				return
			}
			c.Write(b)
		}()
		c, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{InsecureSkipVerify: true})
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte(msg))
		io.ReadFull(c, make([]byte, len(msg)))
		c.Close()
		<-done
		if cur := m.Snapshot(monitor.Query{}).Protocols[0].Conns.Current; cur != 0 {
			t.Errorf("inside %v: %d connections open", inside, cur)
		}
		in, out, _, _ = totals(m)
		return in, out
	}
	if in, out := run(false); in != uint64(len(msg)) || out != uint64(len(msg)) {
		t.Errorf("over TLS: in %d out %d, want the plaintext's %d", in, out, len(msg))
	}
	if in, out := run(true); in <= uint64(len(msg)) || out <= uint64(len(msg)) {
		t.Errorf("under TLS: in %d out %d, want more than the plaintext's %d (records, handshake)", in, out, len(msg))
	}
}
