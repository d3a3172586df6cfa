package row

import (
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
