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

	// Value reads the column's value from a row: one of the typed accessor
	// kinds below (UUIDOf, StringOf, ...). Typed, so the column block keeps
	// a typed buffer per column and copies without boxing.
	Value Accessor
}

// Accessor is a typed read of one column's value from a Row. The set of
// kinds is closed: the column block has a buffer type for each.
type Accessor interface{ accessor() }

// The accessor kinds, one per Go type a column's values have in the column
// block (and so in clickhouse-go's Append).
type (
	UUIDOf     func(*Row) [16]byte
	StringOf   func(*Row) string
	Int8Of     func(*Row) int8
	UInt16Of   func(*Row) uint16
	UInt64Of   func(*Row) uint64
	Int64Of    func(*Row) int64
	Float64Of  func(*Row) float64
	StringsOf  func(*Row) []string
	Int64sOf   func(*Row) []int64
	Float64sOf func(*Row) []float64
	// BoolsOf is an Array(UInt8) column: false is 0, true is 1.
	BoolsOf func(*Row) []bool
)

func (UUIDOf) accessor()     {}
func (StringOf) accessor()   {}
func (Int8Of) accessor()     {}
func (UInt16Of) accessor()   {}
func (UInt64Of) accessor()   {}
func (Int64Of) accessor()    {}
func (Float64Of) accessor()  {}
func (StringsOf) accessor()  {}
func (Int64sOf) accessor()   {}
func (Float64sOf) accessor() {}
func (BoolsOf) accessor()    {}

const zstd = "ZSTD(1)"

// Columns are the stored columns of the events table, in INSERT order.
var Columns = [...]Column{
	{Name: "id", Type: "UUID", Value: UUIDOf(func(r *Row) [16]byte { return r.ID })},
	// DateTime holds whole seconds; timestamp_ns keeps the precision.
	{Name: "timestamp", Type: "DateTime", Codec: "Delta, " + zstd, Value: Int64Of(func(r *Row) int64 { return int64(r.TimestampNs / 1e9) })},
	{Name: "timestamp_ns", Type: "UInt64", Codec: "Delta, " + zstd, Value: UInt64Of(func(r *Row) uint64 { return r.TimestampNs })},
	{Name: "service", Type: "String", LowCardinality: true, Key: semconv.ServiceName, InResource: true, Value: StringOf(func(r *Row) string { return r.Service })},
	{Name: "environment", Type: "String", LowCardinality: true, Key: semconv.DeploymentEnvironment, InResource: true, Value: StringOf(func(r *Row) string { return r.Environment })},
	{Name: "release", Type: "String", LowCardinality: true, Key: semconv.ServiceVersion, InResource: true, Value: StringOf(func(r *Row) string { return r.Release })},
	{Name: "host", Type: "String", LowCardinality: true, Key: semconv.HostName, InResource: true, Value: StringOf(func(r *Row) string { return r.Host })},
	{Name: "severity", Type: severityEnum8Type(), Value: Int8Of(func(r *Row) int8 { return r.Severity.Enum8() })},
	{Name: "message", Type: "String", Codec: zstd, Value: StringOf(func(r *Row) string { return r.Message })},
	{Name: "trace_id", Type: "String", Codec: zstd, Value: StringOf(func(r *Row) string { return r.TraceID })},
	{Name: "span_id", Type: "String", Codec: zstd, Value: StringOf(func(r *Row) string { return r.SpanID })},
	{Name: "session_id", Type: "String", Codec: zstd, Key: semconv.SessionID, Value: StringOf(func(r *Row) string { return r.SessionID })},
	{Name: "user_id", Type: "String", Codec: zstd, Key: semconv.UserID, Value: StringOf(func(r *Row) string { return r.UserID })},
	{Name: "tags", Type: "Array(String)", Codec: zstd, Key: semconv.AiresTags, Value: StringsOf(func(r *Row) []string { return r.Tags })},
	{Name: "attr_str_keys", Type: "Array(String)", Codec: zstd, Value: StringsOf(func(r *Row) []string { return r.StrKeys })},
	{Name: "attr_str_values", Type: "Array(String)", Codec: zstd, Value: StringsOf(func(r *Row) []string { return r.StrValues })},
	{Name: "attr_int_keys", Type: "Array(String)", Codec: zstd, Value: StringsOf(func(r *Row) []string { return r.IntKeys })},
	{Name: "attr_int_values", Type: "Array(Int64)", Codec: zstd, Value: Int64sOf(func(r *Row) []int64 { return r.IntValues })},
	{Name: "attr_float_keys", Type: "Array(String)", Codec: zstd, Value: StringsOf(func(r *Row) []string { return r.FloatKeys })},
	{Name: "attr_float_values", Type: "Array(Float64)", Codec: zstd, Value: Float64sOf(func(r *Row) []float64 { return r.FloatValues })},
	{Name: "attr_bool_keys", Type: "Array(String)", Codec: zstd, Value: StringsOf(func(r *Row) []string { return r.BoolKeys })},
	{Name: "attr_bool_values", Type: "Array(UInt8)", Codec: zstd, Value: BoolsOf(func(r *Row) []bool { return r.BoolValues })},
	{Name: "resource_keys", Type: "Array(String)", Codec: zstd, Value: StringsOf(func(r *Row) []string { return r.ResourceKeys })},
	{Name: "resource_values", Type: "Array(String)", Codec: zstd, Value: StringsOf(func(r *Row) []string { return r.ResourceValues })},
	{Name: "http_method", Type: "String", LowCardinality: true, Key: semconv.HTTPRequestMethod, Value: StringOf(func(r *Row) string { return r.HTTPMethod })},
	{Name: "http_route", Type: "String", LowCardinality: true, Key: semconv.HTTPRoute, Value: StringOf(func(r *Row) string { return r.HTTPRoute })},
	{Name: "http_path", Type: "String", Codec: zstd, Key: semconv.URLPath, Value: StringOf(func(r *Row) string { return r.HTTPPath })},
	{Name: "http_url", Type: "String", Codec: zstd, Key: semconv.URLFull, Value: StringOf(func(r *Row) string { return r.HTTPURL })},
	{Name: "http_status", Type: "UInt16", Key: semconv.HTTPResponseStatusCode, Value: UInt16Of(func(r *Row) uint16 { return r.HTTPStatus })},
	{Name: "http_duration_ms", Type: "Float64", Codec: zstd, Key: semconv.AiresHTTPDurationMs, Value: Float64Of(func(r *Row) float64 { return r.HTTPDurationMs })},
	{Name: "http_request_size", Type: "Int64", Codec: zstd, Key: semconv.HTTPRequestBodySize, Value: Int64Of(func(r *Row) int64 { return r.HTTPRequestSize })},
	{Name: "http_response_size", Type: "Int64", Codec: zstd, Key: semconv.HTTPResponseBodySize, Value: Int64Of(func(r *Row) int64 { return r.HTTPResponseSize })},
	{Name: "http_user_agent", Type: "String", Codec: zstd, Key: semconv.UserAgentOriginal, Value: StringOf(func(r *Row) string { return r.HTTPUserAgent })},
	{Name: "http_client_ip", Type: "String", Codec: zstd, Key: semconv.ClientAddress, Value: StringOf(func(r *Row) string { return r.HTTPClientIP })},
	{Name: "error_type", Type: "String", LowCardinality: true, Key: semconv.ExceptionType, Value: StringOf(func(r *Row) string { return r.ErrorType })},
	{Name: "error_message", Type: "String", Codec: zstd, Key: semconv.ExceptionMessage, Value: StringOf(func(r *Row) string { return r.ErrorMessage })},
	{Name: "error_stack", Type: "String", Codec: zstd, Key: semconv.ExceptionStacktrace, Value: StringOf(func(r *Row) string { return r.ErrorStack })},
}
