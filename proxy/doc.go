// Package proxy is a TCP proxy that counts its traffic with a
// monitor.Monitor: the demo, the overhead measurement and the "hitrate
// proxy" command all run it.
//
// A Proxy forwards every accepted connection to one upstream address,
// bytes both ways, half-close aware: when one side ends its stream, the
// proxy closes the write side of the other and keeps forwarding the
// opposite direction until it ends too.
//
// With a Monitor (see NewMonitor for the events it needs), each client
// connection is opened on the Monitor under its remote address and
// counts the events declared, with their names, units and meanings, in
// the table of Event variables (see Event; Events lists them in order).
//
// Requests are found by parsing the client's stream (with package
// proxy/http1) as it is forwarded: the bytes go to the upstream as soon
// as they are read, and the parser reads them after, so parsing never
// delays forwarding. A stream whose
// first line is not an HTTP/1.x request line, or that stops parsing as
// HTTP/1.x (or switches protocol, with CONNECT or Upgrade), is forwarded
// uncounted from there on.
//
// Responses are found the same way in the upstream's stream, each final
// response paired with its request, in order (pipelining included), to
// know whether it has a body (not after a HEAD). A stream that is not
// HTTP/1.x responses, a protocol switch (101, a 2xx to a CONNECT), a body
// delimited by the end of the stream, or a response that cannot be paired
// with a request (more than 64 pipelined requests ahead, or a response
// that its request parser has not seen within 100 ms) stops the counting
// of responses on the connection: the rest is forwarded uncounted, never
// miscounted.
//
// A connection counts at most one error: the first one ends it, and the
// errors its closing causes on the other side are not counted again.
//
// With Config.IdleTimeout, a connection that moves no byte either way for
// that long is closed (both sides), and counted as idle_closed, not as an
// error: an abandoned keep-alive connection is the ordinary fate of a
// client that went away, and the proxy reclaiming it is policy, not a
// fault. One goroutine per Proxy sweeps the connections every tenth of
// the timeout (at most every second); forwarding only notes, per read,
// the sweeper's last tick, so there is no timer or deadline per read.
//
// With Config.Clients (a keyed.Table made by NewClients), the proxy also
// counts each client address's connections and requests in a table of
// bounded size, for the top talkers and for Config.MaxConnRate: a
// connection from an address over that many connections per second is
// closed at accept and counted as rejected. The table is meant for a page
// or a decision, not for Prometheus: one series per client is a
// cardinality trap (see package keyed).
//
// Without a Monitor the proxy runs the same forwarding loop and counts
// nothing (nor parses anything), which is the baseline that "hitrate
// overhead" measures the monitoring against.
package proxy
