package airesclickhouseexporter

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/config/configtls"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/aires-dev/aires/exporter/airesclickhouseexporter/internal/metadata"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)

	full := createDefaultConfig().(*Config)
	full.Endpoint = "tcp://ch1:9440,ch2:9440"
	full.Database = "logs"
	full.Table = "app_events"
	full.Username = "writer"
	full.Password = "s3cret"
	full.TLS = configtls.NewDefaultClientConfig()
	full.TLS.CAFile = "/etc/ssl/ch-ca.pem"
	full.Compression = "zstd"
	full.DialTimeout = 3 * time.Second
	full.CreateSchema = false
	full.Retention = Retention(30 * 24 * time.Hour)
	full.TimeoutConfig.Timeout = 10 * time.Second
	q := full.QueueConfig.Get()
	q.QueueSize = 100_000_000
	q.NumConsumers = 200
	full.InsertBatch = InsertBatchConfig{MinRows: 5000, MaxRows: 60_000, MaxBytes: 8 << 20, MaxDelay: time.Second,
		MinInterval: 100 * time.Millisecond, MaxInserts: 3}
	full.BackOffConfig = configretry.NewDefaultBackOffConfig()
	full.BackOffConfig.InitialInterval = time.Second
	full.BackOffConfig.MaxInterval = 10 * time.Second
	full.BackOffConfig.MaxElapsedTime = 2 * time.Minute

	noQueue := createDefaultConfig().(*Config)
	noQueue.Endpoint = "127.0.0.1:9000"
	noQueue.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()

	// The acknowledgement modes: only what is written changes, the other
	// queue and batch defaults stay.
	persistent := createDefaultConfig().(*Config)
	storage := component.MustNewID("file_storage")
	persistent.QueueConfig.Get().StorageID = &storage
	persistent.QueueDisk = QueueDiskConfig{Directory: "/var/lib/aires/queue", MinFreeMiB: 128}
	waitForResult := createDefaultConfig().(*Config)
	waitForResult.QueueConfig.Get().WaitForResult = true

	cluster := createDefaultConfig().(*Config)
	cluster.Endpoint = "tcp://ch1:9000,ch2:9000,ch3:9000,ch4:9000"
	cluster.Cluster = "logs_cluster"
	clusterCustom := createDefaultConfig().(*Config)
	clusterCustom.Endpoint = "tcp://ch1:9000"
	clusterCustom.Cluster = "logs_cluster"
	clusterCustom.Replication = false
	clusterCustom.ZooKeeperPath = "/ch/{shard}/{database}/{table}"
	clusterCustom.ReplicaName = "{host}"
	clusterCustom.ShardingKey = "cityHash64(trace_id)"

	tests := []struct {
		id   component.ID
		want *Config
	}{
		{id: component.NewIDWithName(metadata.Type, "cluster"), want: cluster},
		{id: component.NewIDWithName(metadata.Type, "cluster_custom"), want: clusterCustom},
		{id: component.NewIDWithName(metadata.Type, "persistent"), want: persistent},
		{id: component.NewIDWithName(metadata.Type, "wait_for_result"), want: waitForResult},
		{id: component.NewID(metadata.Type), want: createDefaultConfig().(*Config)},
		{id: component.NewIDWithName(metadata.Type, "full"), want: full},
		{id: component.NewIDWithName(metadata.Type, "no_queue"), want: noQueue},
	}
	for _, tt := range tests {
		t.Run(tt.id.String(), func(t *testing.T) {
			cfg := createDefaultConfig()
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
		"empty_endpoint":             "endpoint is empty",
		"http_endpoint":              "HTTP interface is not supported",
		"bad_port":                   `port "abc" is not a number`,
		"bad_database":               `database "my-db": use letters, digits and underscores`,
		"bad_table":                  `table "events;DROP"`,
		"bad_compression":            `compression "gzip": use one of auto, lz4, zstd, none`,
		"negative_retention":         "retention -1h0m0s: must not be negative",
		"tiny_retention":             "retention 10m0s: use at least 1h",
		"fractional_retention":       "retention 1h30m0s: use whole days (\"30d\") or whole hours",
		"bad_cluster":                "cluster \"main-1\": use the cluster's name in the servers' remote_servers",
		"cluster_path_without_shard": "zookeeper_path \"/clickhouse/tables/{database}/{table}\": use an absolute path with {shard} and {table}",
		"cluster_local_table":        "table \"events_local\": in cluster mode the per-shard table is named after it",
		"cluster_no_sharding_key":    "sharding_key \"\": use an expression",
		"cluster_no_replica_name":    "replica_name is empty",
		"negative_dial_timeout":      "dial_timeout -1s: must not be negative",
		"queue_disk_without_storage": `queue_disk.directory "/var/lib/aires/queue" guards the persistent queue's disk, but sending_queue has no storage`,
		"negative_queue_disk":        "queue_disk.min_free_mib -1: must not be negative",
		"insert_batch_min_over_max":  "insert_batch.min_rows 60000: must be positive and at most max_rows (50000)",
		"insert_batch_no_inserts":    "insert_batch.max_inserts 0: must be positive",
	}
	require.Len(t, cm.ToStringMap() /* cases */, len(wantErr))
	for name, want := range wantErr {
		t.Run(name, func(t *testing.T) {
			cfg := createDefaultConfig()
			sub, err := cm.Sub(name)
			require.NoError(t, err)
			require.NoError(t, sub.Unmarshal(cfg))
			err = confmap.Validate(cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), want)
		})
	}
}
