// Package row turns OpenTelemetry log records into the canonical Aires row:
// the flat shape of one line of the ClickHouse events table. The
// aires_transform processor and the aires_clickhouse exporter share it, so a
// log record that skipped the processor (OTLP straight in) still becomes the
// same row.
package row

// Row is one event, flattened. Its fields map one to one onto the columns of
// the events table. Slices are reused by Reset: a Row is meant to be recycled.
type Row struct {
	ID          [16]byte // UUID, big endian
	TimestampNs uint64   // Unix nanoseconds

	Service     string
	Environment string
	Release     string
	Host        string

	Severity Severity
	Message  string

	TraceID   string // 32 lowercase hex digits, or ""
	SpanID    string // 16 lowercase hex digits, or ""
	SessionID string
	UserID    string

	Tags []string

	// Typed attributes, as parallel key/value lists.
	StrKeys     []string
	StrValues   []string
	IntKeys     []string
	IntValues   []int64
	FloatKeys   []string
	FloatValues []float64
	BoolKeys    []string
	BoolValues  []bool

	// Resource attributes other than service/environment/release/host, as strings.
	ResourceKeys   []string
	ResourceValues []string

	HTTPMethod       string
	HTTPRoute        string
	HTTPPath         string
	HTTPURL          string
	HTTPStatus       uint16
	HTTPDurationMs   float64
	HTTPRequestSize  int64
	HTTPResponseSize int64
	HTTPUserAgent    string
	HTTPClientIP     string

	ErrorType    string
	ErrorMessage string
	ErrorStack   string
}

// Reset clears the row and keeps the capacity of its slices.
func (r *Row) Reset() {
	tags, sk, sv, ik, iv := r.Tags[:0], r.StrKeys[:0], r.StrValues[:0], r.IntKeys[:0], r.IntValues[:0]
	fk, fv, bk, bv, rk, rv := r.FloatKeys[:0], r.FloatValues[:0], r.BoolKeys[:0], r.BoolValues[:0], r.ResourceKeys[:0], r.ResourceValues[:0]
	*r = Row{
		Tags: tags, StrKeys: sk, StrValues: sv, IntKeys: ik, IntValues: iv,
		FloatKeys: fk, FloatValues: fv, BoolKeys: bk, BoolValues: bv,
		ResourceKeys: rk, ResourceValues: rv,
	}
}

// Clear empties r like Reset and also drops every string it held, beyond the
// current lengths too, so that a row kept for reuse does not keep alive the
// data its strings point into (the receiver's strings share one buffer per
// request). Call it when a batch is done; Reset is enough between records.
func (r *Row) Clear() {
	for _, ss := range [...][]string{r.Tags, r.StrKeys, r.StrValues, r.IntKeys, r.FloatKeys, r.BoolKeys, r.ResourceKeys, r.ResourceValues} {
		clear(ss[:cap(ss)])
	}
	r.Reset()
}

// AttributeCount is the number of typed attributes.
func (r *Row) AttributeCount() int {
	return len(r.StrKeys) + len(r.IntKeys) + len(r.FloatKeys) + len(r.BoolKeys)
}
