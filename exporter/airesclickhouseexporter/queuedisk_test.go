package airesclickhouseexporter

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/aires-dev/aires/exporter/airesclickhouseexporter/internal/metadata"
)

// fakeDisk is a filesystem whose free space the test sets, and a clock the
// test moves: the guard's own logic is what is under test.
type fakeDisk struct {
	free  uint64
	err   error
	reads int
	now   time.Time
}

func newTestGuard(t *testing.T, minFreeMiB int64) (*queueDiskGuard, *fakeDisk, *observer.ObservedLogs) {
	t.Helper()
	core, logs := observer.New(zap.InfoLevel)
	disk := &fakeDisk{now: time.Unix(1_700_000_000, 0)}
	g := newQueueDiskGuard(QueueDiskConfig{Directory: "/queue", MinFreeMiB: minFreeMiB}, zap.New(core))
	require.NotNil(t, g)
	g.statfs = func(dir string) (uint64, error) {
		assert.Equal(t, "/queue", dir)
		disk.reads++
		return disk.free, disk.err
	}
	g.now = func() time.Time { return disk.now }
	return g, disk, logs
}

func TestQueueDiskGuard(t *testing.T) {
	const mib = 1 << 20
	steps := []struct {
		name     string
		free     uint64
		err      error
		advance  time.Duration
		wantErr  bool
		wantRead bool
		wantLog  string
	}{
		{name: "room", free: 100 * mib, wantRead: true},
		{name: "reading trusted for an interval", free: 1 * mib, advance: queueDiskCheckEvery / 2},
		{name: "low", free: 1 * mib, advance: queueDiskCheckEvery, wantErr: true, wantRead: true, wantLog: "refusing new data"},
		{name: "still low, logged once", free: 2 * mib, advance: queueDiskCheckEvery, wantErr: true, wantRead: true},
		{name: "just below the reserve", free: 64*mib - 1, advance: queueDiskCheckEvery, wantErr: true, wantRead: true},
		{name: "at the reserve", free: 64 * mib, advance: queueDiskCheckEvery, wantRead: true, wantLog: "has room again"},
		{name: "unreadable lets data through", err: errors.New("permission denied"), advance: queueDiskCheckEvery, wantRead: true, wantLog: "accepted unguarded"},
		{name: "unreadable again, logged once", err: errors.New("permission denied"), advance: queueDiskCheckEvery, wantRead: true},
	}
	g, disk, logs := newTestGuard(t, 64)
	for _, s := range steps {
		disk.free, disk.err = s.free, s.err
		disk.now = disk.now.Add(s.advance)
		reads, logged := disk.reads, logs.Len()
		err := g.check()
		if s.wantErr {
			require.ErrorIs(t, err, errQueueDiskLow, s.name)
			assert.Contains(t, err.Error(), "/queue has", s.name)
			assert.Contains(t, err.Error(), "below queue_disk.min_free_mib 64", s.name)
		} else {
			require.NoError(t, err, s.name)
		}
		assert.Equal(t, s.wantRead, disk.reads > reads, "%s: read the disk", s.name)
		if s.wantLog == "" {
			assert.Equal(t, logged, logs.Len(), "%s: logged", s.name)
			continue
		}
		require.Equal(t, logged+1, logs.Len(), "%s: logged", s.name)
		assert.Contains(t, logs.All()[logged].Message, s.wantLog, s.name)
	}
}

func TestQueueDiskGuardOff(t *testing.T) {
	assert.Nil(t, newQueueDiskGuard(QueueDiskConfig{MinFreeMiB: 64}, zap.NewNop()))
}

// TestGuardedLogs: a refusal stops the data before the queue, with an error
// the receivers turn into UNAVAILABLE (not permanent); with room, the data
// goes on.
func TestGuardedLogs(t *testing.T) {
	g, disk, _ := newTestGuard(t, 64)
	sink := new(consumertest.LogsSink)
	logs := guardedLogs{Logs: sinkExporter{sink}, guard: g}

	disk.free = 1 << 20
	err := logs.ConsumeLogs(context.Background(), plog.NewLogs())
	require.ErrorIs(t, err, errQueueDiskLow)
	assert.Equal(t, 0, len(sink.AllLogs()))

	disk.free = 1 << 30
	disk.now = disk.now.Add(queueDiskCheckEvery)
	require.NoError(t, logs.ConsumeLogs(context.Background(), plog.NewLogs()))
	assert.Equal(t, 1, len(sink.AllLogs()))
}

// sinkExporter is an exporter.Logs that keeps what it consumes.
type sinkExporter struct{ *consumertest.LogsSink }

var _ exporter.Logs = sinkExporter{}

func (sinkExporter) Start(context.Context, component.Host) error { return nil }
func (sinkExporter) Shutdown(context.Context) error              { return nil }

func TestFactoryGuardsThePersistentQueue(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	storage := component.MustNewID("file_storage")
	cfg.QueueConfig.Get().StorageID = &storage
	cfg.QueueDisk.Directory = t.TempDir()
	exp, err := NewFactory().CreateLogs(context.Background(), exportertest.NewNopSettings(metadata.Type), cfg)
	require.NoError(t, err)
	_, guarded := exp.(guardedLogs)
	assert.True(t, guarded, "a persistent queue with queue_disk.directory is guarded")

	cfg.QueueDisk.Directory = ""
	exp, err = NewFactory().CreateLogs(context.Background(), exportertest.NewNopSettings(metadata.Type), cfg)
	require.NoError(t, err)
	_, guarded = exp.(guardedLogs)
	assert.False(t, guarded)
}
