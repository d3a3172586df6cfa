package airesclickhouseexporter

import (
	"context"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/aires-dev/aires/exporter/airesclickhouseexporter/internal/metadatatest"
	"github.com/aires-dev/aires/internal/chtest"
	"github.com/aires-dev/aires/internal/collectortest"
	"github.com/aires-dev/aires/internal/semconv"
)

// OTLP straight into the exporter (no aires_transform): a record dated past
// what the DateTime column holds is stored at its observed time (or the
// time of the insert), never with a wrapped `timestamp`, its original time
// kept in aires.original_timestamp_ns, and counted.
func TestOutOfRangeTimestampsStored(t *testing.T) {
	srv := chtest.Start(t)
	db := srv.DB(t)
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	cfg := testConfig(srv.Endpoint(), func(c *Config) { c.Database = "ts_check" })
	exp, err := NewFactory().CreateLogs(context.Background(), metadatatest.NewSettings(tel), cfg)
	require.NoError(t, err)
	require.NoError(t, exp.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, exp.Shutdown(context.Background())) })

	before := time.Now()
	observed := uint64(before.Add(-time.Minute).Truncate(time.Second).UnixNano())
	year2200 := uint64(time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	sent := []struct {
		name                string
		timestamp, observed uint64
	}{
		{"in range", observed - uint64(time.Hour), 0},
		{"2200, observed", year2200, observed},
		{"2^63-1, observed", math.MaxInt64, observed},
		{"max uint64, no observed", math.MaxUint64, 0},
		{"1 ns, observed", 1, observed},
	}
	ld := plog.NewLogs()
	lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	for _, s := range sent {
		lr := lrs.AppendEmpty()
		lr.SetTimestamp(pcommon.Timestamp(s.timestamp))
		lr.SetObservedTimestamp(pcommon.Timestamp(s.observed))
		lr.Body().SetStr(s.name)
	}
	require.NoError(t, exp.ConsumeLogs(context.Background(), ld))
	after := time.Now()

	var wrapped uint64
	require.NoError(t, db.QueryRow(`SELECT count() FROM ts_check.events
		WHERE timestamp != toDateTime(intDiv(timestamp_ns, 1000000000))`).Scan(&wrapped))
	assert.Zero(t, wrapped, "rows whose timestamp disagrees with timestamp_ns")

	for _, s := range sent {
		var ns uint64
		var original string
		require.NoError(t, db.QueryRow(`SELECT timestamp_ns, attr_str_values[indexOf(attr_str_keys, ?)]
			FROM ts_check.events WHERE message = ?`, semconv.AiresOriginalTimestampNs, s.name).Scan(&ns, &original), s.name)
		switch {
		case s.name == "in range":
			assert.Equal(t, s.timestamp, ns)
			assert.Empty(t, original)
		case s.observed != 0:
			assert.Equal(t, s.observed, ns, s.name)
			assert.Equal(t, strconv.FormatUint(s.timestamp, 10), original, s.name)
		default: // the time of the insert
			assert.True(t, ns >= uint64(before.UnixNano()) && ns <= uint64(after.UnixNano()), "%s: stored at %d", s.name, ns)
			assert.Equal(t, strconv.FormatUint(s.timestamp, 10), original, s.name)
		}
	}
	metadatatest.AssertEqualExporterAiresClickhouseTimestampsReplaced(t, tel,
		[]metricdata.DataPoint[int64]{{Value: 4}}, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
}

// With sending_queue.wait_for_result, ConsumeLogs (what the receiver waits
// for before it answers) returns the outcome of the insert: nil once the
// rows are stored, a retryable error when ClickHouse cannot take them. The
// in-memory queue without it answers nil before anything is stored.
func TestWaitForResultReturnsInsertOutcome(t *testing.T) {
	waitCfg := func(endpoint string, wait bool) *Config {
		return testConfig(endpoint, func(c *Config) {
			q := createDefaultConfig().(*Config).QueueConfig.Get()
			q.WaitForResult = wait
			c.QueueConfig = configoptional.Some(*q)
			c.Database = "ack_check"
		})
	}
	oneRecord := func(msg string) plog.Logs {
		ld := plog.NewLogs()
		lr := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
		lr.SetTimestamp(pcommon.NewTimestampFromTime(time.Now()))
		lr.Body().SetStr(msg)
		return ld
	}

	t.Run("no server: wait_for_result returns the error", func(t *testing.T) {
		port, err := collectortest.FreePort()
		require.NoError(t, err)
		endpoint := "tcp://127.0.0.1:" + strconv.Itoa(port)
		exp := startExporter(t, waitCfg(endpoint, true))
		err = exp.ConsumeLogs(context.Background(), oneRecord("lost"))
		require.Error(t, err)
		assert.False(t, consumererror.IsPermanent(err), "retryable: %v", err)

		queued := startExporter(t, waitCfg(endpoint, false))
		assert.NoError(t, queued.ConsumeLogs(context.Background(), oneRecord("queued")), "the in-memory queue acknowledges what it holds")
	})

	t.Run("server: stored when ConsumeLogs returns", func(t *testing.T) {
		srv := chtest.Start(t)
		db := srv.DB(t)
		exp := startExporter(t, waitCfg(srv.Endpoint(), true))
		for i := range 3 {
			require.NoError(t, exp.ConsumeLogs(context.Background(), oneRecord("stored")))
			var n uint64
			require.NoError(t, db.QueryRow(`SELECT count() FROM ack_check.events WHERE message = 'stored'`).Scan(&n))
			assert.Equal(t, uint64(i+1), n, "acknowledged rows are in the table")
		}
	})
}
