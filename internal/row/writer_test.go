package row

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// The Writer writes every record of a sequence as WriteRecord does, keys in
// the same order, whether its template applies or not.
func TestWriterMatchesWriteRecord(t *testing.T) {
	full := func(n int) (pcommon.Resource, plog.LogRecord) {
		_, res, lr := fullRecord()
		lr.Attributes().Remove("customer")
		for i := range n {
			lr.Attributes().PutStr(fmt.Sprintf("attr.%02d", i), fmt.Sprintf("v%d", i))
		}
		return res, lr
	}
	steps := []struct {
		name string
		make func(t *testing.T) (pcommon.Resource, plog.LogRecord)
	}{
		{"first", func(*testing.T) (pcommon.Resource, plog.LogRecord) { return full(20) }},
		{"same keys: the template is built", func(*testing.T) (pcommon.Resource, plog.LogRecord) { return full(20) }},
		{"same keys, other values", func(*testing.T) (pcommon.Resource, plog.LogRecord) {
			res, lr := full(20)
			lr.Attributes().PutStr("attr.03", "other")
			lr.Attributes().PutInt("http.response.status_code", 200)
			lr.Attributes().PutStr("user.id", "someone")
			return res, lr
		}},
		{"a value of another type", func(*testing.T) (pcommon.Resource, plog.LogRecord) {
			res, lr := full(20)
			lr.Attributes().PutInt("attr.03", 3)
			return res, lr
		}},
		{"again", func(*testing.T) (pcommon.Resource, plog.LogRecord) {
			res, lr := full(20)
			lr.Attributes().PutInt("attr.03", 4)
			return res, lr
		}},
		{"a semantic field unset", func(*testing.T) (pcommon.Resource, plog.LogRecord) {
			res, lr := full(20)
			lr.Attributes().PutInt("attr.03", 4)
			lr.Attributes().Remove("url.full")
			return res, lr
		}},
		{"a duplicate key", func(t *testing.T) (pcommon.Resource, plog.LogRecord) {
			res, lr := full(20)
			return res, withDuplicate(t, lr, "attr.05", "dup")
		}},
		{"the duplicate again: no template", func(t *testing.T) (pcommon.Resource, plog.LogRecord) {
			res, lr := full(20)
			return res, withDuplicate(t, lr, "attr.05", "dup2")
		}},
		{"few keys", func(*testing.T) (pcommon.Resource, plog.LogRecord) { return full(0) }},
		{"many keys", func(*testing.T) (pcommon.Resource, plog.LogRecord) { return full(20) }},
		{"many keys again", func(*testing.T) (pcommon.Resource, plog.LogRecord) { return full(20) }},
	}
	var w Writer
	b := NewBuilder(Limits{})
	for _, st := range steps {
		res, lr := st.make(t)
		var r Row
		b.Build(res, lr, &r)
		want, got := plog.NewLogRecord(), plog.NewLogRecord()
		lr.CopyTo(want)
		lr.CopyTo(got)
		WriteRecord(&r, want)
		w.WriteRecord(&r, got)
		require.Equal(t, orderedAttrs(want.Attributes()), orderedAttrs(got.Attributes()), st.name)
		assert.Equal(t, want.Body().AsRaw(), got.Body().AsRaw(), st.name)
		assert.Equal(t, want.Timestamp(), got.Timestamp(), st.name)
		assert.Equal(t, want.SeverityText(), got.SeverityText(), st.name)
	}
}

// orderedAttrs lists m's entries in order, values with their types.
func orderedAttrs(m pcommon.Map) []string {
	var out []string
	for k, v := range m.All() {
		out = append(out, fmt.Sprintf("%s=%s:%s", k, v.Type(), v.AsString()))
	}
	return out
}

func BenchmarkWriterWide(b *testing.B) {
	res, lr := wideRecord(40)
	var r Row
	NewBuilder(Limits{}).Build(res, lr, &r)
	for name, write := range map[string]func(*Row, plog.LogRecord){
		"WriteRecord": WriteRecord,
		"Writer":      new(Writer).WriteRecord,
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				write(&r, lr)
			}
		})
	}
}
