package airesclickhouseexporter

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"
)

func TestRetentionFromYAML(t *testing.T) {
	tests := []struct {
		in      any
		want    time.Duration
		wantErr string
	}{
		{in: "30d", want: 30 * 24 * time.Hour},
		{in: "1d", want: 24 * time.Hour},
		{in: "720h", want: 720 * time.Hour},
		{in: "36h", want: 36 * time.Hour},
		{in: "0", want: 0},
		{in: 0, want: 0},
		{in: "1.5d", wantErr: `write a whole number of days ("30d")`},
		{in: "30days", wantErr: `write a whole number of days ("30d")`},
		{in: "-2d", wantErr: `write a whole number of days ("30d")`},
		{in: "soon", wantErr: `write a whole number of days ("30d")`},
	}
	for _, tt := range tests {
		cfg := createDefaultConfig().(*Config)
		err := confmap.NewFromStringMap(map[string]any{"retention": tt.in}).Unmarshal(cfg)
		if tt.wantErr != "" {
			assert.ErrorContains(t, err, tt.wantErr, "%v", tt.in)
			continue
		}
		require.NoError(t, err, "%v", tt.in)
		assert.Equal(t, tt.want, cfg.Retention.Duration(), "%v", tt.in)
	}
}

func TestRetentionString(t *testing.T) {
	assert.Equal(t, "30d", Retention(30*24*time.Hour).String())
	assert.Equal(t, "36h0m0s", Retention(36*time.Hour).String())
	assert.Equal(t, "0s", Retention(0).String())
	var r Retention
	text, err := Retention(7 * 24 * time.Hour).MarshalText()
	require.NoError(t, err)
	require.NoError(t, r.UnmarshalText(text))
	assert.Equal(t, Retention(7*24*time.Hour), r)
}
