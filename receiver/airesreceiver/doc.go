//go:generate mdatagen metadata.yaml

// Package airesreceiver receives Aires event batches over gRPC
// (aires.v1.IngestService), validates each event, converts the batch to
// plog.Logs and hands it to the next consumer of a logs pipeline.
//
// # Layout
//
// An event is decoded by one of two paths that must agree exactly: the
// direct path reads it from its wire bytes, the reference path (taken when
// the direct one gives up) decodes it with proto.Unmarshal.
//
//   - internal/wire: the wire format. Field numbers, the framing of an
//     EventBatch, the checked scan of an Event (wire.ScanEvent) and the
//     readers of scanned bytes. It imports nothing of this package.
//   - decode.go: a batch split into its resource and encoded events.
//   - validate.go: both validators side by side, validateEvent (decoded
//     event) and validateWire (scanned event), with the same rules, order
//     and reasons.
//   - record.go: the log record writer both paths share (convertEvent,
//     convertWire).
//   - mapping.go: a batch decoded, validated and converted (decodeConvert),
//     its events grouped into one ResourceLogs per effective resource.
//   - codec.go, receiver.go, status.go: the gRPC side.
//
// The differential tests (differential_test.go, FuzzDecodeBatch) hold the
// two paths to the same rejections and log records; reference_test.go keeps
// the whole-batch reference decoder they compare against.
//
// # Adding a protocol field
//
//  1. proto/aires/v1/aires.proto, then `make proto`.
//  2. internal/wire: the field number (fields.go), the field in Event and
//     EventOf (event.go), and its reading in ScanEvent or the scan of its
//     message (scan.go).
//  3. validate.go: its rule, if any, in both validateEvent and validateWire,
//     through a helper both call so that the reason is the same.
//  4. record.go: its place in the log record (in a piece both convertWire
//     and convertEvent call) and, for an attribute, in wireAttributeCapacity.
//  5. differential_test.go: the field, valid and invalid, in batchGen, so
//     that the differential and fuzz tests cover it; then the mapping table
//     of README.md.
//
// internal/metadata and the generated_*_test.go files come from mdatagen
// v0.159.0 (the newest the module proxy serves that builds here), run by
// `make generate`; its output compiles and passes against collector v0.165.0.
package airesreceiver // import "github.com/aires-dev/aires/receiver/airesreceiver"
