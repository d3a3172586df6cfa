package wire

import "google.golang.org/protobuf/encoding/protowire"

// Field numbers of the aires.v1 messages (proto/aires/v1/aires.proto). A
// field added to the protocol gets its number here first.
const (
	BatchResource protowire.Number = 1
	BatchEvents   protowire.Number = 2

	EventID          protowire.Number = 1
	EventTimestamp   protowire.Number = 2
	EventSeverity    protowire.Number = 3
	EventMessage     protowire.Number = 4
	EventService     protowire.Number = 5
	EventEnvironment protowire.Number = 6
	EventRelease     protowire.Number = 7
	EventTraceID     protowire.Number = 8
	EventSpanID      protowire.Number = 9
	EventSessionID   protowire.Number = 10
	EventUserID      protowire.Number = 11
	EventAttributes  protowire.Number = 12
	EventTags        protowire.Number = 13
	EventHTTP        protowire.Number = 14
	EventError       protowire.Number = 15

	HTTPMethod        protowire.Number = 1
	HTTPRoute         protowire.Number = 2
	HTTPPath          protowire.Number = 3
	HTTPURL           protowire.Number = 4
	HTTPStatusCode    protowire.Number = 5
	HTTPDurationMs    protowire.Number = 6
	HTTPRequestSize   protowire.Number = 7
	HTTPResponseSize  protowire.Number = 8
	HTTPUserAgent     protowire.Number = 9
	HTTPClientAddress protowire.Number = 10

	ErrorType    protowire.Number = 1
	ErrorMessage protowire.Number = 2
	ErrorStack   protowire.Number = 3

	KeyValueKey   protowire.Number = 1
	KeyValueValue protowire.Number = 2

	// The members of the AnyValue oneof.
	AnyString protowire.Number = 1
	AnyInt    protowire.Number = 2
	AnyDouble protowire.Number = 3
	AnyBool   protowire.Number = 4
	AnyArray  protowire.Number = 5
	AnyKvlist protowire.Number = 6

	// ListValues is the repeated field of ArrayValue and KeyValueList.
	ListValues protowire.Number = 1
)

// MaxScanLevel bounds the nesting of attribute values ScanEvent reads (a
// top-level attribute is at level 1); deeper events take the reference path.
// The receiver's validation must reject events before they nest this deep, so
// that it never walks bytes the scan did not check: it asserts so at compile
// time.
const MaxScanLevel = 20
