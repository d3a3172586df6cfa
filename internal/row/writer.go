package row

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/aires-dev/aires/internal/keytemplate"
	"github.com/aires-dev/aires/internal/semconv"
)

// Writer is WriteRecord for the records of one batch: records that share
// their keys (records of one source) get them from a key template
// (internal/keytemplate), a copy of the keys then the values in order,
// instead of one Put* lookup per key. The record is the one WriteRecord
// writes: same keys, order and values.
//
// The zero value is ready. A Writer is not safe for concurrent use, and
// holds strings of the rows it wrote: keep it for one batch.
type Writer struct {
	tmpl  keytemplate.Template
	keys  []string // the keys of the current row, in WriteRecord's order
	slots []slot   // where each value of the current row comes from
}

// slot is one attribute WriteRecord writes: the field it comes from (kind)
// and its index in that field's table or list.
type slot struct {
	kind slotKind
	i    int
}

type slotKind uint8

const (
	slotUID slotKind = iota
	slotStrField
	slotUint16Field
	slotIntField
	slotFloatField
	slotListField
	slotStr
	slotInt
	slotFloat
	slotBool
)

// minTemplateKeys: a row with fewer attributes is written by WriteRecord,
// whose few lookups cost less than comparing keys with the template.
const minTemplateKeys = 16

// WriteRecord does what the function WriteRecord does.
func (w *Writer) WriteRecord(r *Row, lr plog.LogRecord) {
	if 1+r.AttributeCount() < minTemplateKeys {
		WriteRecord(r, lr)
		return
	}
	w.plan(r)
	if !w.tmpl.Next(w.keys) {
		WriteRecord(r, lr)
		return
	}
	writeHead(r, lr)
	attrs := lr.Attributes()
	attrs.Clear()
	w.tmpl.CopyTo(attrs)
	i := 0
	for _, v := range attrs.All() {
		w.slots[i].set(r, v)
		i++
	}
}

// plan lists the keys WriteRecord writes for r, in its order, in w.keys,
// and where their values come from in w.slots.
func (w *Writer) plan(r *Row) {
	w.keys, w.slots = w.keys[:0], w.slots[:0]
	add := func(k string, kind slotKind, i int) {
		w.keys = append(w.keys, k)
		w.slots = append(w.slots, slot{kind, i})
	}
	add(semconv.LogRecordUID, slotUID, 0)
	for i, f := range strFields {
		if *f.get(r) != "" {
			add(f.key, slotStrField, i)
		}
	}
	for i, f := range uint16Fields {
		if *f.get(r) != 0 {
			add(f.key, slotUint16Field, i)
		}
	}
	for i, f := range intFields {
		if *f.get(r) != 0 {
			add(f.key, slotIntField, i)
		}
	}
	for i, f := range floatFields {
		if *f.get(r) != 0 {
			add(f.key, slotFloatField, i)
		}
	}
	for i, f := range listFields {
		if len(*f.get(r)) > 0 {
			add(f.key, slotListField, i)
		}
	}
	for _, typed := range [...]struct {
		keys []string
		kind slotKind
	}{{r.StrKeys, slotStr}, {r.IntKeys, slotInt}, {r.FloatKeys, slotFloat}, {r.BoolKeys, slotBool}} {
		for i, k := range typed.keys {
			add(k, typed.kind, i)
		}
	}
}

// set writes the value of slot s of r into v.
func (s slot) set(r *Row, v pcommon.Value) {
	switch s.kind {
	case slotUID:
		v.SetStr(FormatUUID(r.ID))
	case slotStrField:
		v.SetStr(*strFields[s.i].get(r))
	case slotUint16Field:
		v.SetInt(int64(*uint16Fields[s.i].get(r)))
	case slotIntField:
		v.SetInt(*intFields[s.i].get(r))
	case slotFloatField:
		v.SetDouble(*floatFields[s.i].get(r))
	case slotListField:
		setStrs(v.SetEmptySlice(), *listFields[s.i].get(r))
	case slotStr:
		v.SetStr(r.StrValues[s.i])
	case slotInt:
		v.SetInt(r.IntValues[s.i])
	case slotFloat:
		v.SetDouble(r.FloatValues[s.i])
	case slotBool:
		v.SetBool(r.BoolValues[s.i])
	}
}
