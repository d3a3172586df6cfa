package row

import (
	"reflect"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
)

// Each accessor kind holds the values of certain ClickHouse types only; a
// mismatch would make the driver refuse every batch.
func TestColumnKindsMatchTypes(t *testing.T) {
	types := map[reflect.Type][]string{
		reflect.TypeFor[Field[[16]byte]]():  {"UUID"},
		reflect.TypeFor[Field[string]]():    {"String"},
		reflect.TypeFor[Computed[int8]]():   {"Enum8(", "Int8"},
		reflect.TypeFor[Field[uint16]]():    {"UInt16"},
		reflect.TypeFor[Field[uint64]]():    {"UInt64"},
		reflect.TypeFor[Field[int64]]():     {"Int64"},
		reflect.TypeFor[Computed[int64]]():  {"Int64", "DateTime"},
		reflect.TypeFor[Field[float64]]():   {"Float64"},
		reflect.TypeFor[Field[[]string]]():  {"Array(String)"},
		reflect.TypeFor[Field[[]int64]]():   {"Array(Int64)"},
		reflect.TypeFor[Field[[]float64]](): {"Array(Float64)"},
		reflect.TypeFor[Field[[]bool]]():    {"Array(UInt8)"},
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
	for _, keys := range [][]string{
		keysOf(resourceFields), keysOf(strFields), keysOf(uint16Fields),
		keysOf(intFields), keysOf(floatFields), keysOf(listFields),
	} {
		for _, k := range keys {
			written[k] = true
		}
	}
	for _, c := range Columns {
		if c.Key != "" {
			assert.True(t, written[c.Key], "column %s: a %T column cannot be written to attribute %s", c.Name, c.Value, c.Key)
		}
	}
}

func keysOf[T any](fs []keyed[T]) []string {
	keys := make([]string, len(fs))
	for i, f := range fs {
		keys[i] = f.key
	}
	return keys
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
			want := c.Value.Any(&full)
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
			assert.Equal(t, want, c.Value.Any(&r))
			assert.Zero(t, r.AttributeCount()+len(r.ResourceKeys), "the attribute was not taken as a column")
		})
	}
}

// A Field accessor returns the address of one field of the row it is given,
// the same field for every row (the column block reads it by offset).
func TestFieldsAreFields(t *testing.T) {
	var a, b Row
	for _, c := range Columns {
		pa, pb := fieldAddr(c.Value, &a), fieldAddr(c.Value, &b)
		if pa == 0 {
			continue // Computed
		}
		base := func(r *Row) uintptr { return uintptr(unsafe.Pointer(r)) }
		offA, offB := pa-base(&a), pb-base(&b)
		assert.Equal(t, offA, offB, "column %s", c.Name)
		assert.Less(t, offA, unsafe.Sizeof(a), "column %s: not a field of the row", c.Name)
	}
}

// fieldAddr is the address a Field accessor returns for r, 0 for others.
func fieldAddr(a Accessor, r *Row) uintptr {
	v := reflect.ValueOf(a)
	if v.Type().Out(0).Kind() != reflect.Pointer {
		return 0
	}
	return v.Call([]reflect.Value{reflect.ValueOf(r)})[0].Pointer()
}
