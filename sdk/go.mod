module github.com/aires-dev/aires/sdk

go 1.26.0

replace github.com/aires-dev/aires/proto => ../proto

require (
	github.com/aires-dev/aires/proto v0.0.0-00010101000000-000000000000
	github.com/klauspost/compress v1.20.3
	go.opentelemetry.io/otel/trace v1.47.0
	google.golang.org/genproto/googleapis/rpc v0.0.0-20260928230214-8a89bd6388cc
	google.golang.org/grpc v1.85.0
	google.golang.org/protobuf v1.36.12
)

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	go.opentelemetry.io/otel v1.47.0 // indirect
	golang.org/x/net v0.60.0 // indirect
	golang.org/x/sys v0.48.0 // indirect
	golang.org/x/text v0.42.0 // indirect
)
