// Package aires is the Go SDK of Aires: it sends application events
// (message, severity, typed attributes, ids, HTTP and error details) to an
// Aires collector over gRPC.
//
//	aires.Init(aires.Config{Service: "checkout", Environment: "prod"})
//	defer aires.Shutdown(context.Background())
//	aires.Info("order placed", aires.String("order_id", id), aires.Int("items", 3))
//
// A logging call never blocks and never panics: it stamps the event with a
// UUID v7 and a nanosecond timestamp and hands it to a bounded queue; one
// background worker batches (256 events or 500 ms), encodes Protobuf and
// sends it gzip-compressed, retrying transient failures. When the queue is
// full, events are dropped and counted (Client.Stats). Given several
// collectors (Config.Endpoints, or a "dns:///" Endpoint) it spreads batches
// over them with gRPC's round robin and retries a batch cut off with a dead
// collector on another.
//
// Besides the logging functions the package has an slog.Handler
// (NewSlogHandler) and net/http middleware (Middleware). The sdktest
// package captures events in memory for tests. DESIGN.md in the module
// explains the contracts (ownership, concurrency, limits) and the choices.
package aires
