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
		putStr(attrs, f.key, f.get(r))
	}
	for i, k := range r.ResourceKeys {
		attrs.PutStr(k, r.ResourceValues[i])
	}
}

// keyed is a column that is a plain copy of a semantic attribute.
type keyed[T any] struct {
	key string
	get func(*Row) T
}

// The semantic attributes written from (and checked against) a row's fields,
// by value type, in Columns order; a zero value means "absent". They come
// from Columns, so the table, WriteRecord and RecordMatches cannot disagree
// on a key.
var resourceFields, strFields, intFields, floatFields, listFields = keyedFields()

func keyedFields() (res, strs []keyed[string], ints []keyed[int64], floats []keyed[float64], lists []keyed[[]string]) {
	for _, c := range Columns {
		if c.Key == "" {
			continue
		}
		switch get := c.Value.(type) {
		case StringOf:
			if c.InResource {
				res = append(res, keyed[string]{c.Key, get})
			} else {
				strs = append(strs, keyed[string]{c.Key, get})
			}
		case Int64Of:
			ints = append(ints, keyed[int64]{c.Key, get})
		case UInt16Of:
			ints = append(ints, keyed[int64]{c.Key, func(r *Row) int64 { return int64(get(r)) }})
		case Float64Of:
			floats = append(floats, keyed[float64]{c.Key, get})
		case StringsOf:
			lists = append(lists, keyed[[]string]{c.Key, get})
		}
	}
	return res, strs, ints, floats, lists
}

// WriteRecord rewrites lr in the canonical shape of r: timestamp, severity,
// body and ids set, attributes replaced by the semantic keys and the
// flattened, limited typed attributes. Building a row from the result gives r
// again.
func WriteRecord(r *Row, lr plog.LogRecord) {
	lr.SetTimestamp(pcommon.Timestamp(r.TimestampNs))
	lr.SetSeverityNumber(r.Severity.SeverityNumber())
	lr.SetSeverityText(r.Severity.Text())
	lr.Body().SetStr(r.Message)

	attrs := lr.Attributes()
	attrs.Clear()
	attrs.EnsureCapacity(r.AttributeCount() + 8)
	attrs.PutStr(semconv.LogRecordUID, FormatUUID(r.ID))
	for _, f := range strFields {
		putStr(attrs, f.key, f.get(r))
	}
	for _, f := range intFields {
		if v := f.get(r); v != 0 {
			attrs.PutInt(f.key, v)
		}
	}
	for _, f := range floatFields {
		if v := f.get(r); v != 0 {
			attrs.PutDouble(f.key, v)
		}
	}
	for _, f := range listFields {
		if vs := f.get(r); len(vs) > 0 {
			s := attrs.PutEmptySlice(f.key)
			s.EnsureCapacity(len(vs))
			for _, v := range vs {
				s.AppendEmpty().SetStr(v)
			}
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

func putStr(m pcommon.Map, k, v string) {
	if v != "" {
		m.PutStr(k, v)
	}
}

// RecordMatches reports whether lr is already in the canonical shape of r:
// WriteRecord(r, lr) would leave it equal (same timestamp, severity, body,
// and the same set of attribute keys, types and values; order aside). It
// allocates nothing, so a processor can skip the rewrite, which costs a new
// attribute array and a value per attribute, for the common case of records
// that arrive canonical (the aires receiver writes them so). It is
// conservative: when in doubt it says false.
func RecordMatches(r *Row, lr plog.LogRecord) bool {
	if uint64(lr.Timestamp()) != r.TimestampNs ||
		lr.SeverityNumber() != r.Severity.SeverityNumber() ||
		lr.SeverityText() != r.Severity.Text() {
		return false
	}
	if body := lr.Body(); body.Type() != pcommon.ValueTypeStr || body.Str() != r.Message {
		return false
	}
	attrs := lr.Attributes()
	want := 1 + r.AttributeCount() // log.record.uid
	if v, ok := attrs.Get(semconv.LogRecordUID); !ok || v.Type() != pcommon.ValueTypeStr || !isUUIDText(v.Str(), r.ID) {
		return false
	}
	for _, f := range strFields {
		if v := f.get(r); v != "" {
			want++
			if !hasStr(attrs, f.key, v) {
				return false
			}
		}
	}
	for _, f := range intFields {
		if v := f.get(r); v != 0 {
			want++
			if !hasInt(attrs, f.key, v) {
				return false
			}
		}
	}
	for _, f := range floatFields {
		if v := f.get(r); v != 0 {
			want++
			if !hasDouble(attrs, f.key, v) {
				return false
			}
		}
	}
	for _, f := range listFields {
		if vs := f.get(r); len(vs) > 0 {
			want++
			if !hasStrs(attrs, f.key, vs) {
				return false
			}
		}
	}
	// Equal counts plus every expected pair present means equal sets, as
	// long as the expected keys are distinct; a duplicate makes the map
	// smaller than want, so the answer is false, which is safe.
	if attrs.Len() != want {
		return false
	}
	for i, k := range r.StrKeys {
		if !hasStr(attrs, k, r.StrValues[i]) {
			return false
		}
	}
	for i, k := range r.IntKeys {
		if !hasInt(attrs, k, r.IntValues[i]) {
			return false
		}
	}
	for i, k := range r.FloatKeys {
		if !hasDouble(attrs, k, r.FloatValues[i]) {
			return false
		}
	}
	for i, k := range r.BoolKeys {
		v, ok := attrs.Get(k)
		if !ok || v.Type() != pcommon.ValueTypeBool || v.Bool() != r.BoolValues[i] {
			return false
		}
	}
	return true
}

func hasStr(m pcommon.Map, k, want string) bool {
	v, ok := m.Get(k)
	return ok && v.Type() == pcommon.ValueTypeStr && v.Str() == want
}

func hasStrs(m pcommon.Map, k string, want []string) bool {
	v, ok := m.Get(k)
	if !ok || v.Type() != pcommon.ValueTypeSlice || v.Slice().Len() != len(want) {
		return false
	}
	s := v.Slice()
	for i, w := range want {
		if e := s.At(i); e.Type() != pcommon.ValueTypeStr || e.Str() != w {
			return false
		}
	}
	return true
}

func hasInt(m pcommon.Map, k string, want int64) bool {
	v, ok := m.Get(k)
	return ok && v.Type() == pcommon.ValueTypeInt && v.Int() == want
}

func hasDouble(m pcommon.Map, k string, want float64) bool {
	v, ok := m.Get(k)
	return ok && v.Type() == pcommon.ValueTypeDouble && v.Double() == want
}
