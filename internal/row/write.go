package row

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/aires-dev/aires/internal/semconv"
)

// WriteResource replaces attrs with the canonical resource attributes of r:
// the semantic keys of the resource columns (when set) and the other resource
// attributes as strings.
func WriteResource(r *Row, attrs pcommon.Map) {
	attrs.Clear()
	attrs.EnsureCapacity(len(resourceFields) + len(r.ResourceKeys))
	for _, f := range resourceFields {
		putStr(attrs, f.key, *f.get(r))
	}
	for i, k := range r.ResourceKeys {
		attrs.PutStr(k, r.ResourceValues[i])
	}
}

// keyed is a column that is a plain copy of a semantic attribute.
type keyed[T any] struct {
	key string
	get Field[T]
}

// The semantic attributes written from (and checked against) a row's fields,
// by value type, in Columns order; a zero value means "absent". They come
// from Columns, so the table, WriteRecord and RecordMatches cannot disagree
// on a key. (Written in this order: strings, http.response.status_code, the
// other integers, doubles, lists, as before the table.)
var (
	resourceFields, strFields = keyedFields[string](true), keyedFields[string](false)
	uint16Fields              = keyedFields[uint16](false)
	intFields                 = keyedFields[int64](false)
	floatFields               = keyedFields[float64](false)
	listFields                = keyedFields[[]string](false)
)

func keyedFields[T any](inResource bool) []keyed[T] {
	var fs []keyed[T]
	for _, c := range Columns {
		if f, ok := c.Value.(Field[T]); ok && c.Key != "" && c.InResource == inResource {
			fs = append(fs, keyed[T]{c.Key, f})
		}
	}
	return fs
}

// WriteRecord rewrites lr in the canonical shape of r: timestamp, severity,
// body and ids set, attributes replaced by the semantic keys and the
// flattened, limited typed attributes. Building a row from the result gives r
// again.
func WriteRecord(r *Row, lr plog.LogRecord) {
	writeHead(r, lr)
	attrs := lr.Attributes()
	attrs.Clear()
	attrs.EnsureCapacity(r.AttributeCount() + 8)
	attrs.PutStr(semconv.LogRecordUID, FormatUUID(r.ID))
	for _, f := range strFields {
		putStr(attrs, f.key, *f.get(r))
	}
	putInts(attrs, uint16Fields, r)
	putInts(attrs, intFields, r)
	for _, f := range floatFields {
		if v := *f.get(r); v != 0 {
			attrs.PutDouble(f.key, v)
		}
	}
	for _, f := range listFields {
		if vs := *f.get(r); len(vs) > 0 {
			setStrs(attrs.PutEmptySlice(f.key), vs)
		}
	}
	for i, k := range r.StrKeys {
		attrs.PutStr(k, r.StrValues[i])
	}
	for i, k := range r.IntKeys {
		attrs.PutInt(k, r.IntValues[i])
	}
	for i, k := range r.FloatKeys {
		attrs.PutDouble(k, r.FloatValues[i])
	}
	for i, k := range r.BoolKeys {
		attrs.PutBool(k, r.BoolValues[i])
	}
}

// writeHead sets the record's timestamp, severity and body from r.
func writeHead(r *Row, lr plog.LogRecord) {
	lr.SetTimestamp(pcommon.Timestamp(r.TimestampNs))
	lr.SetSeverityNumber(r.Severity.SeverityNumber())
	lr.SetSeverityText(r.Severity.Text())
	lr.Body().SetStr(r.Message)
}

func setStrs(s pcommon.Slice, vs []string) {
	s.EnsureCapacity(len(vs))
	for _, v := range vs {
		s.AppendEmpty().SetStr(v)
	}
}

func putInts[T uint16 | int64](m pcommon.Map, fs []keyed[T], r *Row) {
	for _, f := range fs {
		if v := *f.get(r); v != 0 {
			m.PutInt(f.key, int64(v))
		}
	}
}

func putStr(m pcommon.Map, k, v string) {
	if v != "" {
		m.PutStr(k, v)
	}
}
