# Aires developer targets. Everything runs through the Go toolchain (tools are
# pinned in internal/tools/go.mod); protoc comes from Debian's protobuf-compiler.
SHELL := /bin/bash
GO ?= go
BIN := $(CURDIR)/bin
TOOLS := cd internal/tools && $(GO)
COLLECTOR := $(CURDIR)/build/aires-collector/aires-collector
RUN_DIR ?= $(CURDIR)/.run
# The module proxy this machine is configured with (go env GOPROXY), without a
# trailing ",direct": mdatagen and ocb need module versions that the proxy
# serves but does not list, and with the fallback go asks their origin, which
# these machines cannot reach, and fails. Only those two tools use it.
PROXY_ONLY := $(shell $(GO) env GOPROXY | sed -e 's/[,|]direct$$//')

.PHONY: all build proto generate tools run test test-unit test-e2e test-cluster test-sdk test-modern chaos chaos-short bench vet lint proto-lint proto-baseline check-generated clean clickhouse-start clickhouse-stop run-cluster cluster-start cluster-stop

all: build

$(BIN)/protoc-gen-go $(BIN)/protoc-gen-go-grpc $(BIN)/builder: internal/tools/go.mod
	@mkdir -p $(BIN)
	$(TOOLS) build -o $(BIN)/ google.golang.org/protobuf/cmd/protoc-gen-go google.golang.org/grpc/cmd/protoc-gen-go-grpc go.opentelemetry.io/collector/cmd/builder

tools: $(BIN)/protoc-gen-go $(BIN)/protoc-gen-go-grpc $(BIN)/builder

## proto: regenerate the Go code of the Aires protocol (needs Debian's protobuf-compiler)
proto: $(BIN)/protoc-gen-go $(BIN)/protoc-gen-go-grpc
	@command -v protoc >/dev/null || { echo "protoc not found: apt-get install -y protobuf-compiler" >&2; exit 1; }
	cd proto && PATH=$(BIN):$$PATH protoc --proto_path=. \
		--go_out=. --go_opt=paths=source_relative \
		--go-grpc_out=. --go-grpc_opt=paths=source_relative \
		aires/v1/aires.proto

$(BIN)/mdatagen: internal/tools/mdatagen/go.mod
	@mkdir -p $(BIN)
	cd internal/tools/mdatagen && GOPROXY=$(PROXY_ONLY) $(GO) build -o $(BIN)/ go.opentelemetry.io/collector/cmd/mdatagen

## generate: regenerate the components' internal/metadata from metadata.yaml (mdatagen v0.159.0)
generate: $(BIN)/mdatagen
	for d in receiver/airesreceiver processor/airestransformprocessor exporter/airesclickhouseexporter; do \
		(cd $$d && $(BIN)/mdatagen metadata.yaml) || exit 1; done

## build: assemble the aires-collector binary with ocb (builder-config.yaml)
build: $(COLLECTOR)

COMPONENT_SOURCES := $(shell find receiver processor exporter internal/row internal/schema internal/semconv internal/grpcgzip proto -name '*.go' -not -name '*_test.go' 2>/dev/null) go.mod go.sum builder-config.yaml

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
	cd test/cluster && $(GO) vet ./...
	cd test/modern && $(GO) vet ./...
	cd test/chaos && $(GO) vet ./...
	cd bench && $(GO) vet ./...
	cd bench/sdkcompare && $(GO) vet ./...
	cd examples/quickstart && $(GO) vet ./...

MODULES := . proto sdk test/e2e test/cluster test/modern test/chaos bench bench/sdkcompare examples/quickstart

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
check-generated: proto generate
	@git diff --exit-code -- proto receiver processor exporter || \
		{ echo "generated code is out of date: run make proto generate and commit" >&2; exit 1; }

## test: the whole suite: unit tests (race), the SDK, end to end on the ocb-built binary (one server, then a cluster),
## ClickHouse 26.7 in process (chDB), and the short fault-injection suite
test: build vet lint test-unit test-sdk test-e2e test-cluster test-modern chaos-short

test-unit:
	$(GO) test -race -count=1 ./...
	cd proto && $(GO) test -count=1 ./...

test-sdk:
	cd sdk && $(GO) test -race -count=1 ./...

test-e2e: build
	cd test/e2e && AIRES_COLLECTOR=$(COLLECTOR) $(GO) test -count=1 -timeout 15m ./...

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
.PHONY: bench-quick
bench: build
	cd bench && AIRES_COLLECTOR=$(COLLECTOR) BENCH_QUICK=$(BENCH_QUICK) $(GO) run ./cmd/airesbench $(BENCH_FLAGS)

## bench-quick: the same in under 2 minutes, written to bench/results/quick.json
bench-quick:
	$(MAKE) bench BENCH_QUICK=1

clean:
	rm -rf build bin
