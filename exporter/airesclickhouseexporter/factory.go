package airesclickhouseexporter

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/config/configtls"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/aires-dev/aires/exporter/airesclickhouseexporter/internal/metadata"
)

// Batching defaults, chosen with make bench on a 2-core machine (bench/README.md):
// ClickHouse pays a fixed cost per insert, so bigger batches cost it less
// per row (51 us/row with 2-5K-row batches, 7-19 with 10-20K, 6-9 with
// 20-50K), and 20-50K rows flushed every 500 ms gave the best end-to-end rate
// (54-72K events/s against 31-72K for 10-20K/200 ms) with a p99 latency of
// 0.8-1.1 s, inside the 2 s budget. 50-100K / 1 s came too close to it.
const (
	defaultFlushTimeout = 500 * time.Millisecond
	defaultMinBatch     = 20_000
	defaultMaxBatch     = 50_000
	// defaultQueueItems bounds the memory of the sending queue in log records
	// (four full batches), whatever the size of incoming requests.
	defaultQueueItems = 200_000
	defaultConsumers  = 4
)

// NewFactory returns the factory of the aires_clickhouse exporter.
func NewFactory() exporter.Factory {
	return exporter.NewFactory(
		metadata.Type,
		createDefaultConfig,
		exporter.WithLogs(createLogs, metadata.LogsStability),
	)
}

// createDefaultConfig builds a fresh Config on every call: nothing is shared
// between instances.
func createDefaultConfig() component.Config {
	batch := exporterhelper.NewDefaultBatchConfig()
	batch.FlushTimeout = defaultFlushTimeout
	batch.Sizer = exporterhelper.RequestSizerTypeItems
	batch.MinSize = defaultMinBatch
	batch.MaxSize = defaultMaxBatch

	queue := exporterhelper.NewDefaultQueueConfig()
	queue.Sizer = exporterhelper.RequestSizerTypeItems
	queue.QueueSize = defaultQueueItems
	queue.NumConsumers = defaultConsumers
	queue.Batch = configoptional.Some(batch)

	tls := configtls.NewDefaultClientConfig()
	tls.Insecure = true

	return &Config{
		TimeoutConfig: exporterhelper.NewDefaultTimeoutConfig(),
		QueueConfig:   configoptional.Some(queue),
		BackOffConfig: configretry.NewDefaultBackOffConfig(),
		Endpoint:      "tcp://127.0.0.1:9000",
		Database:      "aires",
		Table:         "events",
		Username:      "default",
		TLS:           tls,
		Compression:   "lz4",
		DialTimeout:   10 * time.Second,
		CreateSchema:  true,
	}
}

func createLogs(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Logs, error) {
	c := cfg.(*Config)
	exp, err := newLogsExporter(set, c)
	if err != nil {
		return nil, err
	}
	return exporterhelper.NewLogs(ctx, set, cfg, exp.pushLogs,
		exporterhelper.WithCapabilities(consumer.Capabilities{MutatesData: false}),
		exporterhelper.WithTimeout(c.TimeoutConfig),
		exporterhelper.WithQueue(c.QueueConfig),
		exporterhelper.WithRetry(c.BackOffConfig),
		exporterhelper.WithStart(exp.start),
		exporterhelper.WithShutdown(exp.shutdown),
	)
}
