package e2e

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
	aires "github.com/aires-dev/aires/sdk"
)

// warnLog collects the SDK's warnings.
func warnLog() (*slog.Logger, *lockedBuffer) {
	buf := &lockedBuffer{}
	return slog.New(slog.NewTextHandler(buf, nil)), buf
}

// target is a receiver's address.
func target(port int) string { return fmt.Sprintf("127.0.0.1:%d", port) }

// withToken returns ctx carrying authorization metadata ("" = none).
func withToken(ctx context.Context, authorization string) context.Context {
	if authorization == "" {
		return ctx
	}
	return metadata.AppendToOutgoingContext(ctx, "authorization", authorization)
}

// batchOf is n minimal events of service.
func batchOf(t *testing.T, service string, n int) *airesv1.EventBatch {
	b := &airesv1.EventBatch{Resource: &airesv1.Resource{Service: service}}
	for i := range n {
		id := make([]byte, 16)
		_, err := rand.Read(id)
		require.NoError(t, err)
		id[6] = 0x70 | id[6]&0x0f // UUID version 7
		id[8] = 0x80 | id[8]&0x3f // RFC 9562 variant
		b.Events = append(b.Events, &airesv1.Event{
			Id: id, TimestampUnixNano: uint64(time.Now().UnixNano()),
			Severity: airesv1.Severity_SEVERITY_INFO, Message: fmt.Sprintf("%s %d", service, i),
		})
	}
	return b
}

// The aires receiver behind bearertokenauth answers UNAUTHENTICATED to a
// request without a token, with a wrong one or with the token in another
// scheme, on both methods, and stores what carries the token.
func (e *secureEnv) testTokenRefused(t *testing.T) {
	e.wrongToken = secret(t, "wrong-")
	client := dialAires(t, e.settings.AiresPort)
	for _, tc := range []struct {
		name, authorization string
	}{
		{"no token", ""},
		{"wrong token", "Bearer " + e.wrongToken},
		{"token without the Bearer scheme", e.token},
		{"token in another scheme", "Basic " + e.token},
	} {
		ctx := withToken(ctxTimeout(t, 10*time.Second), tc.authorization)
		_, err := client.Ingest(ctx, batchOf(t, "raw-refused", 2))
		assert.Equal(t, codes.Unauthenticated, status.Code(err), "%s: Ingest: %v", tc.name, err)

		stream, err := client.IngestStream(ctx)
		if err == nil {
			_ = stream.Send(batchOf(t, "raw-refused", 2))
			_, err = stream.Recv()
		}
		assert.Equal(t, codes.Unauthenticated, status.Code(err), "%s: IngestStream: %v", tc.name, err)
	}

	ctx := withToken(ctxTimeout(t, 10*time.Second), "Bearer "+e.token)
	resp, err := client.Ingest(ctx, batchOf(t, "raw-token", 3))
	require.NoError(t, err)
	assert.Equal(t, uint64(3), resp.Accepted)
	stream, err := client.IngestStream(ctx)
	require.NoError(t, err)
	require.NoError(t, stream.Send(batchOf(t, "raw-token", 2)))
	r, err := stream.Recv()
	require.NoError(t, err)
	assert.Equal(t, uint64(2), r.Accepted)
	require.NoError(t, stream.CloseSend())

	e.waitRows(t, "raw-token", 5)
	assert.Zero(t, e.rows(t, "raw-refused"))
}

// The SDK with a wrong key, or none, against bearertokenauth: every batch is
// tried once (UNAUTHENTICATED is permanent), its events are counted as
// failed, and the client warns once, saying what to check.
func (e *secureEnv) testSDKKeyRefused(t *testing.T) {
	for _, tc := range []struct {
		service, apiKey, want string
	}{
		{"sdk-wrong-key", e.wrongToken, "check Config.APIKey and the collector's bearertokenauth token"},
		{"sdk-no-key", "", "Config.APIKey is empty"},
	} {
		const batches, size = 5, 4
		log, buf := warnLog()
		c, err := aires.New(aires.Config{
			Endpoint: target(e.settings.AiresPort), APIKey: tc.apiKey, Service: tc.service,
			BatchSize: size, FlushInterval: time.Hour, InitialBackoff: 10 * time.Millisecond, Logger: log,
		})
		require.NoError(t, err)
		for b := range batches {
			for i := range size {
				c.Info("refused", aires.Int("batch", b), aires.Int("i", i))
			}
			require.NoError(t, c.Flush(ctxTimeout(t, 10*time.Second)))
		}
		require.NoError(t, c.Shutdown(ctxTimeout(t, 10*time.Second)))

		st := c.Stats()
		assert.Equal(t, aires.Stats{Enqueued: batches * size, Failed: batches * size}, st, tc.service)
		out := buf.String()
		assert.Equal(t, 1, strings.Count(out, "level=WARN"), "%s: one warning for %d refused batches:\n%s", tc.service, batches, out)
		assert.Contains(t, out, tc.want, tc.service)
		assert.Contains(t, out, "UNAUTHENTICATED", tc.service)
		assert.Zero(t, e.rows(t, tc.service))
	}
}

// The SDK's APIKey is what bearertokenauth expects.
func (e *secureEnv) testSDKKeyAccepted(t *testing.T) {
	st, warns := sendSDK(t, aires.Config{Endpoint: target(e.settings.AiresPort), APIKey: e.token}, "sdk-key", 7)
	assert.Equal(t, aires.Stats{Enqueued: 7, Sent: 7}, st, "warnings:\n%s", warns)
	assert.Empty(t, warns)
	e.waitRows(t, "sdk-key", 7)
}

// The OTLP receiver behind the same authenticator.
func (e *secureEnv) testOTLPToken(t *testing.T) {
	conn, err := grpc.NewClient(target(e.settings.OTLPPort), grpcInsecure())
	require.NoError(t, err)
	defer conn.Close()
	client := plogotlp.NewGRPCClient(conn)
	request := func(service string) plogotlp.ExportRequest {
		ld := plog.NewLogs()
		rl := ld.ResourceLogs().AppendEmpty()
		rl.Resource().Attributes().PutStr("service.name", service)
		rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Body().SetStr("over OTLP")
		return plogotlp.NewExportRequestFromLogs(ld)
	}
	for name, authorization := range map[string]string{"no token": "", "wrong token": "Bearer " + e.wrongToken} {
		_, err := client.Export(withToken(ctxTimeout(t, 10*time.Second), authorization), request("otlp-refused"))
		assert.Equal(t, codes.Unauthenticated, status.Code(err), "%s: %v", name, err)
	}
	_, err = client.Export(withToken(ctxTimeout(t, 10*time.Second), "Bearer "+e.token), request("otlp-token"))
	require.NoError(t, err)
	e.waitRows(t, "otlp-token", 1)
	assert.Zero(t, e.rows(t, "otlp-refused"))
}
