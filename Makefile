# hitrate: one entry point for every module of the repository.
#
#   make demo    the live demo (cmd/hitrate demo)
#   make test    every test of every module, under the race detector;
#                the shard and latency tests again with the portable
#                build tag;
#                the root module again without the race detector (which
#                changes what allocates), three times in shuffled order,
#                so that every test is rerunnable
#   make lint    gofmt, go vet and staticcheck on every module
#   make bench-smoke   every benchmark once (-benchtime 1x), so none rots
#   make gate    the benchstat regression gate against the previous commit
#   make benchmarks    regenerate BENCHMARKS.md (slow: count 10)

GO          ?= go
STATICCHECK ?= $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
MODULES     := $(patsubst %/go.mod,%,$(shell find . -name go.mod -not -path './.git/*' | sort))
GATE_BASE   ?= HEAD~1

.PHONY: demo test lint bench-smoke gate benchmarks ci

demo:
	$(GO) run ./cmd/hitrate demo

test:
	@set -e; for m in $(MODULES); do \
		echo "== go test -race $$m"; \
		(cd $$m && $(GO) test -race -count=1 ./...); \
	done
	@echo "== go test -race -tags hitrate_portable ./shard/ ./latency/"
	$(GO) test -race -count=1 -tags hitrate_portable ./shard/ ./latency/
	@echo "== go test -count=3 -shuffle=on ./... (root module, no race detector: reruns, any order, and the allocation tests)"
	$(GO) test -count=3 -shuffle=on ./...

lint:
	@set -e; bad=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$bad" ]; then echo "gofmt would change:"; echo "$$bad"; exit 1; fi
	@set -e; for m in $(MODULES); do \
		echo "== go vet + staticcheck $$m"; \
		(cd $$m && $(GO) vet ./... && $(STATICCHECK) ./...); \
	done
	$(GO) vet -tags hitrate_portable ./shard/ ./latency/

bench-smoke:
	@set -e; for m in $(MODULES); do \
		echo "== benchmarks once: $$m"; \
		(cd $$m && $(GO) test -run '^$$' -bench . -benchtime 1x ./... >/dev/null); \
	done

gate:
	cd bench && $(GO) run ./cmd/gate -C .. -base $(GATE_BASE) -pkg ./shard/,./monitor/,./latency/ -bench 'BenchmarkCounterInc$$|BenchmarkCounterIncParallel$$|BenchmarkConnLog$$|BenchmarkConnProxy$$|BenchmarkRecord$$|BenchmarkRecordParallel$$' -count 10 -benchtime 100ms

benchmarks:
	cd bench && ./run.sh

ci: lint test bench-smoke gate
