package row

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// RecordMatches must never say true when WriteRecord would change the record.
func TestRecordMatches(t *testing.T) {
	canonical := func() (pcommon.Resource, plog.LogRecord) {
		_, res, lr := fullRecord()
		lr.Attributes().Remove("customer") // maps and lists are not canonical
		lr.Attributes().Remove("sizes")
		lr.SetSeverityText("ERROR")
		return res, lr
	}
	for name, tc := range map[string]struct {
		edit func(lr plog.LogRecord)
		want bool
	}{
		"canonical":   {func(plog.LogRecord) {}, true},
		"nested map":  {func(lr plog.LogRecord) { lr.Attributes().PutEmptyMap("m").PutStr("k", "v") }, false},
		"list":        {func(lr plog.LogRecord) { lr.Attributes().PutEmptySlice("l").AppendEmpty().SetInt(1) }, false},
		"empty value": {func(lr plog.LogRecord) { lr.Attributes().PutEmpty("e") }, false},
		"no uid":      {func(lr plog.LogRecord) { lr.Attributes().Remove("log.record.uid") }, false},
		"uppercase uid": {func(lr plog.LogRecord) {
			lr.Attributes().PutStr("log.record.uid", "0192F3A4-5B6C-7D8E-9F01-23456789ABCD")
		}, false},
		"bad uid":               {func(lr plog.LogRecord) { lr.Attributes().PutStr("log.record.uid", "nope") }, false},
		"status as string":      {func(lr plog.LogRecord) { lr.Attributes().PutStr("http.response.status_code", "502") }, false},
		"enduser.id":            {func(lr plog.LogRecord) { lr.Attributes().PutStr("enduser.id", "u") }, false},
		"old duration":          {func(lr plog.LogRecord) { lr.Attributes().PutDouble("http.server.request.duration", 0.1) }, false},
		"zero duration":         {func(lr plog.LogRecord) { lr.Attributes().PutDouble("aires.http.duration_ms", 0) }, false},
		"invalid utf8":          {func(lr plog.LogRecord) { lr.Attributes().PutStr("x", "a\xffb") }, false},
		"invalid utf8 key":      {func(lr plog.LogRecord) { lr.Attributes().PutStr("x\xff", "v") }, false},
		"body not a string":     {func(lr plog.LogRecord) { lr.Body().SetInt(3) }, false},
		"severity text missing": {func(lr plog.LogRecord) { lr.SetSeverityText("") }, false},
		"severity number only text": {func(lr plog.LogRecord) {
			lr.SetSeverityNumber(plog.SeverityNumberUnspecified)
		}, false},
		"observed timestamp only": {func(lr plog.LogRecord) {
			lr.SetObservedTimestamp(lr.Timestamp())
			lr.SetTimestamp(0)
		}, false},
		"timestamp 2200": {func(lr plog.LogRecord) {
			lr.SetTimestamp(pcommon.NewTimestampFromTime(time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)))
		}, false},
		"tag not a string": {func(lr plog.LogRecord) {
			v, _ := lr.Attributes().Get("aires.tags")
			v.Slice().AppendEmpty().SetInt(1)
		}, false},
	} {
		t.Run(name, func(t *testing.T) {
			res, lr := canonical()
			tc.edit(lr)
			b := NewBuilder(Limits{})
			var r Row
			b.Build(res, lr, &r)
			got := RecordMatches(&r, lr)
			assert.Equal(t, tc.want, got)

			rewritten := plog.NewLogRecord()
			lr.CopyTo(rewritten)
			WriteRecord(&r, rewritten)
			if got {
				assert.Equal(t, rewritten.Attributes().AsRaw(), lr.Attributes().AsRaw())
				assert.Equal(t, rewritten.Body().AsRaw(), lr.Body().AsRaw())
				assert.Equal(t, rewritten.Timestamp(), lr.Timestamp())
				assert.Equal(t, rewritten.SeverityNumber(), lr.SeverityNumber())
				assert.Equal(t, rewritten.SeverityText(), lr.SeverityText())
			}
			// WriteRecord's output is canonical, except that an unparsable
			// log.record.uid is kept as a typed attribute over the derived id.
			if name != "bad uid" {
				assert.True(t, RecordMatches(&r, rewritten), "after WriteRecord")
			}
		})
	}
}

func TestRecordMatchesLimits(t *testing.T) {
	_, res, lr := fullRecord()
	lr.Attributes().Remove("customer")
	lr.Attributes().Remove("sizes")
	lr.SetSeverityText("ERROR")
	long := make([]byte, 100)
	for i := range long {
		long[i] = 'x'
	}
	lr.Attributes().PutStr("long", string(long))
	b := NewBuilder(Limits{MaxValueLength: 10})
	var r Row
	b.Build(res, lr, &r)
	assert.False(t, RecordMatches(&r, lr), "a truncated value")

	b = NewBuilder(Limits{MaxAttributes: 2})
	b.Build(res, lr, &r)
	assert.False(t, RecordMatches(&r, lr), "dropped attributes")
}

func TestRecordMatchesAllocs(t *testing.T) {
	_, res, lr := fullRecord()
	lr.Attributes().Remove("customer")
	lr.Attributes().Remove("sizes")
	lr.SetSeverityText("ERROR")
	var r Row
	NewBuilder(Limits{}).Build(res, lr, &r)
	assert.True(t, RecordMatches(&r, lr))
	assert.Zero(t, testing.AllocsPerRun(100, func() { RecordMatches(&r, lr) }))
}

func BenchmarkRecordMatches(b *testing.B) {
	_, res, lr := fullRecord()
	lr.Attributes().Remove("customer")
	lr.Attributes().Remove("sizes")
	lr.SetSeverityText("ERROR")
	var r Row
	NewBuilder(Limits{}).Build(res, lr, &r)
	b.ReportAllocs()
	for b.Loop() {
		RecordMatches(&r, lr)
	}
}

func BenchmarkWriteRecord(b *testing.B) {
	_, res, lr := fullRecord()
	var r Row
	NewBuilder(Limits{}).Build(res, lr, &r)
	b.ReportAllocs()
	for b.Loop() {
		WriteRecord(&r, lr)
	}
}
