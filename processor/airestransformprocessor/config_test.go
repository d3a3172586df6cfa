package airestransformprocessor

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/aires-dev/aires/processor/airestransformprocessor/internal/metadata"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	tests := []struct {
		id   component.ID
		want *Config
	}{
		{id: component.NewID(metadata.Type), want: createDefaultConfig().(*Config)},
		{
			id: component.NewIDWithName(metadata.Type, "custom"),
			want: &Config{
				MaxAttributes:  64,
				MaxValueLength: 1024,
				Rename:         map[string]string{"userId": "user.id", "http.method": "http.request.method"},
				Drop:           []string{"password", "internal.debug"},
				Redact:         []string{"card.number"},
				RedactedValue:  "***",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.id.String(), func(t *testing.T) {
			cfg := NewFactory().CreateDefaultConfig()
			sub, err := cm.Sub(tt.id.String())
			require.NoError(t, err)
			require.NoError(t, sub.Unmarshal(cfg))
			require.NoError(t, confmap.Validate(cfg))
			assert.Equal(t, tt.want, cfg)
		})
	}
}

func TestInvalidConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "invalid.yaml"))
	require.NoError(t, err)
	wantErr := map[string]string{
		"zero_attributes":     "max_attributes must be between 1 and 10000, got 0",
		"too_many_attributes": "max_attributes must be between 1 and 10000, got 20000",
		"zero_value_length":   "max_value_length must be at least 1 byte",
		"empty_drop":          "drop: empty key",
		"drop_and_redact":     `key "a" is both dropped and redacted`,
		"rename_to_itself":    "a key renamed to itself",
		"rename_empty":        "both keys must be non-empty",
		"rename_dropped":      `rename "a": the key is also dropped`,
	}
	for name, want := range wantErr {
		t.Run(name, func(t *testing.T) {
			cfg := NewFactory().CreateDefaultConfig()
			sub, err := cm.Sub(name)
			require.NoError(t, err)
			require.NoError(t, sub.Unmarshal(cfg))
			assert.ErrorContains(t, confmap.Validate(cfg), want)
		})
	}
}
