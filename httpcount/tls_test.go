package httpcount

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/netcount"
)

// certFiles writes a fresh self-signed certificate for 127.0.0.1 and its
// key as PEM files.
func certFiles(t *testing.T) (certFile, keyFile string) {
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
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// TestListenAndServeTLS serves HTTP/2 over TLS with ListenAndServeTLS:
// the requests count on their connection, the bytes are wire bytes.
func TestListenAndServeTLS(t *testing.T) {
	certFile, keyFile := certFiles(t)
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := free.Addr().String()
	free.Close()
	var mu sync.Mutex
	var closed []monitor.ConnSummary
	m := newMonitor(t, monitor.WithCloseHook(func(s monitor.ConnSummary) {
		mu.Lock()
		defer mu.Unlock()
		closed = append(closed, s)
	}))
	srv := &http.Server{Addr: addr, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor != 2 {
			t.Errorf("served %s, want HTTP/2", r.Proto)
		}
		echo(w, r)
	})}
	served := make(chan error, 1)
	go func() { served <- ListenAndServeTLS(srv, m, certFile, keyFile) }()
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, ForceAttemptHTTP2: true}
	client := &http.Client{Transport: tr}
	get := func() error {
		resp, err := client.Get("https://" + addr + "/")
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		return resp.Body.Close()
	}
	for i := range 500 { // until the server listens
		if err = get(); err == nil || i == 499 {
			break
		}
		select {
		case err := <-served:
			t.Fatalf("ListenAndServeTLS: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	for range 4 {
		if err := get(); err != nil {
			t.Fatal(err)
		}
	}
	tr.CloseIdleConnections()
	srv.Shutdown(context.Background())
	if err := <-served; err != http.ErrServerClosed {
		t.Errorf("ListenAndServeTLS returned %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(closed) != 1 || closed[0].Total(Requests) != 5 || total(m, Requests) != 5 {
		t.Errorf("%d connections, %d requests; want 5 requests on one", len(closed), total(m, Requests))
	}
	if total(m, netcount.BytesIn) < 200 {
		t.Errorf("bytes in %d: not the TLS wire bytes", total(m, netcount.BytesIn))
	}
}
