package row

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

func TestUUID(t *testing.T) {
	id, ok := ParseUUID(strings.ToUpper(testUID))
	require.True(t, ok)
	assert.Equal(t, testUID, FormatUUID(id))
	assert.Equal(t, "x"+testUID, string(AppendUUID([]byte("x"), id)))
	id2, ok := ParseUUID(strings.ReplaceAll(testUID, "-", ""))
	require.True(t, ok)
	assert.Equal(t, id, id2)
	for _, bad := range []string{"", "x", testUID[:35] + "g", strings.ReplaceAll(testUID, "-", "+")} {
		_, ok := ParseUUID(bad)
		assert.False(t, ok, bad)
	}
}

func TestIDText(t *testing.T) {
	assert.Equal(t, "", traceIDText(pcommon.NewTraceIDEmpty()))
	assert.Equal(t, "", spanIDText(pcommon.NewSpanIDEmpty()))
	assert.Equal(t, "0a0102030405060708090a0b0c0d0eff", traceIDText(pcommon.TraceID{0x0a, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0xff}))
	assert.Equal(t, "ab01020304050607", spanIDText(pcommon.SpanID{0xab, 1, 2, 3, 4, 5, 6, 7}))
	id, ok := ParseUUID(testUID)
	require.True(t, ok)
	assert.True(t, isUUIDText(testUID, id))
	assert.False(t, isUUIDText(strings.ToUpper(testUID), id))
}

// parseUUIDReference is ParseUUID as it was written first, with hex.Decode.
func parseUUIDReference(s string) ([16]byte, bool) {
	var id [16]byte
	switch len(s) {
	case 36:
		if s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
			return id, false
		}
		compact := strings.ReplaceAll(s, "-", "")
		if len(compact) != 32 {
			return id, false
		}
		_, err := hex.Decode(id[:], []byte(compact))
		return id, err == nil
	case 32:
		_, err := hex.Decode(id[:], []byte(s))
		return id, err == nil
	}
	return id, false
}

func FuzzParseUUID(f *testing.F) {
	for _, s := range []string{testUID, strings.ToUpper(testUID), strings.ReplaceAll(testUID, "-", ""),
		testUID[:35] + "g", "", "0123456789abcdef0123456789abcdeg", strings.ReplaceAll(testUID, "-", "+")} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, ok := ParseUUID(s)
		wantID, wantOK := parseUUIDReference(s)
		if ok != wantOK || (ok && id != wantID) {
			t.Fatalf("ParseUUID(%q) = %x, %v; want %x, %v", s, id, ok, wantID, wantOK)
		}
	})
}

func FuzzValid(f *testing.F) {
	for _, s := range []string{"", "attr.01", "value-01-abcdef", "commande passée ✓", "bad \xff byte", "sixteen bytes ok", "seventeen bytes!!", "\xc3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := valid(s), strings.ToValidUTF8(s, "\uFFFD"); got != want {
			t.Fatalf("valid(%q) = %q, want %q", s, got, want)
		}
	})
}

func BenchmarkParseUUID(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := ParseUUID(testUID); !ok {
			b.Fatal("not parsed")
		}
	}
}
