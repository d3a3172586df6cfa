package airesreceiver

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configgrpc"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configtls"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/aires-dev/aires/receiver/airesreceiver/internal/metadata"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)

	defaultGRPC := configgrpc.NewDefaultServerConfig()
	defaultGRPC.NetAddr.Endpoint = "localhost:4320"
	defaultGRPC.ReadBufferSize = 512 * 1024

	customGRPC := defaultGRPC
	customGRPC.NetAddr.Endpoint = "127.0.0.1:4999"
	customGRPC.MaxRecvMsgSizeMiB = 16
	customGRPC.MaxConcurrentStreams = 64
	customGRPC.IncludeMetadata = true
	customGRPC.TLS = configoptional.Some(configtls.ServerConfig{
		Config: configtls.Config{
			CertFile: "/etc/aires/server.crt",
			KeyFile:  "/etc/aires/server.key",
		},
		ClientCAFile: "/etc/aires/ca.crt",
	})

	tests := []struct {
		id       component.ID
		expected *Config
	}{
		{
			id: component.NewID(metadata.Type),
			expected: &Config{
				Protocols:             ProtocolsConfig{GRPC: configoptional.Some(defaultGRPC)},
				MaxEventsPerBatch:     10000,
				MaxAttributesPerEvent: 256,
				RetryAfter:            time.Second,
			},
		},
		{
			id: component.NewIDWithName(metadata.Type, "custom"),
			expected: &Config{
				Protocols:             ProtocolsConfig{GRPC: configoptional.Some(customGRPC)},
				MaxEventsPerBatch:     500,
				MaxAttributesPerEvent: 64,
				RetryAfter:            5 * time.Second,
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
			assert.Equal(t, tt.expected, cfg)
		})
	}
}

func TestInvalidConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "invalid.yaml"))
	require.NoError(t, err)
	for name := range cm.ToStringMap() {
		t.Run(name, func(t *testing.T) {
			tc, err := cm.Sub(name)
			require.NoError(t, err)
			want, ok := tc.Get("error").(string)
			require.True(t, ok, "test case %s has no error entry", name)
			sub, err := tc.Sub("config")
			require.NoError(t, err)

			cfg := NewFactory().CreateDefaultConfig()
			if err := sub.Unmarshal(cfg); err != nil {
				assert.ErrorContains(t, err, want)
				return
			}
			assert.ErrorContains(t, confmap.Validate(cfg), want)
		})
	}
}

func TestValidateJoinsAllErrors(t *testing.T) {
	cfg := &Config{MaxEventsPerBatch: 0, MaxAttributesPerEvent: 0, RetryAfter: 0}
	err := cfg.Validate()
	require.Error(t, err)
	for _, want := range []string{"protocols.grpc", "max_events_per_batch", "max_attributes_per_event", "retry_after"} {
		assert.ErrorContains(t, err, want)
	}
}
