package row

import "github.com/aires-dev/aires/internal/semconv"

// Column is one stored column of the events table, and where its value comes
// from in a Row.
//
// Columns is the one list of them: the DDL and the INSERT (internal/schema),
// the exporter's column block (internal/chblock) and the semantic attributes
// WriteRecord writes and RecordMatches checks are all derived from it, so a
// new column is one entry here, the Row field it reads, and new golden DDL
// files. It lives in this package, not in schema, because the accessors read
// Row fields and schema already depends on row.
type Column struct {
	// Name is a user-facing API: never rename or reorder, only append.
	Name string
	// Type is the ClickHouse base type, valid on every supported version.
	Type string
	// Codec is the compression codec used where the server has codecs.
	Codec string
	// LowCardinality marks String columns with few distinct values; they
	// become LowCardinality(String) where the server has it.
	LowCardinality bool

	// Key is the semantic attribute the value is written to by WriteRecord
	// (or WriteResource when InResource is set) and read from by the
	// Builder, when the column is a plain copy of one; "" when it is not
	// (record fields such as the body, and id: log.record.uid is parsed).
	// The Builder's own switch reads the keys, with their aliases
	// (enduser.id, http.server.request.duration, ...) and checks; a test
	// holds it to this table.
	Key        string
	InResource bool

	// Value reads the column's value from a row: a Field, or Computed
	// where the stored value is derived. Typed, so the column block keeps a
	// typed buffer per column and copies without boxing.
	Value Accessor
}

// Accessor is a typed read of one column's value from a Row: a Field or a
// Computed. The set of value types is closed: the column block has a
// buffer type for each (see TestColumnKindsMatchTypes).
type Accessor interface {
	// Any is the column's value in r, boxed: for tests and tools, not for
	// hot paths.
	Any(r *Row) any
}

// Field is a column stored as a Row field holds it: it returns the field's
// address in r, and must do nothing else. The column block relies on that:
// it reads the field at that offset for every row instead of calling the
// accessor, which keeps adding a row free of one call per column.
type Field[T any] func(r *Row) *T

// Computed is a column whose value is derived from a row.
type Computed[T any] func(r *Row) T

// Any is the field's value in r.
func (f Field[T]) Any(r *Row) any { return *f(r) }

// Any is the computed value for r.
func (c Computed[T]) Any(r *Row) any { return c(r) }

// field and computed type the accessors of Columns' entries.
func field[T any](f func(*Row) *T) Field[T]      { return f }
func computed[T any](f func(*Row) T) Computed[T] { return f }

const zstd = "ZSTD(1)"

// Columns are the stored columns of the events table, in INSERT order.
var Columns = [...]Column{
	{Name: "id", Type: "UUID", Value: field(func(r *Row) *[16]byte { return &r.ID })},
	// DateTime holds whole seconds; timestamp_ns keeps the precision.
	{Name: "timestamp", Type: "DateTime", Codec: "Delta, " + zstd, Value: computed(func(r *Row) int64 { return int64(r.TimestampNs / 1e9) })},
	{Name: "timestamp_ns", Type: "UInt64", Codec: "Delta, " + zstd, Value: field(func(r *Row) *uint64 { return &r.TimestampNs })},
	{Name: "service", Type: "String", LowCardinality: true, Key: semconv.ServiceName, InResource: true, Value: field(func(r *Row) *string { return &r.Service })},
	{Name: "environment", Type: "String", LowCardinality: true, Key: semconv.DeploymentEnvironment, InResource: true, Value: field(func(r *Row) *string { return &r.Environment })},
	{Name: "release", Type: "String", LowCardinality: true, Key: semconv.ServiceVersion, InResource: true, Value: field(func(r *Row) *string { return &r.Release })},
	{Name: "host", Type: "String", LowCardinality: true, Key: semconv.HostName, InResource: true, Value: field(func(r *Row) *string { return &r.Host })},
	{Name: "severity", Type: severityEnum8Type(), Value: computed(func(r *Row) int8 { return r.Severity.Enum8() })},
	{Name: "message", Type: "String", Codec: zstd, Value: field(func(r *Row) *string { return &r.Message })},
	{Name: "trace_id", Type: "String", Codec: zstd, Value: field(func(r *Row) *string { return &r.TraceID })},
	{Name: "span_id", Type: "String", Codec: zstd, Value: field(func(r *Row) *string { return &r.SpanID })},
	{Name: "session_id", Type: "String", Codec: zstd, Key: semconv.SessionID, Value: field(func(r *Row) *string { return &r.SessionID })},
	{Name: "user_id", Type: "String", Codec: zstd, Key: semconv.UserID, Value: field(func(r *Row) *string { return &r.UserID })},
	{Name: "tags", Type: "Array(String)", Codec: zstd, Key: semconv.AiresTags, Value: field(func(r *Row) *[]string { return &r.Tags })},
	{Name: "attr_str_keys", Type: "Array(String)", Codec: zstd, Value: field(func(r *Row) *[]string { return &r.StrKeys })},
	{Name: "attr_str_values", Type: "Array(String)", Codec: zstd, Value: field(func(r *Row) *[]string { return &r.StrValues })},
	{Name: "attr_int_keys", Type: "Array(String)", Codec: zstd, Value: field(func(r *Row) *[]string { return &r.IntKeys })},
	{Name: "attr_int_values", Type: "Array(Int64)", Codec: zstd, Value: field(func(r *Row) *[]int64 { return &r.IntValues })},
	{Name: "attr_float_keys", Type: "Array(String)", Codec: zstd, Value: field(func(r *Row) *[]string { return &r.FloatKeys })},
	{Name: "attr_float_values", Type: "Array(Float64)", Codec: zstd, Value: field(func(r *Row) *[]float64 { return &r.FloatValues })},
	{Name: "attr_bool_keys", Type: "Array(String)", Codec: zstd, Value: field(func(r *Row) *[]string { return &r.BoolKeys })},
	{Name: "attr_bool_values", Type: "Array(UInt8)", Codec: zstd, Value: field(func(r *Row) *[]bool { return &r.BoolValues })},
	{Name: "resource_keys", Type: "Array(String)", Codec: zstd, Value: field(func(r *Row) *[]string { return &r.ResourceKeys })},
	{Name: "resource_values", Type: "Array(String)", Codec: zstd, Value: field(func(r *Row) *[]string { return &r.ResourceValues })},
	{Name: "http_method", Type: "String", LowCardinality: true, Key: semconv.HTTPRequestMethod, Value: field(func(r *Row) *string { return &r.HTTPMethod })},
	{Name: "http_route", Type: "String", LowCardinality: true, Key: semconv.HTTPRoute, Value: field(func(r *Row) *string { return &r.HTTPRoute })},
	{Name: "http_path", Type: "String", Codec: zstd, Key: semconv.URLPath, Value: field(func(r *Row) *string { return &r.HTTPPath })},
	{Name: "http_url", Type: "String", Codec: zstd, Key: semconv.URLFull, Value: field(func(r *Row) *string { return &r.HTTPURL })},
	{Name: "http_status", Type: "UInt16", Key: semconv.HTTPResponseStatusCode, Value: field(func(r *Row) *uint16 { return &r.HTTPStatus })},
	{Name: "http_duration_ms", Type: "Float64", Codec: zstd, Key: semconv.AiresHTTPDurationMs, Value: field(func(r *Row) *float64 { return &r.HTTPDurationMs })},
	{Name: "http_request_size", Type: "Int64", Codec: zstd, Key: semconv.HTTPRequestBodySize, Value: field(func(r *Row) *int64 { return &r.HTTPRequestSize })},
	{Name: "http_response_size", Type: "Int64", Codec: zstd, Key: semconv.HTTPResponseBodySize, Value: field(func(r *Row) *int64 { return &r.HTTPResponseSize })},
	{Name: "http_user_agent", Type: "String", Codec: zstd, Key: semconv.UserAgentOriginal, Value: field(func(r *Row) *string { return &r.HTTPUserAgent })},
	{Name: "http_client_ip", Type: "String", Codec: zstd, Key: semconv.ClientAddress, Value: field(func(r *Row) *string { return &r.HTTPClientIP })},
	{Name: "error_type", Type: "String", LowCardinality: true, Key: semconv.ExceptionType, Value: field(func(r *Row) *string { return &r.ErrorType })},
	{Name: "error_message", Type: "String", Codec: zstd, Key: semconv.ExceptionMessage, Value: field(func(r *Row) *string { return &r.ErrorMessage })},
	{Name: "error_stack", Type: "String", Codec: zstd, Key: semconv.ExceptionStacktrace, Value: field(func(r *Row) *string { return &r.ErrorStack })},
}
