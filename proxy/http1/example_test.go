package http1_test

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/hitrate/hitrate/proxy/http1"
)

// statuses is an Observer that prints what it is told.
type statuses struct{}

func (statuses) Request()            { fmt.Println("request") }
func (statuses) Response(status int) { fmt.Println("response", status) }

func Example() {
	client := "HEAD / HTTP/1.1\r\nHost: a\r\n\r\nGET /x HTTP/1.1\r\nHost: a\r\n\r\n"
	server := "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n" + // to the HEAD: no body follows
		"HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nnop"
	var q http1.Queue // pairs each response with its request
	err := http1.ScanRequests(bufio.NewReader(strings.NewReader(client)), statuses{}, &q)
	fmt.Println(err)
	q.Close()
	err = http1.ScanResponses(bufio.NewReader(strings.NewReader(server)), statuses{}, &q)
	fmt.Println(err)
	// Output:
	// request
	// request
	// EOF
	// response 200
	// response 404
	// EOF
}
