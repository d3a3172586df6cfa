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
	"github.com/aires-dev/aires/internal/schema"
)

// Batching defaults, chosen with make bench (the figures, and when and where
// they were measured, are in the README's batching section and bench/README.md).
// ClickHouse pays a fixed cost per insert (a part in the table and in each
// view), so bigger batches cost it less per row. The exporterhelper sends a
// batch as soon as it reaches min_size, so min_size is what the server sees
// under load; max_size and the flush timeout bound the latency. More
// consumers add a little throughput for much more memory under overload,
// since each keeps columns as large as its largest batch.
const (
	defaultFlushTimeout = 500 * time.Millisecond
	defaultMinBatch     = 40_000
	defaultMaxBatch     = 50_000
	// defaultQueueItems bounds the memory of the sending queue in log records
	// (four full batches), whatever the size of incoming requests.
	defaultQueueItems = 200_000
	defaultConsumers  = 2
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
		QueueDisk:     QueueDiskConfig{MinFreeMiB: defaultQueueDiskMinFreeMiB},
		Replication:   true,
		ZooKeeperPath: schema.DefaultReplicationPath,
		ReplicaName:   schema.DefaultReplicaName,
		ShardingKey:   schema.DefaultShardingKey,
	}
}

func createLogs(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Logs, error) {
	c := cfg.(*Config)
	exp, err := newLogsExporter(set, c)
	if err != nil {
		return nil, err
	}
	logs, err := exporterhelper.NewLogs(ctx, set, cfg, exp.pushLogs,
		exporterhelper.WithCapabilities(consumer.Capabilities{MutatesData: false}),
		exporterhelper.WithTimeout(c.TimeoutConfig),
		exporterhelper.WithQueue(c.QueueConfig),
		exporterhelper.WithRetry(c.BackOffConfig),
		exporterhelper.WithStart(exp.start),
		exporterhelper.WithShutdown(exp.shutdown),
	)
	if err != nil {
		return nil, err
	}
	if guard := newQueueDiskGuard(c.QueueDisk, set.Logger); guard != nil {
		return guardedLogs{Logs: logs, guard: guard}, nil
	}
	if c.persistentQueue() {
		set.Logger.Warn("The sending queue is on disk without queue_disk.directory: if that disk fills up, events already acknowledged can be lost; set queue_disk.directory to the file_storage directory (README, Reliability)")
	}
	return logs, nil
}
