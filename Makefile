# Aires developer targets. Everything runs through the Go toolchain (tools are
# pinned in internal/tools/go.mod); protoc comes from Debian's protobuf-compiler.
SHELL := /bin/bash
GO ?= go
BIN := $(CURDIR)/bin
TOOLS := cd internal/tools && $(GO)
COLLECTOR := $(CURDIR)/build/aires-collector/aires-collector
RUN_DIR ?= $(CURDIR)/.run

.PHONY: all build proto generate tools run test test-unit test-e2e bench vet clean clickhouse-start clickhouse-stop

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
	cd internal/tools/mdatagen && GOPROXY=$${GOPROXY:-https://proxy.golang.org} $(GO) build -o $(BIN)/ go.opentelemetry.io/collector/cmd/mdatagen

## generate: regenerate the components' internal/metadata from metadata.yaml (mdatagen v0.159.0)
generate: $(BIN)/mdatagen
	for d in receiver/airesreceiver processor/airestransformprocessor exporter/airesclickhouseexporter; do \
		(cd $$d && $(BIN)/mdatagen metadata.yaml) || exit 1; done
