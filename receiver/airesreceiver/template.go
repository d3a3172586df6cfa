package airesreceiver // import "github.com/aires-dev/aires/receiver/airesreceiver"

import (
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/aires-dev/aires/internal/keytemplate"
	"github.com/aires-dev/aires/receiver/airesreceiver/internal/wire"
)

// userAttrs writes the user attributes of the events of one batch. Events
// that share their keys (events from one call site of an SDK) get them from
// a key template (internal/keytemplate): a copy of the keys, then the values
// in order, instead of one PutEmpty lookup per key.
type userAttrs struct {
	tmpl keytemplate.Template
	// keys and values are scratch: the attributes of the event being
	// written; a value is nil for a KeyValue without one.
	keys   []string
	values [][]byte
}

// minTemplateKeys: an event with fewer user attributes takes PutEmpty, whose
// few lookups cost less than comparing keys with the template.
const minTemplateKeys = 8

// put writes the n user attributes of the encoded event from its first
// attribute on (b) into m, which holds nothing yet, as putKeyValuesWire
// does. u may be nil.
func (u *userAttrs) put(m pcommon.Map, b []byte, n int) {
	if u == nil || n < minTemplateKeys {
		putKeyValuesWire(m, b, wire.EventAttributes, n)
		return
	}
	u.keys, u.values = u.keys[:0], u.values[:0]
	for range n {
		kvb, rest, ok := wire.NextField(b, wire.EventAttributes)
		if !ok {
			break
		}
		b = rest
		key, value, hasValue := wire.ReadKeyValue(kvb)
		if !hasValue {
			value = nil
		}
		u.keys = append(u.keys, key)
		u.values = append(u.values, value)
	}
	if !u.tmpl.Next(u.keys) {
		for i, k := range u.keys {
			dst := m.PutEmpty(k)
			if u.values[i] != nil {
				setValueWire(dst, u.values[i])
			}
		}
		return
	}
	u.tmpl.CopyTo(m)
	i := 0
	for _, v := range m.All() {
		if b := u.values[i]; len(b) > 0 { // an empty AnyValue sets nothing
			setValueWire(v, b)
		}
		i++
	}
}
