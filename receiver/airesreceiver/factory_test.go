package airesreceiver

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/aires-dev/aires/receiver/airesreceiver/internal/metadata"
)

func TestFactoryType(t *testing.T) {
	f := NewFactory()
	assert.Equal(t, metadata.Type, f.Type())
	assert.Equal(t, "aires", f.Type().String())
	assert.Equal(t, metadata.LogsStability, f.LogsStability())
}

func TestCreateDefaultConfig(t *testing.T) {
	cfg, ok := NewFactory().CreateDefaultConfig().(*Config)
	require.True(t, ok)
	require.NoError(t, componenttest.CheckConfigStruct(cfg))
	assert.Equal(t, 10000, cfg.MaxEventsPerBatch)
	assert.Equal(t, 256, cfg.MaxAttributesPerEvent)
	assert.Equal(t, time.Second, cfg.RetryAfter)
	// Like the OTLP receiver, the protocol is optional with a default: it is
	// enabled by writing `protocols: {grpc:}`.
	assert.False(t, cfg.Protocols.GRPC.HasValue())
	assert.Equal(t, "localhost:4320", cfg.Protocols.GRPC.GetOrInsertDefault().NetAddr.Endpoint)
}

func TestCreateDefaultConfigReturnsFreshValues(t *testing.T) {
	f := NewFactory()
	a := f.CreateDefaultConfig().(*Config)
	a.MaxEventsPerBatch = 1
	b := f.CreateDefaultConfig().(*Config)
	assert.Equal(t, 10000, b.MaxEventsPerBatch)
}

func TestOnlyLogsSupported(t *testing.T) {
	f := NewFactory()
	_, err := f.CreateTraces(context.Background(), receivertest.NewNopSettings(metadata.Type), f.CreateDefaultConfig(), consumertest.NewNop())
	assert.Error(t, err)
	_, err = f.CreateMetrics(context.Background(), receivertest.NewNopSettings(metadata.Type), f.CreateDefaultConfig(), consumertest.NewNop())
	assert.Error(t, err)
}

func TestStartFailsOnBusyPort(t *testing.T) {
	f := NewFactory()
	cfg := f.CreateDefaultConfig().(*Config)
	cfg.Protocols.GRPC.GetOrInsertDefault().NetAddr.Endpoint = "127.0.0.1:0"
	ctx := context.Background()

	first, err := f.CreateLogs(ctx, receivertest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
	require.NoError(t, err)
	require.NoError(t, first.Start(ctx, componenttest.NewNopHost()))
	defer func() { require.NoError(t, first.Shutdown(ctx)) }()

	cfg2 := f.CreateDefaultConfig().(*Config)
	cfg2.Protocols.GRPC.GetOrInsertDefault().NetAddr.Endpoint = first.(*airesReceiver).listenAddr().String()
	second, err := f.CreateLogs(ctx, receivertest.NewNopSettings(metadata.Type), cfg2, consumertest.NewNop())
	require.NoError(t, err)
	err = second.Start(ctx, componenttest.NewNopHost())
	assert.ErrorContains(t, err, "cannot listen")
	require.NoError(t, second.Shutdown(ctx))
}
