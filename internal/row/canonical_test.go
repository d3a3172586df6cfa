package row

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/aires-dev/aires/internal/semconv"
)

// canonicalKeys are the keys the record generator draws from: every
// semantic key Build reads (from Columns, so a new column is covered), its
// aliases, and plain attribute keys, one of them invalid UTF-8.
func canonicalKeys() []string {
	keys := []string{
		semconv.LogRecordUID, semconv.EnduserID, semconv.HTTPServerRequestDuration,
		semconv.AiresOriginalTimestampNs, "order.id", "order.items", "k", "ké", "bad\xff",
	}
	for _, c := range Columns {
		if c.Key != "" && !c.InResource {
			keys = append(keys, c.Key)
		}
	}
	return keys
}

// randomRecord writes into lr a record drawn from rng: often canonical
// (rewritten by WriteRecord), otherwise with values of every type and edge
// (empty, NaN, zero, out of range, too long, invalid UTF-8, a map, a
// duplicate key).
func randomRecord(t *testing.T, rng *rand.Rand, b *Builder, keys []string, lr plog.LogRecord) plog.LogRecord {
	switch rng.IntN(4) {
	case 0:
		lr.SetTimestamp(0)
	case 1:
		lr.SetTimestamp(1) // out of bounds
	default:
		lr.SetTimestamp(pcommon.Timestamp(1_764_200_000_123_456_789 + rng.Int64N(1e12)))
	}
	lr.SetObservedTimestamp(pcommon.Timestamp(1_764_200_000_000_000_000))
	lr.SetSeverityNumber(plog.SeverityNumber(rng.IntN(26)))
	lr.SetSeverityText([]string{"", "INFO", "ERROR", "warn"}[rng.IntN(4)])
	switch rng.IntN(5) {
	case 0:
		lr.Body().SetInt(7)
	case 1:
		lr.Body().SetStr("bad \xff body")
	default:
		lr.Body().SetStr("order placed")
	}
	a := lr.Attributes()
	a.Clear()
	for n := rng.IntN(24); n > 0; n-- {
		k := keys[rng.IntN(len(keys))]
		if rng.IntN(3) == 0 {
			k = k + string(rune('a'+rng.IntN(26))) // more distinct plain keys
		}
		v := a.PutEmpty(k)
		switch rng.IntN(14) {
		case 0:
			// empty
		case 1:
			v.SetStr("")
		case 2:
			v.SetStr(strings.Repeat("x", 40))
		case 3:
			v.SetStr("v\xffv")
		case 4:
			v.SetInt(0)
		case 5:
			v.SetInt(int64(rng.IntN(100000)) - 10)
		case 6:
			v.SetDouble(math.NaN())
		case 7:
			v.SetDouble(rng.Float64() * 100)
		case 8:
			v.SetBool(rng.IntN(2) == 0)
		case 9:
			v.SetEmptyMap().PutStr("sub", "x")
		case 10:
			s := v.SetEmptySlice()
			for i := rng.IntN(3); i > 0; i-- {
				s.AppendEmpty().SetStr("tag")
			}
		case 11:
			v.SetStr(testUID)
		case 12:
			v.SetStr(strings.ToUpper(testUID))
		default:
			v.SetStr("value")
		}
	}
	if rng.IntN(3) > 0 { // two records in three are rewritten: canonical
		var r Row
		b.BuildFrom(&Resource{}, lr, &r)
		WriteRecord(&r, lr)
	}
	if rng.IntN(20) == 0 {
		a.PutStr("dup.key", "x")
		return withDuplicate(t, lr, "dup.key", "y")
	}
	return lr
}

// IsCanonical is sound: when it says true, Build changes nothing and
// RecordMatches agrees. The generated records must give both answers
// often, so the test cannot pass by saying false.
func TestIsCanonicalImpliesMatch(t *testing.T) {
	for _, limits := range []Limits{{}, {MaxAttributes: 3, MaxValueLength: 10}} {
		b := NewBuilder(limits)
		rng := rand.New(rand.NewPCG(1, 2))
		keys := canonicalKeys()
		yes, no := 0, 0
		for i := 0; i < 20000; i++ {
			lr := randomRecord(t, rng, b, keys, plog.NewLogRecord())
			if !b.IsCanonical(lr) {
				no++
				continue
			}
			yes++
			var r Row
			built := b.BuildFrom(&Resource{}, lr, &r)
			require.Zero(t, built, "IsCanonical accepted a record Build changes: %v", lr.Attributes().AsRaw())
			require.True(t, RecordMatches(&r, lr), "IsCanonical accepted a record RecordMatches rejects: %v", lr.Attributes().AsRaw())
		}
		t.Logf("limits %+v: %d canonical, %d not", limits, yes, no)
		assert.Greater(t, yes, 2000)
		assert.Greater(t, no, 2000)
	}
}

// canonical rewrites lr in its canonical shape: Build, then WriteRecord.
func canonical(b *Builder, res pcommon.Resource, lr plog.LogRecord) plog.LogRecord {
	var r Row
	b.Build(res, lr, &r)
	WriteRecord(&r, lr)
	return lr
}

// canonicalFullAndWide are fullRecord and wideRecord(40), rewritten.
func canonicalFullAndWide(b *Builder) (full, wide plog.LogRecord) {
	_, res, full := fullRecord()
	_, wide = wideRecord(40)
	return canonical(b, res, full), canonical(b, pcommon.NewResource(), wide)
}

// IsCanonical accepts the common canonical records: a full record once
// rewritten, and the same with a non-ASCII message and many attributes.
func TestIsCanonicalAcceptsRewritten(t *testing.T) {
	b := NewBuilder(Limits{})
	_, res, lr := fullRecord()
	assert.False(t, b.IsCanonical(lr), "a map attribute is flattened by Build")
	assert.True(t, b.IsCanonical(canonical(b, res, lr)))
	_, wide := canonicalFullAndWide(b)
	assert.True(t, b.IsCanonical(wide))
}

// Each thing that makes a rewritten record non-canonical again is caught.
func TestIsCanonicalRejects(t *testing.T) {
	for name, edit := range map[string]func(lr plog.LogRecord){
		"no timestamp":         func(lr plog.LogRecord) { lr.SetTimestamp(0) },
		"timestamp too old":    func(lr plog.LogRecord) { lr.SetTimestamp(1) },
		"severity text":        func(lr plog.LogRecord) { lr.SetSeverityText("oops") },
		"body not a string":    func(lr plog.LogRecord) { lr.Body().SetInt(1) },
		"body invalid":         func(lr plog.LogRecord) { lr.Body().SetStr("a\xffb") },
		"no uid":               func(lr plog.LogRecord) { lr.Attributes().Remove(semconv.LogRecordUID) },
		"uid in capitals":      func(lr plog.LogRecord) { lr.Attributes().PutStr(semconv.LogRecordUID, strings.ToUpper(testUID)) },
		"empty session id":     func(lr plog.LogRecord) { lr.Attributes().PutStr(semconv.SessionID, "") },
		"user id as int":       func(lr plog.LogRecord) { lr.Attributes().PutInt(semconv.UserID, 9) },
		"enduser.id":           func(lr plog.LogRecord) { lr.Attributes().PutStr(semconv.EnduserID, "u") },
		"status as string":     func(lr plog.LogRecord) { lr.Attributes().PutStr(semconv.HTTPResponseStatusCode, "200") },
		"status out of range":  func(lr plog.LogRecord) { lr.Attributes().PutInt(semconv.HTTPResponseStatusCode, 70000) },
		"duration zero":        func(lr plog.LogRecord) { lr.Attributes().PutDouble(semconv.AiresHTTPDurationMs, 0) },
		"duration in seconds":  func(lr plog.LogRecord) { lr.Attributes().PutDouble(semconv.HTTPServerRequestDuration, 1) },
		"empty tags":           func(lr plog.LogRecord) { lr.Attributes().PutEmptySlice(semconv.AiresTags) },
		"tag not a string":     func(lr plog.LogRecord) { lr.Attributes().PutEmptySlice(semconv.AiresTags).AppendEmpty().SetInt(1) },
		"map attribute":        func(lr plog.LogRecord) { lr.Attributes().PutEmptyMap("m").PutStr("a", "b") },
		"empty attribute":      func(lr plog.LogRecord) { lr.Attributes().PutEmpty("e") },
		"NaN attribute":        func(lr plog.LogRecord) { lr.Attributes().PutDouble("f", math.NaN()) },
		"invalid key":          func(lr plog.LogRecord) { lr.Attributes().PutStr("k\xff", "v") },
		"invalid value":        func(lr plog.LogRecord) { lr.Attributes().PutStr("k", "v\xff") },
		"value over the limit": func(lr plog.LogRecord) { lr.Attributes().PutStr("k", strings.Repeat("v", DefaultMaxValueLength+1)) },
		"original timestamp":   func(lr plog.LogRecord) { lr.Attributes().PutStr(semconv.AiresOriginalTimestampNs, "1") },
	} {
		t.Run(name, func(t *testing.T) {
			b := NewBuilder(Limits{})
			lr, _ := canonicalFullAndWide(b)
			require.True(t, b.IsCanonical(lr))
			edit(lr)
			assert.False(t, b.IsCanonical(lr))
		})
	}
	t.Run("too many attributes", func(t *testing.T) {
		b := NewBuilder(Limits{})
		_, lr := canonicalFullAndWide(b)
		assert.True(t, b.IsCanonical(lr))
		assert.False(t, NewBuilder(Limits{MaxAttributes: 39}).IsCanonical(lr))
	})
	t.Run("duplicate key", func(t *testing.T) {
		for _, n := range []int{3, 40} { // the few-keys check and the table
			b := NewBuilder(Limits{})
			_, wide := wideRecord(n)
			lr := canonical(b, pcommon.NewResource(), wide)
			require.True(t, b.IsCanonical(lr))
			assert.False(t, b.IsCanonical(withDuplicate(t, lr, "attr.01", "x")), "%d attributes", n)
		}
	})
}

func TestIsCanonicalAllocs(t *testing.T) {
	b := NewBuilder(Limits{})
	lr, wide := canonicalFullAndWide(b)
	assert.Zero(t, testing.AllocsPerRun(100, func() {
		b.IsCanonical(lr)
		b.IsCanonical(wide)
	}))
}

// FuzzIsCanonical: any record decoded from OTLP bytes that IsCanonical
// accepts is one Build keeps and RecordMatches accepts.
func FuzzIsCanonical(f *testing.F) {
	b := NewBuilder(Limits{})
	lr, _ := canonicalFullAndWide(b)
	ld := plog.NewLogs()
	lr.CopyTo(ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty())
	seed, err := (&plog.ProtoMarshaler{}).MarshalLogs(ld)
	require.NoError(f, err)
	f.Add(seed)
	f.Add(bytes.Replace(seed, []byte("session.id"), []byte("user.id\x00\x00\x00"), 1))
	f.Fuzz(func(t *testing.T, data []byte) {
		ld, err := (&plog.ProtoUnmarshaler{}).UnmarshalLogs(data)
		if err != nil {
			return
		}
		for _, rl := range ld.ResourceLogs().All() {
			for _, sl := range rl.ScopeLogs().All() {
				for _, lr := range sl.LogRecords().All() {
					if !b.IsCanonical(lr) {
						continue
					}
					var r Row
					require.Zero(t, b.BuildFrom(&Resource{}, lr, &r))
					require.True(t, RecordMatches(&r, lr), "%v", lr.Attributes().AsRaw())
				}
			}
		}
	})
}

// FuzzIsCanonicalUUID holds isCanonicalUUID to its definition: the text
// ParseUUID reads and FormatUUID would write again.
func FuzzIsCanonicalUUID(f *testing.F) {
	for _, s := range []string{testUID, strings.ToUpper(testUID), "", "0192f3a45b6c7d8e9f0123456789abcd",
		"0192f3a4-5b6c-7d8e-9f01-23456789abcg", "0192f3a4_5b6c-7d8e-9f01-23456789abcd"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, ok := ParseUUID(s)
		if want := ok && s == FormatUUID(id); isCanonicalUUID(s) != want {
			t.Fatalf("isCanonicalUUID(%q) = %v, want %v", s, !want, want)
		}
	})
}

// BenchmarkCanonical compares IsCanonical with what the processor did
// before it: Build, then RecordMatches.
func BenchmarkCanonical(b *testing.B) {
	bl := NewBuilder(Limits{})
	full, wide := canonicalFullAndWide(bl)
	_, small := wideRecord(4) // the bench's small shape: 4 attributes
	small = canonical(bl, pcommon.NewResource(), small)
	var r Row
	for _, tc := range []struct {
		name string
		lr   plog.LogRecord
	}{{"small", small}, {"full", full}, {"wide", wide}} {
		b.Run(tc.name+"/IsCanonical", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if !bl.IsCanonical(tc.lr) {
					b.Fatal("not canonical")
				}
			}
		})
		b.Run(tc.name+"/BuildAndMatch", func(b *testing.B) {
			b.ReportAllocs()
			rr := &Resource{}
			for b.Loop() {
				bl.BuildFrom(rr, tc.lr, &r)
				if !RecordMatches(&r, tc.lr) {
					b.Fatal("no match")
				}
			}
		})
	}
}

// IsCanonical's switch names the semantic keys again (a switch costs less
// per attribute than a lookup in Columns): every keyed column of Columns
// must be one of them. A semantic key set to its "absent" value (an empty
// string, a zero) is not canonical, where a typed attribute of that value
// would be: a key missing from the switch is caught here.
func TestIsCanonicalKnowsEveryKeyedColumn(t *testing.T) {
	b := NewBuilder(Limits{})
	for _, c := range Columns {
		if c.Key == "" || c.InResource {
			continue
		}
		t.Run(c.Key, func(t *testing.T) {
			lr, _ := canonicalFullAndWide(b)
			a := lr.Attributes()
			switch c.Value.(type) {
			case Field[string]:
				a.PutStr(c.Key, "")
			case Field[uint16], Field[int64]:
				a.PutInt(c.Key, 0)
			case Field[float64]:
				a.PutDouble(c.Key, 0)
			case Field[[]string]:
				a.PutEmptySlice(c.Key)
			default:
				t.Fatalf("column %s: a value type this test does not know", c.Name)
			}
			assert.False(t, b.IsCanonical(lr))
		})
	}
}
