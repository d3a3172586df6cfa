// Package wire reads aires.v1 messages straight from their protobuf wire
// bytes, without the generated structs. It owns the protocol's field numbers
// (fields.go), the framing of an EventBatch (batch.go), the fields a scan
// yields and their counterpart from a decoded event (event.go), the checked
// scan of one Event (scan.go) and the readers that walk the attributes and
// tags of a scanned event again (read.go).
//
// The scan accepts an event only when it can reproduce exactly what
// proto.Unmarshal would decode: it checks everything proto.Unmarshal checks
// (framing, field numbers, UTF-8 of every string, nested values) and gives up
// (ScanEvent returns false) on whatever it does not handle the same way (a
// decoding error, a known field with another wire type, a repeated message
// field, which proto merges, an attribute value with several members, nesting
// deeper than MaxScanLevel). The caller then decodes the event with
// proto.Unmarshal instead.
//
// Strings of a scanned event alias the scanned bytes (see String): the caller
// must never modify them afterwards.
//
// The package knows the wire format and the generated structs, nothing of the
// receiver: what an event must satisfy (validation) and what becomes of it
// (the log record) belong to the receiver, which imports this package.
package wire // import "github.com/aires-dev/aires/receiver/airesreceiver/internal/wire"
