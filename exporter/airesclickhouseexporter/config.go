package airesclickhouseexporter

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/config/configtls"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/aires-dev/aires/internal/chendpoint"
	"github.com/aires-dev/aires/internal/schema"
)

// Config is the configuration of the aires_clickhouse exporter.
type Config struct {
	TimeoutConfig exporterhelper.TimeoutConfig `mapstructure:",squash"`
	// QueueConfig also decides what the receivers' OK means: the events are
	// in memory (default), on disk (storage: file_storage) or inserted
	// (wait_for_result: true); README, Acknowledgement.
	QueueConfig configoptional.Optional[exporterhelper.QueueBatchConfig] `mapstructure:"sending_queue"`
	// InsertBatch merges the requests that the queue's consumers push into
	// inserts: at once when ClickHouse is idle, in big batches under load
	// (README, Batching).
	InsertBatch   InsertBatchConfig         `mapstructure:"insert_batch"`
	BackOffConfig configretry.BackOffConfig `mapstructure:"retry_on_failure"`

	// Endpoint is one or more ClickHouse native-protocol addresses,
	// comma-separated: "tcp://host:9000", "host:9000" or
	// "tcp://h1:9000,h2:9000". The port defaults to 9000.
	Endpoint string `mapstructure:"endpoint"`
	// Database and Table name the events table.
	Database string `mapstructure:"database"`
	Table    string `mapstructure:"table"`

	Username string              `mapstructure:"username"`
	Password configopaque.String `mapstructure:"password"`
	// TLS is off by default (insecure: true); set insecure: false or a CA to
	// enable it.
	TLS configtls.ClientConfig `mapstructure:"tls"`
	// Compression of the native protocol: auto (default: none when every
	// endpoint is a loopback address, lz4 otherwise), lz4, zstd or none.
	Compression string `mapstructure:"compression"`
	// DialTimeout bounds each connection attempt.
	DialTimeout time.Duration `mapstructure:"dial_timeout"`

	// CreateSchema creates the database, the events table and its views at
	// start, and migrates an older schema (adds what is missing, keeps the
	// rows).
	CreateSchema bool `mapstructure:"create_schema"`
	// Retention is how long rows (and view rows) are kept: whole days ("30d")
	// or whole hours ("36h"); 0 keeps them forever. Enforced by TTL where the
	// server has it (set when create_schema is on) and by dropping expired
	// day partitions every hour on every server.
	Retention Retention `mapstructure:"retention"`
	// QueueDisk refuses new data while the persistent queue's filesystem is
	// nearly full, so that a full disk loses nothing already accepted.
	QueueDisk QueueDiskConfig `mapstructure:"queue_disk"`
	// Cluster turns on cluster mode: the cluster's name in the servers'
	// remote_servers. The schema is created ON CLUSTER, each shard holds its
	// rows in <table>_local, and <table> (what inserts and queries use) is
	// the Distributed table over them. README, Cluster mode.
	Cluster string `mapstructure:"cluster"`
	// Replication makes the per-shard tables ReplicatedMergeTree (default);
	// false makes them plain MergeTree (one replica a shard).
	Replication bool `mapstructure:"replication"`
	// ZooKeeperPath is the ZooKeeper path of each replicated table:
	// {database} and {table} are filled in by the exporter, {shard} by each
	// server from its macros.
	ZooKeeperPath string `mapstructure:"zookeeper_path"`
	// ReplicaName is the replica's name under that path, usually the
	// servers' {replica} macro.
	ReplicaName string `mapstructure:"replica_name"`
	// ShardingKey is the Distributed table's sharding key, the expression
	// that picks each row's shard.
	ShardingKey string `mapstructure:"sharding_key"`
}

var _ component.Config = (*Config)(nil)

// InsertBatchConfig is the exporter's own batching of rows into inserts (see
// insertBatcher).
type InsertBatchConfig struct {
	// MinRows: while another insert runs, a batch is sent once it holds this
	// many rows...
	MinRows int `mapstructure:"min_rows"`
	// MaxDelay: ...or once its first row waited this long.
	MaxDelay time.Duration `mapstructure:"max_delay"`
	// MaxRows caps the rows of one insert (a bigger request is inserted
	// alone).
	MaxRows int `mapstructure:"max_rows"`
	// MaxBytes caps a batch by the size of its strings and arrays: a batch
	// that holds this much is sent (as at min_rows) and takes no more. The
	// buffers of the largest batch are kept for the next ones, so this
	// bounds the memory batching keeps, whatever the size of the events.
	MaxBytes int `mapstructure:"max_bytes"`
	// MinInterval: with no insert in flight, the next one is sent at once if
	// the last one started at least this long ago, else when it is that old.
	// It bounds the inserts a trickle of events makes (ClickHouse writes a
	// part per insert).
	MinInterval time.Duration `mapstructure:"min_interval"`
	// MaxInserts is how many inserts may run at once.
	MaxInserts int `mapstructure:"max_inserts"`
}

func (c InsertBatchConfig) validate() error {
	var errs []error
	if c.MaxRows <= 0 {
		errs = append(errs, fmt.Errorf("insert_batch.max_rows %d: must be positive", c.MaxRows))
	}
	if c.MaxBytes <= 0 {
		errs = append(errs, fmt.Errorf("insert_batch.max_bytes %d: must be positive", c.MaxBytes))
	}
	if c.MinRows <= 0 || c.MinRows > c.MaxRows {
		errs = append(errs, fmt.Errorf("insert_batch.min_rows %d: must be positive and at most max_rows (%d)", c.MinRows, c.MaxRows))
	}
	if c.MaxDelay <= 0 {
		errs = append(errs, fmt.Errorf("insert_batch.max_delay %s: must be positive", c.MaxDelay))
	}
	if c.MinInterval < 0 || c.MinInterval > c.MaxDelay {
		errs = append(errs, fmt.Errorf("insert_batch.min_interval %s: must be between 0 and max_delay (%s)", c.MinInterval, c.MaxDelay))
	}
	if c.MaxInserts <= 0 {
		errs = append(errs, fmt.Errorf("insert_batch.max_inserts %d: must be positive", c.MaxInserts))
	}
	return errors.Join(errs...)
}

// Validate checks the configuration. It has no side effects.
func (cfg *Config) Validate() error {
	var errs []error
	if _, err := chendpoint.Parse(cfg.Endpoint); err != nil {
		errs = append(errs, err)
	}
	if !schema.ValidIdentifier(cfg.Database) {
		errs = append(errs, fmt.Errorf("database %q: use letters, digits and underscores, not starting with a digit", cfg.Database))
	}
	if !schema.ValidIdentifier(cfg.Table) {
		errs = append(errs, fmt.Errorf("table %q: use letters, digits and underscores, not starting with a digit", cfg.Table))
	}
	if !slices.Contains(compressions, cfg.Compression) {
		errs = append(errs, fmt.Errorf("compression %q: use one of %s", cfg.Compression, strings.Join(compressions, ", ")))
	}
	if cfg.DialTimeout < 0 {
		errs = append(errs, fmt.Errorf("dial_timeout %s: must not be negative (0 uses the driver's 30s)", cfg.DialTimeout))
	}
	if retention := cfg.Retention.Duration(); retention < 0 {
		errs = append(errs, fmt.Errorf("retention %s: must not be negative (0 keeps rows forever)", cfg.Retention))
	} else if retention > 0 && retention < time.Hour {
		errs = append(errs, fmt.Errorf("retention %s: use at least 1h (rows are dropped by day partitions or TTL), or 0 to keep rows forever", cfg.Retention))
	} else if retention%time.Hour != 0 {
		errs = append(errs, fmt.Errorf("retention %s: use whole days (\"30d\") or whole hours (\"36h\"): TTL is set in days or hours", cfg.Retention))
	}
	if err := cfg.InsertBatch.validate(); err != nil {
		errs = append(errs, err)
	}
	if err := cfg.QueueDisk.validate(cfg.persistentQueue()); err != nil {
		errs = append(errs, err)
	}
	if cfg.Cluster != "" {
		errs = append(errs, cfg.validateCluster()...)
	}
	return errors.Join(errs...)
}

// persistentQueue reports whether the sending queue is on a storage extension.
func (cfg *Config) persistentQueue() bool {
	return cfg.QueueConfig.HasValue() && cfg.QueueConfig.Get().StorageID != nil
}

// validateCluster checks the cluster mode settings.
func (cfg *Config) validateCluster() []error {
	var errs []error
	if !schema.ValidIdentifier(cfg.Cluster) {
		errs = append(errs, fmt.Errorf("cluster %q: use the cluster's name in the servers' remote_servers (letters, digits and underscores)", cfg.Cluster))
	}
	if strings.HasSuffix(cfg.Table, schema.LocalSuffix) {
		errs = append(errs, fmt.Errorf("table %q: in cluster mode the per-shard table is named after it with %q; name the table users query (e.g. events)", cfg.Table, schema.LocalSuffix))
	}
	if strings.TrimSpace(cfg.ShardingKey) == "" || strings.ContainsAny(cfg.ShardingKey, ";`") {
		errs = append(errs, fmt.Errorf("sharding_key %q: use an expression over the events columns, e.g. %s", cfg.ShardingKey, schema.DefaultShardingKey))
	}
	if !cfg.Replication {
		return errs
	}
	// Without {shard} every shard would replicate the same table; without
	// {table} the events table and the views' tables would share one path.
	if !strings.HasPrefix(cfg.ZooKeeperPath, "/") || !strings.Contains(cfg.ZooKeeperPath, "{shard}") || !strings.Contains(cfg.ZooKeeperPath, "{table}") {
		errs = append(errs, fmt.Errorf("zookeeper_path %q: use an absolute path with {shard} and {table}, e.g. %s", cfg.ZooKeeperPath, schema.DefaultReplicationPath))
	}
	if strings.TrimSpace(cfg.ReplicaName) == "" {
		errs = append(errs, fmt.Errorf("replica_name is empty: use the servers' replica macro, %s", schema.DefaultReplicaName))
	}
	return errs
}

// clusterSchema is the cluster mode of the schema (zero without cluster).
func (cfg *Config) clusterSchema() schema.Cluster {
	if cfg.Cluster == "" {
		return schema.Cluster{}
	}
	return schema.Cluster{Name: cfg.Cluster, Replication: cfg.Replication, ReplicationPath: cfg.ZooKeeperPath,
		ReplicaName: cfg.ReplicaName, ShardingKey: cfg.ShardingKey}
}
