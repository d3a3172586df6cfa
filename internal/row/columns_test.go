package row

import (
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
)

// valueOf reads column c of r through its accessor.
func valueOf(t *testing.T, c Column, r *Row) any {
	t.Helper()
	switch get := c.Value.(type) {
	case UUIDOf:
		return get(r)
	case StringOf:
		return get(r)
	case Int8Of:
		return get(r)
	case UInt16Of:
		return get(r)
	case UInt64Of:
		return get(r)
	case Int64Of:
		return get(r)
	case Float64Of:
		return get(r)
	case StringsOf:
		return get(r)
	case Int64sOf:
		return get(r)
	case Float64sOf:
		return get(r)
	case BoolsOf:
		return get(r)
	}
	t.Fatalf("column %s: accessor %T is not a known kind", c.Name, c.Value)
	return nil
}

// Each accessor kind holds the values of certain ClickHouse types only; a
// mismatch would make the driver refuse every batch.
func TestColumnKindsMatchTypes(t *testing.T) {
	types := map[reflect.Type][]string{
		reflect.TypeFor[UUIDOf]():     {"UUID"},
		reflect.TypeFor[StringOf]():   {"String"},
		reflect.TypeFor[Int8Of]():     {"Enum8(", "Int8"},
		reflect.TypeFor[UInt16Of]():   {"UInt16"},
		reflect.TypeFor[UInt64Of]():   {"UInt64"},
		reflect.TypeFor[Int64Of]():    {"Int64", "DateTime"},
		reflect.TypeFor[Float64Of]():  {"Float64"},
		reflect.TypeFor[StringsOf]():  {"Array(String)"},
		reflect.TypeFor[Int64sOf]():   {"Array(Int64)"},
		reflect.TypeFor[Float64sOf](): {"Array(Float64)"},
		reflect.TypeFor[BoolsOf]():    {"Array(UInt8)"},
	}
	seen := map[string]bool{}
	for _, c := range Columns {
		assert.False(t, seen[c.Name], "column %s listed twice", c.Name)
		seen[c.Name] = true
		ok := false
		for _, typ := range types[reflect.TypeOf(c.Value)] {
			ok = ok || c.Type == typ || strings.HasSuffix(typ, "(") && strings.HasPrefix(c.Type, typ)
		}
		assert.True(t, ok, "column %s: accessor %T cannot fill a %s", c.Name, c.Value, c.Type)
		assert.False(t, c.LowCardinality && c.Type != "String", "column %s: LowCardinality is for String columns", c.Name)
	}
}

// Every keyed column is written by WriteRecord or WriteResource.
func TestKeyedColumnsAreWritten(t *testing.T) {
	written := map[string]bool{}
	for _, f := range resourceFields {
		written[f.key] = true
	}
	for _, f := range strFields {
		written[f.key] = true
	}
	for _, f := range intFields {
		written[f.key] = true
	}
	for _, f := range floatFields {
		written[f.key] = true
	}
	for _, f := range listFields {
		written[f.key] = true
	}
	for _, c := range Columns {
		if c.Key != "" {
			assert.True(t, written[c.Key], "column %s: a %T column cannot be written to attribute %s", c.Name, c.Value, c.Key)
		}
	}
}

// Every keyed column is read by the Builder from its key alone: a record
// holding just that attribute of fullRecord fills just that column.
func TestKeyedColumnsAreRead(t *testing.T) {
	_, fullRes, fullLR := fullRecord()
	var full Row
	NewBuilder(Limits{}).Build(fullRes, fullLR, &full)
	for _, c := range Columns {
		if c.Key == "" {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			want := valueOf(t, c, &full)
			require.False(t, reflect.ValueOf(want).IsZero(), "fullRecord has no %s: add it", c.Key)

			ld := plog.NewLogs()
			rl := ld.ResourceLogs().AppendEmpty()
			lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
			from, to := fullLR.Attributes(), lr.Attributes()
			if c.InResource {
				from, to = fullRes.Attributes(), rl.Resource().Attributes()
			}
			v, ok := from.Get(c.Key)
			require.True(t, ok)
			v.CopyTo(to.PutEmpty(c.Key))

			var r Row
			NewBuilder(Limits{}).Build(rl.Resource(), lr, &r)
			assert.Equal(t, want, valueOf(t, c, &r))
			assert.Zero(t, r.AttributeCount()+len(r.ResourceKeys), "the attribute was not taken as a column")
		})
	}
}
