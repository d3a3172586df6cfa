package e2e

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// An OTLP record dated 2200 (past what the DateTime column holds) is stored
// at its observed time, its original time kept in
// aires.original_timestamp_ns, and the row's `timestamp` agrees with its
// `timestamp_ns` (before the rule it read 2063-11-24).
func TestOTLPRecordFromTheFuture(t *testing.T) {
	e := newEnv(t, nil)
	year2200 := time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
	observed := time.Now().Add(-time.Minute).Truncate(time.Second)

	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "time-traveller")
	lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.SetTimestamp(pcommon.NewTimestampFromTime(year2200))
	lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(observed))
	lr.Body().SetStr("dated 2200")
	lr.Attributes().PutStr("log.record.uid", "01934a5b-6c7d-7e8f-9a0b-2200aaaaaaaa")

	exportOTLP(t, e.col.OTLPPort, ld)

	waitCount(t, e.db, 1, 10*time.Second, `SELECT count() FROM aires_e2e.events`)
	var ns uint64
	var agrees uint8
	var ts time.Time
	var original string
	require.NoError(t, e.db.QueryRow(`SELECT timestamp_ns, timestamp, timestamp = toDateTime(intDiv(timestamp_ns, 1000000000)),
		attr_str_values[indexOf(attr_str_keys, 'aires.original_timestamp_ns')]
		FROM aires_e2e.events WHERE service = 'time-traveller'`).Scan(&ns, &ts, &agrees, &original))
	assert.Equal(t, uint64(1), uint64(agrees), "timestamp %v must be toDateTime(intDiv(timestamp_ns, 1e9)) for timestamp_ns %d", ts, ns)
	assert.Equal(t, uint64(observed.UnixNano()), ns, "stored at its observed time")
	assert.True(t, ts.Equal(observed), "timestamp %v, want %v", ts, observed)
	assert.Equal(t, strconv.FormatInt(year2200.UnixNano(), 10), original)
}
