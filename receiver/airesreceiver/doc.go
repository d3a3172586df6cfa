//go:generate mdatagen metadata.yaml

// Package airesreceiver receives Aires event batches over gRPC
// (aires.v1.IngestService), validates each event, converts the batch to
// plog.Logs and hands it to the next consumer of a logs pipeline.
//
// internal/metadata and the generated_*_test.go files come from mdatagen
// v0.159.0 (the newest the module proxy serves that builds here), run by
// `make generate`; its output compiles and passes against collector v0.165.0.
package airesreceiver // import "github.com/aires-dev/aires/receiver/airesreceiver"
