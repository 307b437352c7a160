package netcount_test

import (
	"fmt"
	"io"
	"log"
	"net"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/netcount"
)

// A TCP server's connections, counted.
func Example() {
	m, err := monitor.New("echo", netcount.Events(), netcount.Units())
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	ln, err := netcount.NewListener(raw, m)
	if err != nil {
		log.Fatal(err)
	}
	defer ln.Close()
	done := make(chan struct{})
	go func() { // an echo server of one connection
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		io.Copy(c, c)
	}()

	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	c.Write([]byte("hello"))
	c.(*net.TCPConn).CloseWrite()
	b, _ := io.ReadAll(c)
	c.Close()
	<-done

	fmt.Println(string(b), m.Total(m.MustEvent(netcount.BytesIn)), m.Total(m.MustEvent(netcount.BytesOut)))
	fmt.Println("open:", m.Snapshot(monitor.Query{}).Protocols[0].Conns.Current)
	// Output:
	// hello 5 5
	// open: 0
}
