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
// view), so under load bigger batches cost it less per row; at idle the
// exporter inserts at once (see insertBatcher).
const (
	defaultMinRows     = 40_000
	defaultMaxRows     = 50_000
	defaultMaxBytes    = 16 << 20
	defaultMaxDelay    = 500 * time.Millisecond
	defaultMinInterval = 200 * time.Millisecond
	defaultMaxInserts  = 2
	// defaultQueueBytes bounds the memory of the sending queue by the
	// requests' encoded size; the requests the consumers hold while their
	// rows wait for an insert count until the insert returned.
	defaultQueueBytes = 64 << 20
	// defaultConsumers is how many requests may wait for inserts at once:
	// enough for the batches above of the SDK's 256-event requests.
	defaultConsumers = 512
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
	// The queue's own batching stays off (it can be turned on with
	// sending_queue.batch): the exporter batches, see insertBatcher.
	queue := exporterhelper.NewDefaultQueueConfig()
	queue.Sizer = exporterhelper.RequestSizerTypeBytes
	queue.QueueSize = defaultQueueBytes
	queue.NumConsumers = defaultConsumers

	tls := configtls.NewDefaultClientConfig()
	tls.Insecure = true

	return &Config{
		TimeoutConfig: exporterhelper.NewDefaultTimeoutConfig(),
		QueueConfig:   configoptional.Some(queue),
		InsertBatch: InsertBatchConfig{MinRows: defaultMinRows, MaxRows: defaultMaxRows, MaxBytes: defaultMaxBytes, MaxDelay: defaultMaxDelay,
			MinInterval: defaultMinInterval, MaxInserts: defaultMaxInserts},
		BackOffConfig: configretry.NewDefaultBackOffConfig(),
		Endpoint:      "tcp://127.0.0.1:9000",
		Database:      "aires",
		Table:         "events",
		Username:      "default",
		TLS:           tls,
		Compression:   "auto",
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
		// The exporter empties each request once its rows are in an insert's
		// block (see take), so a waiting request holds only its rows.
		exporterhelper.WithCapabilities(consumer.Capabilities{MutatesData: true}),
		exporterhelper.WithTimeout(c.TimeoutConfig),
		exporterhelper.WithQueue(c.QueueConfig),
		exporterhelper.WithRetry(c.BackOffConfig),
		exporterhelper.WithStart(exp.start),
		exporterhelper.WithShutdown(exp.shutdown),
	)
	if err != nil {
		return nil, err
	}
	logs = stoppingLogs{Logs: logs, stop: exp.stop}
	if guard := newQueueDiskGuard(c.QueueDisk, set.Logger); guard != nil {
		return guardedLogs{Logs: logs, guard: guard}, nil
	}
	if c.persistentQueue() {
		set.Logger.Warn("The sending queue is on disk without queue_disk.directory: if that disk fills up, events already acknowledged can be lost; set queue_disk.directory to the file_storage directory (README, Reliability)")
	}
	return logs, nil
}

// stoppingLogs tells the exporter's inserts to stop retrying before
// exporterhelper shuts down: its queue then drains with one attempt per
// request, and a persistent queue keeps what is not stored.
type stoppingLogs struct {
	exporter.Logs
	stop func()
}

func (s stoppingLogs) Shutdown(ctx context.Context) error {
	s.stop()
	return s.Logs.Shutdown(ctx)
}
