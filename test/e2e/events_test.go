package e2e

import (
	"database/sql"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
)

// storedEvent is one row of the events table, every column.
type storedEvent struct {
	ID                                       string
	Timestamp                                time.Time
	TimestampNs                              uint64
	Service, Environment, Release, Host      string
	Severity, Message                        string
	TraceID, SpanID, SessionID, UserID       string
	Tags                                     []string
	StrKeys, StrValues                       []string
	IntKeys                                  []string
	IntValues                                []int64
	FloatKeys                                []string
	FloatValues                              []float64
	BoolKeys                                 []string
	BoolValues                               []uint8
	ResourceKeys, ResourceValues             []string
	HTTPMethod, HTTPRoute, HTTPPath, HTTPURL string
	HTTPStatus                               uint16
	HTTPDurationMs                           float64
	HTTPRequestSize, HTTPResponseSize        int64
	HTTPUserAgent, HTTPClientIP              string
	ErrorType, ErrorMessage, ErrorStack      string
}

const selectEvent = `SELECT toString(id), timestamp, timestamp_ns, service, environment, release, host,
	toString(severity), message, trace_id, span_id, session_id, user_id, tags,
	attr_str_keys, attr_str_values, attr_int_keys, attr_int_values, attr_float_keys, attr_float_values,
	attr_bool_keys, attr_bool_values, resource_keys, resource_values,
	http_method, http_route, http_path, http_url, http_status, http_duration_ms,
	http_request_size, http_response_size, http_user_agent, http_client_ip,
	error_type, error_message, error_stack
FROM aires_e2e.events WHERE id = toUUID(?)`

func readEvent(t *testing.T, db *sql.DB, id string) storedEvent {
	t.Helper()
	var e storedEvent
	err := db.QueryRow(selectEvent, id).Scan(&e.ID, &e.Timestamp, &e.TimestampNs, &e.Service, &e.Environment,
		&e.Release, &e.Host, &e.Severity, &e.Message, &e.TraceID, &e.SpanID, &e.SessionID, &e.UserID, &e.Tags,
		&e.StrKeys, &e.StrValues, &e.IntKeys, &e.IntValues, &e.FloatKeys, &e.FloatValues, &e.BoolKeys,
		&e.BoolValues, &e.ResourceKeys, &e.ResourceValues, &e.HTTPMethod, &e.HTTPRoute, &e.HTTPPath,
		&e.HTTPURL, &e.HTTPStatus, &e.HTTPDurationMs, &e.HTTPRequestSize, &e.HTTPResponseSize,
		&e.HTTPUserAgent, &e.HTTPClientIP, &e.ErrorType, &e.ErrorMessage, &e.ErrorStack)
	require.NoError(t, err, "read event %s", id)
	return e
}

func uuidString(b []byte) string {
	h := hex.EncodeToString(b)
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[0:8], h[8:12], h[12:16], h[16:20], h[20:32])
}

func str(s string) *airesv1.AnyValue {
	return &airesv1.AnyValue{Value: &airesv1.AnyValue_StringValue{StringValue: s}}
}

// fullEvent sets every field of the protocol. n makes ids and values unique.
func fullEvent(n byte, ts time.Time) *airesv1.Event {
	return &airesv1.Event{
		Id:                []byte{0x01, 0x93, 0x4a, 0x5b, 0x6c, 0x7d, 0x7e, 0x8f, 0x9a, 0x0b, 0x1c, 0x2d, 0x3e, 0x4f, 0x50, n},
		TimestampUnixNano: uint64(ts.UnixNano()),
		Severity:          airesv1.Severity_SEVERITY_ERROR,
		Message:           fmt.Sprintf("commande n°%d passée — 注文 ✓", n),
		Service:           "checkout",
		Environment:       "staging",
		Release:           "2.0.1",
		TraceId:           []byte{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, n},
		SpanId:            []byte{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, n},
		SessionId:         "sess-42",
		UserId:            "user-7",
		Attributes: []*airesv1.KeyValue{
			{Key: "order.id", Value: str("A-17")},
			{Key: "order.items", Value: &airesv1.AnyValue{Value: &airesv1.AnyValue_IntValue{IntValue: -3}}},
			{Key: "order.total", Value: &airesv1.AnyValue{Value: &airesv1.AnyValue_DoubleValue{DoubleValue: 99.95}}},
			{Key: "order.gift", Value: &airesv1.AnyValue{Value: &airesv1.AnyValue_BoolValue{BoolValue: true}}},
			{Key: "order.skus", Value: &airesv1.AnyValue{Value: &airesv1.AnyValue_ArrayValue{ArrayValue: &airesv1.ArrayValue{
				Values: []*airesv1.AnyValue{str("a"), str("b")},
			}}}},
		},
		Tags: []string{"beta", "eu-west"},
		Http: &airesv1.HttpInfo{
			Method: "POST", Route: "/orders/{id}", Path: "/orders/17", Url: "https://shop.example/orders/17?x=1",
			StatusCode: 502, DurationMs: 12.5, RequestSize: 321, ResponseSize: 4096,
			UserAgent: "Mozilla/5.0 (X11)", ClientAddress: "203.0.113.9",
		},
		Error: &airesv1.ErrorInfo{Type: "*net.OpError", Message: "dial tcp: connection refused", Stack: "goroutine 1:\nmain.main()\n\tmain.go:12"},
	}
}

func fullBatch(first byte, n int, ts time.Time) *airesv1.EventBatch {
	b := &airesv1.EventBatch{Resource: &airesv1.Resource{
		Service: "batch-service", Environment: "prod", Release: "1.0.0", Host: "web-1",
		Attributes: []*airesv1.KeyValue{{Key: "k8s.pod.name", Value: str("web-1-abc")}},
	}}
	for i := 0; i < n; i++ {
		b.Events = append(b.Events, fullEvent(first+byte(i), ts))
	}
	return b
}

// checkFullEvent compares a stored row with the event it came from, field by field.
func checkFullEvent(t *testing.T, ev *airesv1.Event, got storedEvent) {
	t.Helper()
	assert.Equal(t, uuidString(ev.Id), got.ID)
	assert.Equal(t, ev.TimestampUnixNano, got.TimestampNs)
	assert.Equal(t, int64(ev.TimestampUnixNano)/1e9, got.Timestamp.Unix())
	assert.Equal(t, "checkout", got.Service, "per-event service overrides the batch")
	assert.Equal(t, "staging", got.Environment)
	assert.Equal(t, "2.0.1", got.Release)
	assert.Equal(t, "web-1", got.Host)
	assert.Equal(t, "error", got.Severity)
	assert.Equal(t, ev.Message, got.Message)
	assert.Equal(t, hex.EncodeToString(ev.TraceId), got.TraceID)
	assert.Equal(t, hex.EncodeToString(ev.SpanId), got.SpanID)
	assert.Equal(t, "sess-42", got.SessionID)
	assert.Equal(t, "user-7", got.UserID)
	assert.Equal(t, []string{"beta", "eu-west"}, got.Tags)
	assert.Equal(t, []string{"order.id", "order.skus"}, got.StrKeys)
	assert.Equal(t, []string{"A-17", `["a","b"]`}, got.StrValues)
	assert.Equal(t, []string{"order.items"}, got.IntKeys)
	assert.Equal(t, []int64{-3}, got.IntValues)
	assert.Equal(t, []string{"order.total"}, got.FloatKeys)
	assert.Equal(t, []float64{99.95}, got.FloatValues)
	assert.Equal(t, []string{"order.gift"}, got.BoolKeys)
	assert.Equal(t, []uint8{1}, got.BoolValues)
	assert.Equal(t, []string{"k8s.pod.name"}, got.ResourceKeys)
	assert.Equal(t, []string{"web-1-abc"}, got.ResourceValues)
	h := ev.Http
	assert.Equal(t, h.Method, got.HTTPMethod)
	assert.Equal(t, h.Route, got.HTTPRoute)
	assert.Equal(t, h.Path, got.HTTPPath)
	assert.Equal(t, h.Url, got.HTTPURL)
	assert.Equal(t, uint16(h.StatusCode), got.HTTPStatus)
	assert.Equal(t, h.DurationMs, got.HTTPDurationMs)
	assert.Equal(t, h.RequestSize, got.HTTPRequestSize)
	assert.Equal(t, h.ResponseSize, got.HTTPResponseSize)
	assert.Equal(t, h.UserAgent, got.HTTPUserAgent)
	assert.Equal(t, h.ClientAddress, got.HTTPClientIP)
	assert.Equal(t, ev.Error.Type, got.ErrorType)
	assert.Equal(t, ev.Error.Message, got.ErrorMessage)
	assert.Equal(t, ev.Error.Stack, got.ErrorStack)
}

func (c *collector) airesTarget() string { return fmt.Sprintf("127.0.0.1:%d", c.AiresPort) }

func grpcInsecure() grpc.DialOption { return grpc.WithTransportCredentials(insecure.NewCredentials()) }

func dialAires(t *testing.T, port int) airesv1.IngestServiceClient {
	t.Helper()
	conn, err := grpc.NewClient(fmt.Sprintf("127.0.0.1:%d", port), grpcInsecure())
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return airesv1.NewIngestServiceClient(conn)
}

func TestIngestEveryFieldUnaryAndStream(t *testing.T) {
	e := newEnv(t, nil)
	client := dialAires(t, e.col.AiresPort)
	ts := time.Now().Add(-time.Minute).Truncate(time.Nanosecond)

	unary := fullBatch(1, 3, ts)
	resp, err := client.Ingest(ctxTimeout(t, 10*time.Second), unary)
	require.NoError(t, err)
	assert.Equal(t, uint64(3), resp.Accepted)
	assert.Zero(t, resp.Rejected)

	stream, err := client.IngestStream(ctxTimeout(t, 10*time.Second))
	require.NoError(t, err)
	streamed := []*airesv1.EventBatch{fullBatch(10, 2, ts), fullBatch(20, 2, ts)}
	for _, b := range streamed {
		require.NoError(t, stream.Send(b))
		r, err := stream.Recv()
		require.NoError(t, err)
		assert.Equal(t, uint64(2), r.Accepted)
	}
	require.NoError(t, stream.CloseSend())

	waitCount(t, e.db, 7, 10*time.Second, `SELECT count() FROM aires_e2e.events`)
	for _, b := range append([]*airesv1.EventBatch{unary}, streamed...) {
		for _, ev := range b.Events {
			checkFullEvent(t, ev, readEvent(t, e.db, uuidString(ev.Id)))
		}
	}
}
