package e2e

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/trace"

	aires "github.com/aires-dev/aires/sdk"
)

// Every option of the SDK, through the ocb-built collector, into ClickHouse.
func TestSDKEveryOption(t *testing.T) {
	e := newEnv(t, nil)
	client, err := aires.New(aires.Config{
		Endpoint:    e.col.airesTarget(),
		Service:     "sdk-svc",
		Environment: "qa",
		Release:     "9.9.9",
		Host:        "sdk-host",
	})
	require.NoError(t, err)
	defer func() { _ = client.Shutdown(context.Background()) }()

	ts := time.Now().Add(-time.Second).Truncate(time.Microsecond)
	client.Error("paiement refusé 💳",
		aires.WithTimestamp(ts),
		aires.WithTraceID("4bf92f3577b34da6a3ce929d0e0e4736"),
		aires.WithSpanID("00f067aa0ba902b7"),
		aires.WithSessionID("sess-sdk"),
		aires.WithUserID("user-sdk"),
		aires.String("card.brand", "visa"),
		aires.Int("attempt", 3),
		aires.Float64("amount", 12.75),
		aires.Bool("retryable", false),
		aires.Strings("items", []string{"a", "b"}),
		aires.Map("customer", map[string]any{"tier": "gold"}),
		aires.WithTags("payments", "eu"),
		aires.WithHTTP(aires.HTTP{
			Method: "POST", Route: "/pay/{id}", Path: "/pay/7", URL: "https://pay.example/pay/7",
			StatusCode: 402, Duration: 1500 * time.Microsecond, RequestSize: 64, ResponseSize: 128,
			UserAgent: "sdk-test/1.0", ClientAddress: "192.0.2.1",
		}),
		aires.WithErrorInfo("PaymentError", "card declined", "pay.go:42"),
	)

	// WithContext takes the ids of the active OTel span; WithService and
	// WithEnvironment override the config per event; WithError reads a Go error.
	sc := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    trace.TraceID{0xaa, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
		SpanID:     trace.SpanID{0xbb, 1, 2, 3, 4, 5, 6, 7},
		TraceFlags: trace.FlagsSampled,
	})
	ctx := trace.ContextWithSpanContext(context.Background(), sc)
	client.Warn("from a span", aires.WithContext(ctx), aires.WithService("other-svc"),
		aires.WithEnvironment("prod"), aires.WithError(fmt.Errorf("wrapped: %w", errors.New("root cause"))))

	require.NoError(t, client.Flush(ctxTimeout(t, 10*time.Second)))
	waitCount(t, e.db, 2, 10*time.Second, `SELECT count() FROM aires_e2e.events`)

	var id string
	require.NoError(t, e.db.QueryRow(`SELECT toString(id) FROM aires_e2e.events WHERE message = 'paiement refusé 💳'`).Scan(&id))
	got := readEvent(t, e.db, id)
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, got.ID, "UUID v7")
	assert.Equal(t, uint64(ts.UnixNano()), got.TimestampNs)
	assert.Equal(t, "sdk-svc", got.Service)
	assert.Equal(t, "qa", got.Environment)
	assert.Equal(t, "9.9.9", got.Release)
	assert.Equal(t, "sdk-host", got.Host)
	assert.Equal(t, "error", got.Severity)
	assert.Equal(t, "4bf92f3577b34da6a3ce929d0e0e4736", got.TraceID)
	assert.Equal(t, "00f067aa0ba902b7", got.SpanID)
	assert.Equal(t, "sess-sdk", got.SessionID)
	assert.Equal(t, "user-sdk", got.UserID)
	assert.Equal(t, []string{"payments", "eu"}, got.Tags)
	assert.Equal(t, []string{"card.brand", "items", "customer.tier"}, got.StrKeys)
	assert.Equal(t, []string{"visa", `["a","b"]`, "gold"}, got.StrValues)
	assert.Equal(t, []string{"attempt"}, got.IntKeys)
	assert.Equal(t, []int64{3}, got.IntValues)
	assert.Equal(t, []string{"amount"}, got.FloatKeys)
	assert.Equal(t, []float64{12.75}, got.FloatValues)
	assert.Equal(t, []string{"retryable"}, got.BoolKeys)
	assert.Equal(t, []uint8{0}, got.BoolValues)
	assert.Equal(t, "POST", got.HTTPMethod)
	assert.Equal(t, "/pay/{id}", got.HTTPRoute)
	assert.Equal(t, "/pay/7", got.HTTPPath)
	assert.Equal(t, "https://pay.example/pay/7", got.HTTPURL)
	assert.Equal(t, uint16(402), got.HTTPStatus)
	assert.Equal(t, 1.5, got.HTTPDurationMs)
	assert.Equal(t, int64(64), got.HTTPRequestSize)
	assert.Equal(t, int64(128), got.HTTPResponseSize)
	assert.Equal(t, "sdk-test/1.0", got.HTTPUserAgent)
	assert.Equal(t, "192.0.2.1", got.HTTPClientIP)
	assert.Equal(t, "PaymentError", got.ErrorType)
	assert.Equal(t, "card declined", got.ErrorMessage)
	assert.Equal(t, "pay.go:42", got.ErrorStack)

	require.NoError(t, e.db.QueryRow(`SELECT toString(id) FROM aires_e2e.events WHERE message = 'from a span'`).Scan(&id))
	got = readEvent(t, e.db, id)
	assert.Equal(t, "aa0102030405060708090a0b0c0d0e0f", got.TraceID)
	assert.Equal(t, "bb01020304050607", got.SpanID)
	assert.Equal(t, "other-svc", got.Service)
	assert.Equal(t, "prod", got.Environment)
	assert.Equal(t, "warn", got.Severity)
	assert.Equal(t, "wrapped: root cause", got.ErrorMessage)
	assert.Equal(t, "*errors.errorString", got.ErrorType, "the type under the %w wrappers")
	assert.NotEmpty(t, got.ErrorStack, "stack of the logging call")

	st := client.Stats()
	assert.Equal(t, uint64(2), st.Sent)
	assert.Zero(t, st.Dropped)
	assert.Zero(t, st.Failed)
}
