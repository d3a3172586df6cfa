package row

import (
	"encoding/binary"
	"unsafe"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/aires-dev/aires/internal/semconv"
)

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
		if v := *f.get(r); v != "" {
			want++
			if !hasStr(attrs, f.key, v) {
				return false
			}
		}
	}
	if !intsMatch(attrs, uint16Fields, r, &want) || !intsMatch(attrs, intFields, r, &want) {
		return false
	}
	for _, f := range floatFields {
		if v := *f.get(r); v != 0 {
			want++
			if !hasDouble(attrs, f.key, v) {
				return false
			}
		}
	}
	for _, f := range listFields {
		if vs := *f.get(r); len(vs) > 0 {
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
	if n := r.AttributeCount(); n > minInOrder && want <= maxKeySet {
		return distinctKeys(r) && typedInOrder(attrs, r)
	}
	return typedByKey(attrs, r)
}

// The typed attributes of r are checked in one of two ways. typedByKey
// looks each one up (pcommon.Map.Get scans the map: quadratic in the number
// of attributes). typedInOrder walks the map once: Build appended the typed
// attributes in the map's order, so a canonical map holds them as a
// subsequence, per type. The walk matches distinct entries; the checks above
// matched the semantic keys, and the counts are equal: so when every
// expected key is distinct (distinctKeys) the map holds exactly the expected
// pairs, as with typedByKey. A map with a duplicate key (OTLP input can hold
// one) never passes distinctKeys: it is rewritten, as before.

// typedByKey reports whether attrs holds every typed attribute of r.
func typedByKey(attrs pcommon.Map, r *Row) bool {
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

// typedInOrder reports whether attrs holds the typed attributes of r in
// their order (other entries between them skipped).
func typedInOrder(attrs pcommon.Map, r *Row) bool {
	si, ii, fi, bi := 0, 0, 0, 0
	for k, v := range attrs.All() {
		switch v.Type() {
		case pcommon.ValueTypeStr:
			next(r.StrKeys, r.StrValues, &si, k, v.Str())
		case pcommon.ValueTypeInt:
			next(r.IntKeys, r.IntValues, &ii, k, v.Int())
		case pcommon.ValueTypeDouble:
			next(r.FloatKeys, r.FloatValues, &fi, k, v.Double())
		case pcommon.ValueTypeBool:
			next(r.BoolKeys, r.BoolValues, &bi, k, v.Bool())
		}
	}
	return si == len(r.StrKeys) && ii == len(r.IntKeys) && fi == len(r.FloatKeys) && bi == len(r.BoolKeys)
}

// next moves *i past the expected pair keys[*i], values[*i] when it is k, v.
func next[T comparable](keys []string, values []T, i *int, k string, v T) {
	if *i < len(keys) && keys[*i] == k && values[*i] == v {
		*i++
	}
}

// A record with at most minInOrder typed attributes takes typedByKey, whose
// few lookups cost less than distinctKeys' table. maxKeySet is the most keys
// distinctKeys checks; a record with more takes typedByKey too. keySetSlots
// keeps the table at most half full.
const (
	minInOrder  = 8
	maxKeySet   = 128
	keySetBits  = 8
	keySetSlots = 1 << keySetBits
)

// The table is at most half full.
var _ [keySetSlots - 2*maxKeySet]struct{}

// distinctKeys reports whether the keys WriteRecord would write for r are
// all distinct: log.record.uid, the semantic keys of the set fields and the
// typed attributes' keys. Two keys with the same 64-bit hash count as equal
// (the answer is then a safe false). It allocates nothing.
func distinctKeys(r *Row) bool {
	var set keySet
	add := set.add
	ok := add(semconv.LogRecordUID)
	for _, f := range strFields {
		if *f.get(r) != "" {
			ok = ok && add(f.key)
		}
	}
	ok = ok && keysOfSet(uint16Fields, r, add) && keysOfSet(intFields, r, add)
	for _, f := range floatFields {
		if *f.get(r) != 0 {
			ok = ok && add(f.key)
		}
	}
	for _, f := range listFields {
		if len(*f.get(r)) > 0 {
			ok = ok && add(f.key)
		}
	}
	for _, keys := range [...][]string{r.StrKeys, r.IntKeys, r.FloatKeys, r.BoolKeys} {
		for _, k := range keys {
			if !ok {
				return false
			}
			ok = add(k)
		}
	}
	return ok
}

// keySet is a set of at most maxKeySet keys, by their 64-bit hashes, that
// allocates nothing.
type keySet [keySetSlots]uint64 // 0: a free slot

// add adds k and reports whether it was not in the set yet (a key with the
// hash of one in the set counts as in it).
func (s *keySet) add(k string) bool {
	h := keyHash(k)
	// The top bits index the table: the multiplications mix them best.
	for i := h >> (64 - keySetBits); ; i = (i + 1) % keySetSlots {
		switch s[i] {
		case 0:
			s[i] = h
			return true
		case h:
			return false
		}
	}
}

// keyHash is a 64-bit hash of every byte of k, never 0. It is not seeded:
// keys chosen to collide only make a record take the slower path (a
// collision reads as a duplicate key, whose answer is a safe false), and a
// set holds at most maxKeySet keys. For typical attribute keys it takes
// about two thirds of hash/maphash's time (BenchmarkKeyHash).
func keyHash(k string) uint64 {
	const m = 0x9e3779b97f4a7c15
	b := unsafe.Slice(unsafe.StringData(k), len(k))
	h := uint64(len(k)) * m
	for ; len(b) >= 8; b = b[8:] {
		h = (h ^ binary.LittleEndian.Uint64(b)) * m
		h ^= h >> 29
	}
	switch n := len(b); {
	case n >= 4:
		h = (h ^ uint64(binary.LittleEndian.Uint32(b)) ^ uint64(binary.LittleEndian.Uint32(b[n-4:]))<<32) * m
	case n > 0:
		h = (h ^ uint64(b[0]) ^ uint64(b[n/2])<<8 ^ uint64(b[n-1])<<16) * m
	}
	return (h ^ h>>32) | 1
}

// keysOfSet adds the keys of the non-zero fs of r.
func keysOfSet[T uint16 | int64](fs []keyed[T], r *Row, add func(string) bool) bool {
	for _, f := range fs {
		if *f.get(r) != 0 && !add(f.key) {
			return false
		}
	}
	return true
}

// intsMatch reports whether m holds the non-zero fs of r, counting them in
// want.
func intsMatch[T uint16 | int64](m pcommon.Map, fs []keyed[T], r *Row, want *int) bool {
	for _, f := range fs {
		if v := *f.get(r); v != 0 {
			*want++
			if !hasInt(m, f.key, int64(v)) {
				return false
			}
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
