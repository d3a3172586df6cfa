package airesclickhouseexporter

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumererror"

	"github.com/aires-dev/aires/internal/chtest"
)

// retrying is a config whose retries are quick.
func retrying(c *Config) {
	c.BackOffConfig.Enabled = true
	c.BackOffConfig.InitialInterval = 20 * time.Millisecond
	c.BackOffConfig.MaxInterval = 100 * time.Millisecond
	c.BackOffConfig.MaxElapsedTime = time.Minute
}

// A push takes its request: once the rows are in an insert, the request is
// emptied, and a second push of it is refused (retryably) rather than
// acknowledged as empty.
func TestPushTakesTheRequest(t *testing.T) {
	srv := chtest.Start(t)
	e := rawExporter(t, testConfig(srv.Endpoint()))
	ld := pushEvents("taken", 5)
	require.NoError(t, e.pushLogs(context.Background(), ld))
	assert.True(t, taken(ld))
	assert.Zero(t, ld.LogRecordCount())

	err := e.pushLogs(context.Background(), ld)
	require.ErrorIs(t, err, errTaken)
	assert.False(t, consumererror.IsPermanent(err))
	assert.Equal(t, uint64(5), count(t, srv.DB(t), "SELECT count() FROM aires.events WHERE service = 'taken'"))
}

// An insert that fails retryably is retried by the exporter from the
// group's block, as retry_on_failure says, and the push answers once stored;
// out of retries, or when the exporter stops, it gives up with a retryable
// error (a client that still holds the data sends it again).
func TestStoreRetriesTheGroup(t *testing.T) {
	srv := chtest.Start(t)
	db := srv.DB(t)
	for i, tt := range []struct {
		name      string
		failures  int32 // attempts that fail before the real one
		edit      func(*Config)
		stop      bool
		wantErr   bool
		permanent bool
		stored    uint64
	}{
		{name: "retried until stored", failures: 3, edit: retrying, stored: 7},
		{name: "out of retries", failures: 1 << 30, edit: func(c *Config) { retrying(c); c.BackOffConfig.MaxElapsedTime = 300 * time.Millisecond },
			wantErr: true},
		{name: "stopped while retrying", failures: 1 << 30, edit: retrying, stop: true, wantErr: true},
		{name: "retries off", failures: 1, edit: func(c *Config) {}, wantErr: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := rawExporter(t, testConfig(srv.Endpoint(), tt.edit))
			var attempts atomic.Int32
			real := e.attempt
			e.attempt = func(g *group) error {
				if attempts.Add(1) <= tt.failures {
					return errors.New("connection reset (test)")
				}
				return real(g)
			}
			svc := fmt.Sprint("retry-", i)
			errc := make(chan error, 1)
			go func() { errc <- e.pushLogs(context.Background(), pushEvents(svc, 7)) }()
			if tt.stop {
				require.Eventually(t, func() bool { return attempts.Load() >= 3 }, 10*time.Second, time.Millisecond)
				e.stop()
			}
			var err error
			select {
			case err = <-errc:
			case <-time.After(30 * time.Second):
				t.Fatal("the push did not return")
			}
			if !tt.wantErr {
				require.NoError(t, err)
				assert.Equal(t, tt.failures+1, attempts.Load())
			} else {
				require.Error(t, err)
				assert.Equal(t, tt.permanent, consumererror.IsPermanent(err), "%v", err)
			}
			assert.Equal(t, tt.stored, count(t, db, "SELECT count() FROM aires.events WHERE service = ?", svc))
		})
	}
}

// An insert cut mid-way is in doubt; the exporter's own retry resolves the
// doubt before it sends again and leaves out the rows the cut insert
// stored: one push, every row once. Both ways an insert is sent: a small
// block through the inserter's kept batch, a large one in pieces.
func TestRetryAfterCutInsertLeavesNoDuplicate(t *testing.T) {
	srv := chtest.Start(t)
	db := srv.DB(t)
	i := 0
	for _, rows := range []int{3000, 20000} {
		for _, mode := range []cutMode{cutReply, cutData} {
			i++
			t.Run(fmt.Sprint(rows, " rows, ", mode), func(t *testing.T) {
				proxy := startCutProxy(t, srv.TCPAddr())
				database := fmt.Sprintf("cutretry_%d", i)
				e := rawExporter(t, testConfig(proxy.endpoint(), retrying, func(c *Config) {
					c.Database = database
					c.Compression = "none"
				}))
				ld := manyLogs(rows, time.Now().Add(-time.Hour).Truncate(time.Second))
				ins := newInserter()
				e.fill(&group{ins: ins}, copyLogs(ld))
				assert.Equal(t, rows > 3000, ins.blk.Bytes() > reuseMaxBytes, "block of %d bytes", ins.blk.Bytes())

				proxy.arm(mode)
				require.NoError(t, e.pushLogs(context.Background(), ld))
				require.Equal(t, int32(1), proxy.cuts.Load())
				assert.Equal(t, uint64(rows), count(t, db, "SELECT count() FROM "+database+".events"))
				assert.Equal(t, uint64(rows), count(t, db, "SELECT uniqExact(id) FROM "+database+".events"))
				assert.False(t, e.doubts.open(), "every row of the doubt went through: it must be retired")
			})
		}
	}
}
