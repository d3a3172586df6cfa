package airesclickhouseexporter

import (
	"context"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/aires-dev/aires/exporter/airesclickhouseexporter/internal/metadata"
)

func TestFactory(t *testing.T) {
	f := NewFactory()
	assert.Equal(t, metadata.Type, f.Type())
	assert.Equal(t, metadata.LogsStability, f.LogsStability())

	cfg := f.CreateDefaultConfig().(*Config)
	require.NoError(t, componenttest.CheckConfigStruct(cfg))
	require.NoError(t, cfg.Validate())
	assert.Equal(t, "tcp://127.0.0.1:9000", cfg.Endpoint)
	assert.Equal(t, "aires", cfg.Database)
	assert.Equal(t, "events", cfg.Table)
	assert.True(t, cfg.CreateSchema)
	assert.True(t, cfg.TLS.Insecure)
	q := cfg.QueueConfig.Get()
	assert.False(t, q.Batch.HasValue(), "the queue's batching must be off by default: the exporter batches")
	assert.Equal(t, exporterhelper.RequestSizerTypeBytes, q.Sizer, "the queue is sized in bytes")
	assert.EqualValues(t, defaultMinRows, cfg.InsertBatch.MinRows)
	assert.EqualValues(t, defaultMaxRows, cfg.InsertBatch.MaxRows)

	// Every call returns a fresh config: changing one never leaks into the next.
	cfg.InsertBatch.MinRows = 1
	cfg.QueueConfig.Get().QueueSize = 1
	cfg.Endpoint = "elsewhere:9000"
	again := f.CreateDefaultConfig().(*Config)
	assert.EqualValues(t, defaultMinRows, again.InsertBatch.MinRows)
	assert.EqualValues(t, defaultQueueBytes, again.QueueConfig.Get().QueueSize)
	assert.Equal(t, "tcp://127.0.0.1:9000", again.Endpoint)
}

// The factory does no I/O: creating an exporter for an unreachable server
// succeeds, and Shutdown is safe without Start. Our own shutdown is also safe
// twice (exporterhelper's wrapper, which closes its retry channel, is not:
// the collector calls it once).
func TestCreateAndShutdownWithoutStart(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.Endpoint = "tcp://127.0.0.1:1"
	exp, err := NewFactory().CreateLogs(context.Background(), exportertest.NewNopSettings(metadata.Type), cfg)
	require.NoError(t, err)
	require.NoError(t, exp.Shutdown(context.Background()))

	e, err := newLogsExporter(exportertest.NewNopSettings(metadata.Type), cfg)
	require.NoError(t, err)
	require.NoError(t, e.shutdown(context.Background()))
	require.NoError(t, e.shutdown(context.Background()))
}

func TestPushBeforeStart(t *testing.T) {
	e, err := newLogsExporter(exportertest.NewNopSettings(metadata.Type), createDefaultConfig().(*Config))
	require.NoError(t, err)
	assert.ErrorIs(t, e.pushLogs(context.Background(), plog.NewLogs()), errNotStarted)
}
