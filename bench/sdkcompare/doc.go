// Package sdkcompare benchmarks the Aires Go SDK against zap, log/slog and
// the OpenTelemetry Go logs SDK, and measures the SDK's gRPC throughput. It is
// its own module so that those loggers never enter the SDK's go.mod.
//
//	cd bench/sdkcompare && go test -run '^$' -bench . -benchtime 1s -count 1
package sdkcompare
