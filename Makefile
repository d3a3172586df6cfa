# Aires developer targets. Everything runs through the Go toolchain (tools are
# pinned in internal/tools/go.mod); protoc comes from Debian's protobuf-compiler.
SHELL := /bin/bash
GO ?= go
BIN := $(CURDIR)/bin
TOOLS := cd internal/tools && $(GO)
COLLECTOR := $(CURDIR)/build/aires-collector/aires-collector
# The read side's CLI (cmd/aires).
AIRES_CLI := $(CURDIR)/build/aires
# The stock collector (OTLP -> batch -> nop) that make bench measures beside Aires.
STOCK_COLLECTOR := $(CURDIR)/build/stock-collector/stock-collector
RUN_DIR ?= $(CURDIR)/.run
# The module proxy this machine is configured with (go env GOPROXY), without a
# trailing ",direct": mdatagen and ocb need module versions that the proxy
# serves but does not list, and with the fallback go asks their origin, which
# these machines cannot reach, and fails. Only those two tools use it.
PROXY_ONLY := $(shell $(GO) env GOPROXY | sed -e 's/[,|]direct$$//')

.PHONY: all build proto proto-python proto-node node-deps node-build generate tools run test test-unit test-e2e test-cluster test-own-distribution test-sdk test-python test-node test-modern chaos chaos-short bench vet lint proto-lint proto-baseline check-generated clean clickhouse-start clickhouse-stop run-cluster cluster-start cluster-stop

all: build

$(BIN)/protoc-gen-go $(BIN)/protoc-gen-go-grpc $(BIN)/builder: internal/tools/go.mod
	@mkdir -p $(BIN)
	$(TOOLS) build -o $(BIN)/ google.golang.org/protobuf/cmd/protoc-gen-go google.golang.org/grpc/cmd/protoc-gen-go-grpc go.opentelemetry.io/collector/cmd/builder

tools: $(BIN)/protoc-gen-go $(BIN)/protoc-gen-go-grpc $(BIN)/builder

## proto: regenerate the Go and Python code of the Aires protocol (needs Debian's protobuf-compiler)
proto: $(BIN)/protoc-gen-go $(BIN)/protoc-gen-go-grpc proto-python
	@command -v protoc >/dev/null || { echo "protoc not found: apt-get install -y protobuf-compiler" >&2; exit 1; }
	cd proto && PATH=$(BIN):$$PATH protoc --proto_path=. \
		--go_out=. --go_opt=paths=source_relative \
		--go-grpc_out=. --go-grpc_opt=paths=source_relative \
		aires/v1/aires.proto

## proto-python: regenerate sdk-python/src/aires/v1/aires_pb2.py(i) with protoc's own Python
## generator (Debian's protoc 3.21: code for protobuf >= 4.21 (Python), see sdk-python/README.md)
proto-python:
	@command -v protoc >/dev/null || { echo "protoc not found: apt-get install -y protobuf-compiler" >&2; exit 1; }
	protoc --proto_path=proto --python_out=sdk-python/src --pyi_out=sdk-python/src aires/v1/aires.proto

## node-deps, node-build: the Node SDK's packages (npm ci, from sdk-node/package-lock.json, the
## registry of npm's own configuration) and its ESM and CommonJS builds (sdk-node/dist)
node-deps:
	@command -v npm >/dev/null || { echo "npm not found: apt-get install -y npm" >&2; exit 1; }
	cd sdk-node && npm ci --no-audit --no-fund

node-build: node-deps
	cd sdk-node && npm run build

## proto-node: regenerate the Node SDK's protocol code (sdk-node/src/gen; protoc + protoc-gen-es)
proto-node: node-deps
	@command -v protoc >/dev/null || { echo "protoc not found: apt-get install -y protobuf-compiler" >&2; exit 1; }
	cd sdk-node && npm run proto

$(BIN)/mdatagen: internal/tools/mdatagen/go.mod
	@mkdir -p $(BIN)
	cd internal/tools/mdatagen && GOPROXY=$(PROXY_ONLY) $(GO) build -o $(BIN)/ go.opentelemetry.io/collector/cmd/mdatagen

## generate: regenerate the components' internal/metadata from metadata.yaml (mdatagen v0.159.0)
generate: $(BIN)/mdatagen
	for d in receiver/airesreceiver processor/airestransformprocessor exporter/airesclickhouseexporter; do \
		(cd $$d && $(BIN)/mdatagen metadata.yaml) || exit 1; done

## build: assemble the aires-collector binary with ocb (builder-config.yaml), and the aires CLI
build: $(COLLECTOR) $(AIRES_CLI)

$(AIRES_CLI): $(shell find cmd/aires internal -name '*.go' -not -name '*_test.go' 2>/dev/null) cmd/aires/console.html go.mod go.sum
	@mkdir -p build
	$(GO) build -o $(AIRES_CLI) ./cmd/aires

COMPONENT_SOURCES := $(shell find receiver processor exporter internal proto -name '*.go' -not -name '*_test.go' 2>/dev/null) go.mod go.sum builder-config.yaml

$(COLLECTOR): $(BIN)/builder $(COMPONENT_SOURCES)
	@mkdir -p build
	GOPROXY=$(PROXY_ONLY) $(BIN)/builder --config builder-config.yaml
	@echo "built $(COLLECTOR)"

## run: start a local ClickHouse (installed from Debian if missing) and the collector
run: build
	scripts/clickhouse.sh start $(RUN_DIR)/clickhouse $${AIRES_CLICKHOUSE_PORT:-9000} $${AIRES_CLICKHOUSE_HTTP_PORT:-8123} >/dev/null
	@echo "ClickHouse on 127.0.0.1:$${AIRES_CLICKHOUSE_PORT:-9000} (data in $(RUN_DIR)/clickhouse; stop: make clickhouse-stop)"
	@echo "aires-collector: Aires gRPC on localhost:4320, OTLP gRPC on localhost:4317, health on localhost:13133"
	AIRES_QUEUE_DIR=$(RUN_DIR)/queue $(COLLECTOR) --config config/aires-collector.yaml

clickhouse-start:
	scripts/clickhouse.sh start $(RUN_DIR)/clickhouse $${AIRES_CLICKHOUSE_PORT:-9000} $${AIRES_CLICKHOUSE_HTTP_PORT:-8123}

clickhouse-stop:
	scripts/clickhouse.sh stop $(RUN_DIR)/clickhouse

## run-cluster: start a local ClickHouse cluster (ZooKeeper + 2 shards x 2 replicas) and the collector in cluster mode
run-cluster: build cluster-start
	@echo "aires-collector (cluster mode): Aires gRPC on localhost:4320, OTLP gRPC on localhost:4317, health on localhost:13133"
	AIRES_QUEUE_DIR=$(RUN_DIR)/queue-cluster \
	AIRES_CLICKHOUSE_ENDPOINT=tcp://$$(awk '$$1 == "node" { printf "%s127.0.0.1:%s", sep, $$4; sep = "," }' $(RUN_DIR)/cluster/endpoints) \
		$(COLLECTOR) --config config/aires-collector-cluster.yaml

cluster-start:
	scripts/cluster.sh start $(RUN_DIR)/cluster
	@echo "cluster \"aires\" (data in $(RUN_DIR)/cluster; stop: make cluster-stop)"

cluster-stop:
	scripts/cluster.sh stop $(RUN_DIR)/cluster

## vet: go vet on every module
vet:
	$(GO) vet ./...
	cd proto && $(GO) vet ./...
	cd sdk && $(GO) vet ./...
	cd test/e2e && $(GO) vet ./...
	cd test/owndist && $(GO) vet ./...
	cd test/cluster && $(GO) vet ./...
	cd test/modern && $(GO) vet ./...
	cd test/chaos && $(GO) vet ./...
	cd bench && $(GO) vet ./...
	cd bench/sdkcompare && $(GO) vet ./...
	cd examples/quickstart && $(GO) vet ./...

MODULES := . proto sdk test/e2e test/owndist test/cluster test/modern test/chaos bench bench/sdkcompare examples/quickstart

$(BIN)/staticcheck: internal/tools/lint/go.mod
	@mkdir -p $(BIN)
	cd internal/tools/lint && $(GO) build -o $(BIN)/ honnef.co/go/tools/cmd/staticcheck

$(BIN)/buf: internal/tools/buf/go.mod
	@mkdir -p $(BIN)
	cd internal/tools/buf && $(GO) build -o $(BIN)/ github.com/bufbuild/buf/cmd/buf

## proto-lint: buf lint, and buf breaking against the released protocol (proto/compat)
proto-lint: $(BIN)/buf
	cd proto && $(BIN)/buf lint && $(BIN)/buf breaking --against compat/aires-v1.image.json

## proto-baseline: record the current protocol as the compatibility baseline (do it at a release)
proto-baseline: $(BIN)/buf
	cd proto && $(BIN)/buf build --exclude-source-info -o compat/aires-v1.image.json

## lint: gofmt and staticcheck (pinned in internal/tools/lint) on every module, buf on the protocol,
## and no tracked file over 1 MB outside bench/results (built binaries stay out of git)
lint: $(BIN)/staticcheck proto-lint
	@large=$$(git ls-files -z 2>/dev/null | grep -zv '^bench/results/' | xargs -0 -r stat -c '%s %n' 2>/dev/null | awk '$$1 > 1048576 {print $$2}'); \
		if [ -n "$$large" ]; then echo "tracked files over 1 MB (remove them from git and ignore them):" $$large >&2; exit 1; fi
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './build/*')); \
		if [ -n "$$unformatted" ]; then echo "gofmt needed:" $$unformatted >&2; exit 1; fi
	for m in $(MODULES); do (cd $$m && $(BIN)/staticcheck ./...) || exit 1; done

## check-generated: regenerate the protocol code and component metadata and fail if anything changed
check-generated: proto proto-node generate
	@git diff --exit-code -- proto receiver processor exporter sdk-python/src/aires/v1 sdk-node/src/gen || \
		{ echo "generated code is out of date: run make proto proto-node generate and commit" >&2; exit 1; }

## test: the whole suite: unit tests (race; the bench's own tests too), the Go, Python and Node SDKs, end to end on the
## ocb-built binary (one server, then a cluster), the Aires components in a distribution of
## one's own, ClickHouse 26.7 in process (chDB), and the short fault-injection suite
test: build vet lint test-unit test-sdk test-python test-node test-e2e test-cluster test-own-distribution test-modern chaos-short

test-unit:
	$(GO) test -race -count=1 ./...
	cd proto && $(GO) test -count=1 ./...
	cd bench && $(GO) test -count=1 ./...

test-sdk:
	cd sdk && $(GO) test -race -count=1 ./...
	cd sdk && $(GO) test -count=1 -run Allocs ./...

## test-node: the Node SDK's tests (node --test: in-process gRPC servers, fault tests, pino, middleware)
test-node: node-build
	cd sdk-node && npm test

# The Python SDK runs on Debian's python3 (python3-grpcio, python3-protobuf, python3-pytest), not
# on whatever python3 comes first on PATH; PYTHON=... to use another interpreter with those modules.
PYTHON ?= $(shell test -x /usr/bin/python3 && echo /usr/bin/python3 || echo python3)

## test-python: the Python SDK's tests (sdk-python, pytest against in-process gRPC servers)
test-python:
	cd sdk-python && $(PYTHON) -m pytest -q

test-e2e: build node-build
	cd test/e2e && AIRES_PYTHON=$(PYTHON) AIRES_COLLECTOR=$(COLLECTOR) AIRES_CLI=$(AIRES_CLI) $(GO) test -count=1 -timeout 15m ./...

## test-own-distribution: build examples/own-distribution (Aires beside contrib's file_log,
## resource and clickhouse) with the pinned ocb into build/own-distribution, through the same
## Go build cache as `make build`, and run it against a real ClickHouse (test/owndist)
test-own-distribution: $(BIN)/builder
	cd test/owndist && AIRES_BUILDER=$(BIN)/builder AIRES_BUILDER_GOPROXY=$(PROXY_ONLY) $(GO) test -count=1 -timeout 15m ./...

## test-cluster: the collector in cluster mode on a local cluster (ZooKeeper, 2 shards x 2 replicas; scripts/cluster.sh)
test-cluster: build
	cd test/cluster && AIRES_COLLECTOR=$(COLLECTOR) $(GO) test -count=1 -timeout 15m ./...

## test-modern: the schema, views, README examples and deduplication on ClickHouse 26.7 in process
## (chDB, installed by scripts/chdb.sh through npm into $$AIRES_CACHE, by default ~/.cache/aires)
test-modern:
	lib=$$(bash scripts/chdb.sh install) && \
		cd test/modern && LD_LIBRARY_PATH=$$lib$${LD_LIBRARY_PATH:+:$$LD_LIBRARY_PATH} $(GO) test -count=1 -timeout 10m ./...

## chaos: the fault-injection suite (test/chaos): ClickHouse and collector killed under load in
## each acknowledgement mode, the persistent queue's disk full (a tmpfs: needs root), memory_limiter
## overload, malformed inputs on both ports; prints one table, fails when a promise is broken.
## CHAOS_FLAGS: e.g. -fail-on-duplicates, -only collector-kill, -modes persistent (see -h)
chaos: build
	cd test/chaos && AIRES_COLLECTOR=$(COLLECTOR) $(GO) run ./cmd/aireschaos $(CHAOS_FLAGS)

## chaos-short: the same, shorter (about 2-3 minutes), as a Go test (part of make test)
chaos-short: build
	cd test/chaos && AIRES_COLLECTOR=$(COLLECTOR) $(GO) test -count=1 -timeout 10m -v -run TestChaosShort ./...

## bench: measure the whole path on this machine (ClickHouse insert ceiling, SDK -> collector ->
## ClickHouse rate and latency, collector memory under 3x overload, SDK vs zap/slog/OTel) and
## write bench/results/latest.json (+ .details.json, .png); about 6 minutes on 2 cores
.PHONY: bench-quick stock-collector
bench: build $(STOCK_COLLECTOR)
	cd bench && AIRES_COLLECTOR=$(COLLECTOR) AIRES_STOCK_COLLECTOR=$(STOCK_COLLECTOR) BENCH_QUICK=$(BENCH_QUICK) $(GO) run ./cmd/airesbench $(BENCH_FLAGS)
	$(MAKE) bench-python BENCH_QUICK=$(BENCH_QUICK)

## bench-node: the Node SDK's benchmarks (info() next to pino, CPU per event, events/s delivered to a
## local aires-collector (aires -> debug) with the SDK's gzip, grpc-js's gzip and none; sdk-node/README.md)
.PHONY: bench-node
bench-node: node-build build
	cd sdk-node && AIRES_COLLECTOR=$(COLLECTOR) npm run bench && node bench/encode.mjs

## stock-collector: the reference collector of make bench (bench/stock/builder-config.yaml)
stock-collector: $(STOCK_COLLECTOR)

$(STOCK_COLLECTOR): $(BIN)/builder bench/stock/builder-config.yaml
	@mkdir -p build
	GOPROXY=$(PROXY_ONLY) $(BIN)/builder --config bench/stock/builder-config.yaml
	@echo "built $(STOCK_COLLECTOR)"

## bench-python: the Python SDK's call cost next to logging and structlog, and its events/s to a
## local aires-collector (aires -> debug); writes sdk-python/bench/latest.json
.PHONY: bench-python
bench-python: build
	cd sdk-python && AIRES_COLLECTOR=$(COLLECTOR) $(PYTHON) bench/bench.py $(if $(BENCH_QUICK),--quick) --json bench/latest.json

## bench-read: the read side's queries (aires search/tail/console) on 100M events (BENCH_QUICK=1:
## 10M) in a ClickHouse of their own; writes bench/results/read.json
.PHONY: bench-read
bench-read:
	cd bench && BENCH_QUICK=$(BENCH_QUICK) $(GO) run ./cmd/airesread $(BENCH_READ_FLAGS)

## bench-quick: the same in under 2 minutes, written to bench/results/quick.json
bench-quick:
	$(MAKE) bench BENCH_QUICK=1

clean:
	rm -rf build bin examples/own-distribution/build
