// Package exposition turns a monitor.Snapshot into metrics: the table of
// metric families (Families), the Prometheus text writer (Write), the
// unit rule (Units: how the events of a monitor.Unit are named and
// described), and the helpers every exporter shares (Read, ValidUTF8).
// monitor/web's /metrics, the promcollector module and the otelhitrate
// module all use it, so that a family or a unit rule is written once.
package exposition
