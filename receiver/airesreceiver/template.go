package airesreceiver // import "github.com/aires-dev/aires/receiver/airesreceiver"

import (
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/aires-dev/aires/receiver/airesreceiver/internal/wire"
)

// keyTemplate writes the user attributes of the events of one batch that
// share their keys: events from one call site of an SDK carry the same keys
// in the same order. pcommon.Map has no way to append an entry without
// looking its key up first (PutEmpty scans the map), so writing n attributes
// one by one costs n²/2 key comparisons. Once two events in a row have the
// same distinct keys, the template holds them in a map with empty values;
// each further event with those keys gets its attributes by copying the
// template (pcommon.Map.CopyTo: no lookups) and setting the values in order.
// The result is the map PutEmpty would have built: same keys, same order,
// same values.
type keyTemplate struct {
	keys []string // of the last event with at least minTemplateKeys attributes
	// m holds keys with empty values once a second event had them (built);
	// dup is set when keys hold a duplicate: no template then.
	m          pcommon.Map
	built, dup bool
	// values is scratch: the encoded values of the event being written,
	// nil for a KeyValue without a value.
	values [][]byte
}

// minTemplateKeys: an event with fewer user attributes takes PutEmpty, whose
// few lookups cost less than comparing keys with the template.
const minTemplateKeys = 8

// put writes the n user attributes of the encoded event raw into m, which
// holds nothing yet, as putKeyValuesWire does. t may be nil.
func (t *keyTemplate) put(m pcommon.Map, raw []byte, n int) {
	if t == nil || n < minTemplateKeys {
		putKeyValuesWire(m, raw, wire.EventAttributes)
		return
	}
	if !t.same(raw, n) {
		t.remember(raw, n)
		putKeyValuesWire(m, raw, wire.EventAttributes)
		return
	}
	if t.dup {
		putKeyValuesWire(m, raw, wire.EventAttributes)
		return
	}
	if !t.built {
		t.built = true
		t.m = pcommon.NewMap()
		t.m.EnsureCapacity(len(t.keys))
		for _, k := range t.keys {
			t.m.PutEmpty(k)
		}
		if t.m.Len() != len(t.keys) {
			// A later duplicate overwrites the earlier value in place:
			// PutEmpty does that, the template would not.
			t.dup = true
			putKeyValuesWire(m, raw, wire.EventAttributes)
			return
		}
	}
	t.m.CopyTo(m)
	i := 0
	for _, v := range m.All() {
		if b := t.values[i]; len(b) > 0 { // an empty AnyValue sets nothing
			setValueWire(v, b)
		}
		i++
	}
}

// same reports whether the n attributes of raw have the template's keys, in
// order, and collects their values.
func (t *keyTemplate) same(raw []byte, n int) bool {
	if n != len(t.keys) {
		return false
	}
	t.values = t.values[:0]
	i := 0
	for b := raw; ; i++ {
		kvb, rest, ok := wire.NextField(b, wire.EventAttributes)
		if !ok {
			return i == n
		}
		b = rest
		key, value, hasValue := wire.ReadKeyValue(kvb)
		if i >= n || key != t.keys[i] {
			return false
		}
		if !hasValue {
			value = nil
		}
		t.values = append(t.values, value)
	}
}

// remember makes the n attribute keys of raw the template's, for the next
// event to compare with.
func (t *keyTemplate) remember(raw []byte, n int) {
	t.keys, t.m, t.built, t.dup = t.keys[:0], pcommon.Map{}, false, false
	for b := raw; ; {
		kvb, rest, ok := wire.NextField(b, wire.EventAttributes)
		if !ok {
			return
		}
		b = rest
		key, _, _ := wire.ReadKeyValue(kvb)
		t.keys = append(t.keys, key)
	}
}
