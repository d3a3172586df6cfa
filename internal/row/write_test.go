package row

import (
	"bytes"
	"fmt"
	"hash/maphash"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
			r, rewritten := matchAndRewrite(t, res, lr, tc.want)
			// WriteRecord's output is canonical, except that an unparsable
			// log.record.uid is kept as a typed attribute over the derived id.
			if name != "bad uid" {
				assert.True(t, RecordMatches(r, rewritten), "after WriteRecord")
			}
		})
	}
}

// matchAndRewrite builds the row of lr and checks that RecordMatches says
// want and, when it says true, that WriteRecord leaves lr as it is. It
// returns the row and a copy of lr rewritten by WriteRecord.
func matchAndRewrite(t *testing.T, res pcommon.Resource, lr plog.LogRecord, want bool) (*Row, plog.LogRecord) {
	t.Helper()
	var r Row
	NewBuilder(Limits{}).Build(res, lr, &r)
	got := RecordMatches(&r, lr)
	assert.Equal(t, want, got)
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
	return &r, rewritten
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

// wideRecord is a canonical record with n string attributes of equal-length
// keys (the bench's wide shape), as the aires receiver writes it.
func wideRecord(n int) (pcommon.Resource, plog.LogRecord) {
	_, res, lr := fullRecord()
	a := lr.Attributes()
	a.Clear()
	for i := range n {
		a.PutStr(fmt.Sprintf("attr.%02d", i), fmt.Sprintf("value-%02d-abcdef", i))
	}
	a.PutStr("log.record.uid", testUID)
	lr.SetSeverityText("ERROR")
	return res, lr
}

func BenchmarkRecordMatchesWide(b *testing.B) {
	res, lr := wideRecord(40)
	var r Row
	NewBuilder(Limits{}).Build(res, lr, &r)
	if !RecordMatches(&r, lr) {
		b.Fatal("the wide record is not canonical")
	}
	b.ReportAllocs()
	for b.Loop() {
		RecordMatches(&r, lr)
	}
}

// withDuplicate returns a copy of lr whose attributes end with a second
// entry for key k (value v): OTLP input can hold one, pcommon's Put* never
// make one.
func withDuplicate(t *testing.T, lr plog.LogRecord, k, v string) plog.LogRecord {
	t.Helper()
	ld := plog.NewLogs()
	lr.CopyTo(ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty())
	placeholder := strings.Repeat("#", len(k))
	ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Attributes().PutStr(placeholder, v)
	b, err := (&plog.ProtoMarshaler{}).MarshalLogs(ld)
	require.NoError(t, err)
	out, err := (&plog.ProtoUnmarshaler{}).UnmarshalLogs(bytes.Replace(b, []byte(placeholder), []byte(k), 1))
	require.NoError(t, err)
	dup := out.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
	require.Equal(t, lr.Attributes().Len()+1, dup.Attributes().Len())
	return dup
}

// A record with more typed attributes than minInOrder takes the ordered
// check: canonical ones still pass, and a duplicate key (which WriteRecord
// would collapse) never does.
func TestRecordMatchesWide(t *testing.T) {
	for name, tc := range map[string]struct {
		edit func(t *testing.T, lr plog.LogRecord) plog.LogRecord
		want bool
	}{
		"canonical": {func(_ *testing.T, lr plog.LogRecord) plog.LogRecord { return lr }, true},
		"duplicate key, other value": {func(t *testing.T, lr plog.LogRecord) plog.LogRecord {
			return withDuplicate(t, lr, "attr.03", "other")
		}, false},
		"duplicate key, same value": {func(t *testing.T, lr plog.LogRecord) plog.LogRecord {
			return withDuplicate(t, lr, "attr.03", "value-03-abcdef")
		}, false},
		"duplicate uid, unparsable": {func(t *testing.T, lr plog.LogRecord) plog.LogRecord {
			return withDuplicate(t, lr, "log.record.uid", "nope")
		}, false},
		"duplicate semantic key": {func(t *testing.T, lr plog.LogRecord) plog.LogRecord {
			lr.Attributes().PutStr("http.route", "/a")
			return withDuplicate(t, lr, "http.route", "/b")
		}, false},
		"typed attributes reordered": {func(_ *testing.T, lr plog.LogRecord) plog.LogRecord {
			v, _ := lr.Attributes().Get("attr.00")
			s := v.Str()
			lr.Attributes().Remove("attr.00") // moves the last entry into its place
			lr.Attributes().PutStr("attr.00", s)
			return lr
		}, true},
		"value changed": {func(_ *testing.T, lr plog.LogRecord) plog.LogRecord {
			lr.Attributes().PutStr("attr.05", "x\xff")
			return lr
		}, false},
	} {
		t.Run(name, func(t *testing.T) {
			res, lr := wideRecord(12)
			r, rewritten := matchAndRewrite(t, res, tc.edit(t, lr), tc.want)
			// WriteRecord keeps one entry per key: a row built from a
			// record with a duplicate key holds more than it writes.
			if !strings.HasPrefix(name, "duplicate") {
				assert.True(t, RecordMatches(r, rewritten), "after WriteRecord")
			}
		})
	}
}

func TestRecordMatchesWideAllocs(t *testing.T) {
	res, lr := wideRecord(40)
	var r Row
	NewBuilder(Limits{}).Build(res, lr, &r)
	require.True(t, RecordMatches(&r, lr))
	assert.Zero(t, testing.AllocsPerRun(100, func() { RecordMatches(&r, lr) }))
}

// BenchmarkKeyHash compares keyHash, which the key sets of RecordMatches and
// IsCanonical use, with hash/maphash on typical attribute keys.
func BenchmarkKeyHash(b *testing.B) {
	keys := []string{"http.route", "order.id", "user.id", "attr.07", "k8s.pod.name", "http.response.status_code"}
	var sink uint64
	b.Run("keyHash", func(b *testing.B) {
		for b.Loop() {
			for _, k := range keys {
				sink ^= keyHash(k)
			}
		}
	})
	seed := maphash.MakeSeed()
	b.Run("maphash", func(b *testing.B) {
		for b.Loop() {
			for _, k := range keys {
				sink ^= maphash.String(seed, k)
			}
		}
	})
	_ = sink
}
