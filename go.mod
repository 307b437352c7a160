module github.com/hitrate/hitrate

go 1.26.0

require (
	github.com/puzpuzpuz/xsync/v3 v3.5.1
	go.uber.org/atomic v1.12.0
	go.uber.org/goleak v1.3.0
	golang.org/x/perf v0.0.0-20260908200009-22c9c6c9d4da
)

require github.com/aclements/go-moremath v0.0.0-20210112150236-f10218a38794 // indirect
