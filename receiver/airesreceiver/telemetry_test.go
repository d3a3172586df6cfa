package airesreceiver

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/aires-dev/aires/receiver/airesreceiver/internal/metadata"
)

// counterSum sums a counter over all its data points; 0 when absent.
func counterSum(t *testing.T, tel *componenttest.Telemetry, name string) int64 {
	t.Helper()
	m, err := tel.GetMetric(name)
	if err != nil {
		return 0
	}
	sum, ok := m.Data.(metricdata.Sum[int64])
	require.True(t, ok, "%s is %T", name, m.Data)
	var total int64
	for _, dp := range sum.DataPoints {
		transport, _ := dp.Attributes.Value("transport")
		assert.Equal(t, "grpc", transport.AsString())
		total += dp.Value
	}
	return total
}

func TestInternalTelemetry(t *testing.T) {
	tests := []struct {
		name             string
		next             consumer.Logs
		raw              []byte
		accepted, refuse int64
	}{
		{
			name:     "accepted and rejected",
			next:     consumertest.NewNop(),
			raw:      encodeBatch(nil, mustMarshal(minimalEvent("a")), invalidUTF8Event(), mustMarshal(minimalEvent("c"))),
			accepted: 2, refuse: 1,
		},
		{
			name:     "pipeline refuses",
			next:     consumertest.NewErr(errors.New("memory limiter")),
			raw:      encodeBatch(nil, mustMarshal(minimalEvent("a")), invalidUTF8Event()),
			accepted: 0, refuse: 2,
		},
		{
			name:     "oversize batch",
			next:     consumertest.NewNop(),
			raw:      encodeBatch(nil, mustMarshal(minimalEvent("a")), mustMarshal(minimalEvent("b")), mustMarshal(minimalEvent("c")), mustMarshal(minimalEvent("d"))),
			accepted: 0, refuse: 4,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tel := componenttest.NewTelemetry()
			t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
			set := receivertest.NewNopSettings(metadata.Type)
			set.TelemetrySettings = tel.NewTelemetrySettings()

			cfg := NewFactory().CreateDefaultConfig().(*Config)
			cfg.Protocols.GRPC.GetOrInsertDefault().NetAddr.Endpoint = "127.0.0.1:0"
			cfg.MaxEventsPerBatch = 3
			rcv, err := NewFactory().CreateLogs(context.Background(), set, cfg, tt.next)
			require.NoError(t, err)
			require.NoError(t, rcv.Start(context.Background(), componenttest.NewNopHost()))
			t.Cleanup(func() { require.NoError(t, rcv.Shutdown(context.Background())) })

			conn, err := grpc.NewClient(rcv.(*airesReceiver).listenAddr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
			require.NoError(t, err)
			t.Cleanup(func() { require.NoError(t, conn.Close()) })
			_, _ = ingestRaw(context.Background(), conn, tt.raw)

			assert.Equal(t, tt.accepted, counterSum(t, tel, "otelcol_receiver_accepted_log_records"))
			assert.Equal(t, tt.refuse, counterSum(t, tel, "otelcol_receiver_refused_log_records"))
		})
	}
}
