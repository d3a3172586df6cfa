package airestransformprocessor

import (
	"context"
	"errors"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/aires-dev/aires/internal/row"
	"github.com/aires-dev/aires/internal/semconv"
	"github.com/aires-dev/aires/processor/airestransformprocessor/internal/metadatatest"
)

// A record whose time the events table cannot hold (or the receiver would
// reject) leaves the processor at its observed time, the original kept in
// aires.original_timestamp_ns, and is counted.
func TestOutOfRangeTimestamps(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	sink := new(consumertest.LogsSink)
	p, err := NewFactory().CreateLogs(context.Background(), metadatatest.NewSettings(tel), createDefaultConfig(), sink)
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background(), componenttest.NewNopHost()))
	defer func() { require.NoError(t, p.Shutdown(context.Background())) }()

	observed := uint64(time.Now().Add(-time.Second).UnixNano())
	inRange := uint64(time.Now().Add(-time.Hour).UnixNano())
	year2200 := uint64(time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	times := []struct {
		sent     uint64
		replaced bool
	}{
		{inRange, false},
		{year2200, true},
		{math.MaxInt64, true},
		{math.MaxUint64, true},
		{1, true},
		{row.MaxDateTimeNs, true},
	}
	ld := plog.NewLogs()
	lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	for _, tt := range times {
		lr := lrs.AppendEmpty()
		lr.SetTimestamp(pcommon.Timestamp(tt.sent))
		lr.SetObservedTimestamp(pcommon.Timestamp(observed))
		lr.Body().SetStr(strconv.FormatUint(tt.sent, 10))
	}
	require.NoError(t, p.ConsumeLogs(context.Background(), ld))

	out := sink.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	require.Equal(t, len(times), out.Len())
	for i, tt := range times {
		lr := out.At(i)
		original, kept := lr.Attributes().Get(semconv.AiresOriginalTimestampNs)
		if !tt.replaced {
			assert.Equal(t, tt.sent, uint64(lr.Timestamp()))
			assert.False(t, kept)
			continue
		}
		assert.Equal(t, observed, uint64(lr.Timestamp()), "record sent at %d", tt.sent)
		require.True(t, kept, "record sent at %d", tt.sent)
		assert.Equal(t, strconv.FormatUint(tt.sent, 10), original.Str())
	}
	metadatatest.AssertEqualAiresTransformTimestampsReplaced(t, tel,
		[]metricdata.DataPoint[int64]{{Value: 5}}, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
}

// With sending_queue.wait_for_result the receiver's answer is the
// exporter's: the processor hands back the next consumer's error unchanged,
// permanent or not, so the client gets INVALID_ARGUMENT or UNAVAILABLE.
func TestNextConsumerErrorPropagates(t *testing.T) {
	for _, next := range []error{
		errors.New("clickhouse unreachable"),
		consumererror.NewPermanent(errors.New("clickhouse refused the batch")),
	} {
		p, err := NewFactory().CreateLogs(context.Background(), metadatatest.NewSettings(componenttest.NewTelemetry()), createDefaultConfig(), consumertest.NewErr(next))
		require.NoError(t, err)
		require.NoError(t, p.Start(context.Background(), componenttest.NewNopHost()))
		ld := plog.NewLogs()
		ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Body().SetStr("m")
		got := p.ConsumeLogs(context.Background(), ld)
		assert.ErrorIs(t, got, next)
		assert.Equal(t, consumererror.IsPermanent(next), consumererror.IsPermanent(got))
		require.NoError(t, p.Shutdown(context.Background()))
	}
}
