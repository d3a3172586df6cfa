package row

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/plog"
)

func TestSeverityOf(t *testing.T) {
	tests := []struct {
		n    plog.SeverityNumber
		text string
		want Severity
	}{
		{plog.SeverityNumberTrace2, "", SeverityTrace},
		{plog.SeverityNumberDebug, "", SeverityDebug},
		{plog.SeverityNumberInfo4, "", SeverityInfo},
		{plog.SeverityNumberWarn, "error", SeverityWarn},
		{plog.SeverityNumberError3, "", SeverityError},
		{plog.SeverityNumberFatal4, "", SeverityFatal},
		{0, "CRITICAL", SeverityFatal},
		{0, "err", SeverityError},
		{0, "", SeverityInfo},
		{0, "whatever", SeverityInfo},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, SeverityOf(tt.n, tt.text), "%v %q", tt.n, tt.text)
		assert.Equal(t, tt.want, SeverityOf(tt.want.SeverityNumber(), ""), "round trip %v", tt.want)
	}
	assert.Equal(t, "error", SeverityError.String())
	assert.Equal(t, "info", Severity(9).String())
}

func TestSeverityEnum8(t *testing.T) {
	assert.Equal(t, "Enum8('trace' = 1, 'debug' = 2, 'info' = 3, 'warn' = 4, 'error' = 5, 'fatal' = 6)", severityEnum8Type())
	for s, want := range map[Severity]int8{SeverityTrace: 1, SeverityFatal: 6, 0: 3, 7: 3, 255: 3} {
		assert.Equal(t, want, s.Enum8(), "level %d", s)
	}
}

func TestSeverityOfLevel(t *testing.T) {
	for _, tc := range []struct {
		level int32
		want  Severity
	}{
		{0, SeverityInfo}, // unspecified
		{1, SeverityTrace},
		{2, SeverityDebug},
		{3, SeverityInfo},
		{4, SeverityWarn},
		{5, SeverityError},
		{6, SeverityFatal},
		{7, SeverityInfo},
		{-1, SeverityInfo},
	} {
		if got := SeverityOfLevel(tc.level); got != tc.want {
			t.Errorf("SeverityOfLevel(%d) = %v, want %v", tc.level, got, tc.want)
		}
	}
}
