// Package keytemplate writes the attributes of a run of log records that
// share their keys without looking a key up.
//
// pcommon.Map has no way to append an entry without looking its key up
// first (PutEmpty and the other Put* scan the map), so writing n attributes
// one by one costs n²/2 key comparisons: most of the cost of a record with
// dozens of attributes. Records from one source (one call site of an SDK)
// carry the same keys in the same order, record after record. Once two
// records in a row have the same distinct keys, a Template holds them in a
// map with empty values; each further such record gets its attributes by
// copying it (pcommon.Map.CopyTo: no lookups) and setting the values in
// order. The result is the map the Put* calls would have built: same keys,
// same order, same values.
package keytemplate // import "github.com/aires-dev/aires/internal/keytemplate"

import (
	"slices"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Template is the keys of the last record. The zero value is ready. It is
// not safe for concurrent use, and it keeps the strings of the keys it was
// given: keep it for one batch.
type Template struct {
	keys []string
	// m holds keys with empty values once a second record had them (built);
	// dup is set when keys hold a duplicate: no template then.
	m          pcommon.Map
	built, dup bool
}

// Next takes the keys of the next record, in the order they are written,
// and reports whether its attributes can be written by CopyTo followed by
// setting the values in order: the record before had the same keys and they
// are distinct. When it reports false, the caller writes the attributes one
// by one.
func (t *Template) Next(keys []string) bool {
	if !slices.Equal(keys, t.keys) {
		t.keys = append(t.keys[:0], keys...)
		t.m, t.built, t.dup = pcommon.Map{}, false, false
		return false
	}
	if !t.built {
		t.built = true
		t.m = pcommon.NewMap()
		t.m.EnsureCapacity(len(t.keys))
		for _, k := range t.keys {
			t.m.PutEmpty(k)
		}
		// A later duplicate overwrites the earlier value in place: Put*
		// do that, a copy of the template would not.
		t.dup = t.m.Len() != len(t.keys)
	}
	return !t.dup
}

// CopyTo writes the template's keys with empty values into m, which holds
// nothing (its capacity is kept), after Next reported true.
func (t *Template) CopyTo(m pcommon.Map) { t.m.CopyTo(m) }
