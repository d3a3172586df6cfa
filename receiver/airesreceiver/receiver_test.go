package airesreceiver

import (
	"context"
	"errors"
	"io"
	"net"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pipeline"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/encoding/gzip"
	grpcmetadata "google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"

	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
	"github.com/aires-dev/aires/receiver/airesreceiver/internal/metadata"
)

// startReceiver starts a receiver on a loopback port and returns a client
// connected to it. Everything is shut down at the end of the test.
func startReceiver(t *testing.T, next consumer.Logs, edit func(*Config)) (*airesReceiver, *grpc.ClientConn) {
	t.Helper()
	cfg := NewFactory().CreateDefaultConfig().(*Config)
	cfg.Protocols.GRPC.GetOrInsertDefault().NetAddr.Endpoint = "127.0.0.1:0"
	cfg.RetryAfter = 250 * time.Millisecond
	if edit != nil {
		edit(cfg)
	}
	require.NoError(t, cfg.Validate())
	rcv, err := NewFactory().CreateLogs(context.Background(), receivertest.NewNopSettings(metadata.Type), cfg, next)
	require.NoError(t, err)
	require.NoError(t, rcv.Start(context.Background(), componenttest.NewNopHost()))
	r := rcv.(*airesReceiver)

	conn, err := grpc.NewClient(r.listenAddr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(func() {
		assert.NoError(t, conn.Close())
		assert.NoError(t, rcv.Shutdown(context.Background()))
	})
	return r, conn
}

// ingestRaw sends hand-crafted bytes through the unary RPC.
func ingestRaw(ctx context.Context, conn *grpc.ClientConn, raw []byte) (*airesv1.IngestResponse, error) {
	resp := new(airesv1.IngestResponse)
	req := rawBytes(raw)
	err := conn.Invoke(ctx, airesv1.IngestService_Ingest_FullMethodName, &req, resp, grpc.ForceCodecV2(clientCodec{}))
	return resp, err
}

func bodies(logs []plog.Logs) []string {
	var out []string
	for _, l := range logs {
		for i := range l.ResourceLogs().Len() {
			sls := l.ResourceLogs().At(i).ScopeLogs()
			for j := range sls.Len() {
				recs := sls.At(j).LogRecords()
				for k := range recs.Len() {
					out = append(out, recs.At(k).Body().Str())
				}
			}
		}
	}
	return out
}

func TestIngestFullBatch(t *testing.T) {
	sink := new(consumertest.LogsSink)
	_, conn := startReceiver(t, sink, nil)
	client := airesv1.NewIngestServiceClient(conn)

	batch := &airesv1.EventBatch{Resource: testResource(), Events: []*airesv1.Event{fullEvent(), minimalEvent("second")}}
	resp, err := client.Ingest(context.Background(), batch)
	require.NoError(t, err)
	assert.Equal(t, uint64(2), resp.Accepted)
	assert.Equal(t, uint64(0), resp.Rejected)
	assert.Empty(t, resp.Rejections)

	// Acknowledged only after the consumer returned: the data is there.
	require.Len(t, sink.AllLogs(), 1)
	assert.Equal(t, []string{"order failed", "second"}, bodies(sink.AllLogs()))
	lr := sink.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
	uid, _ := lr.Attributes().Get("log.record.uid")
	assert.Equal(t, "01936b5e-2a10-7c3d-8e4f-112233445566", uid.Str())
	svc, _ := sink.AllLogs()[0].ResourceLogs().At(0).Resource().Attributes().Get("service.name")
	assert.Equal(t, "shop", svc.Str())
}

func TestIngestPartialSuccess(t *testing.T) {
	sink := new(consumertest.LogsSink)
	_, conn := startReceiver(t, sink, func(cfg *Config) { cfg.MaxAttributesPerEvent = 2 })

	tooManyAttrs := minimalEvent("too many attributes")
	tooManyAttrs.Attributes = []*airesv1.KeyValue{kv("a", intVal(1)), kv("b", intVal(2)), kv("c", intVal(3))}
	absurd := minimalEvent("absurd")
	absurd.TimestampUnixNano = 42

	raw := encodeBatch(mustMarshal(testResource()),
		mustMarshal(minimalEvent("first")),
		invalidUTF8Event(),
		mustMarshal(tooManyAttrs),
		mustMarshal(minimalEvent("fourth")),
		mustMarshal(absurd),
	)
	resp, err := ingestRaw(context.Background(), conn, raw)
	require.NoError(t, err)
	assert.Equal(t, uint64(2), resp.Accepted)
	assert.Equal(t, uint64(3), resp.Rejected)
	require.Len(t, resp.Rejections, 3)
	assert.Equal(t, uint32(1), resp.Rejections[0].Index)
	assert.Contains(t, resp.Rejections[0].Reason, "invalid UTF-8")
	assert.Equal(t, uint32(2), resp.Rejections[1].Index)
	assert.Contains(t, resp.Rejections[1].Reason, "max_attributes_per_event (2)")
	assert.Equal(t, uint32(4), resp.Rejections[2].Index)
	assert.Contains(t, resp.Rejections[2].Reason, "absurd timestamp")

	assert.Equal(t, []string{"first", "fourth"}, bodies(sink.AllLogs()))
}

func TestIngestAllRejectedIsOK(t *testing.T) {
	sink := new(consumertest.LogsSink)
	_, conn := startReceiver(t, sink, nil)
	raw := encodeBatch(nil, invalidUTF8Event(), invalidUTF8Event())
	resp, err := ingestRaw(context.Background(), conn, raw)
	require.NoError(t, err)
	assert.Equal(t, uint64(0), resp.Accepted)
	assert.Equal(t, uint64(2), resp.Rejected)
	assert.Len(t, resp.Rejections, 2)
	assert.Empty(t, sink.AllLogs(), "nothing to hand on")
}

func TestIngestEmptyBatch(t *testing.T) {
	sink := new(consumertest.LogsSink)
	_, conn := startReceiver(t, sink, nil)
	resp, err := airesv1.NewIngestServiceClient(conn).Ingest(context.Background(), &airesv1.EventBatch{})
	require.NoError(t, err)
	assert.Equal(t, uint64(0), resp.Accepted+resp.Rejected)
	assert.Empty(t, sink.AllLogs())
}

func TestIngestBatchErrors(t *testing.T) {
	sink := new(consumertest.LogsSink)
	_, conn := startReceiver(t, sink, func(cfg *Config) { cfg.MaxEventsPerBatch = 2 })
	good := mustMarshal(minimalEvent("good"))
	tests := []struct {
		name string
		raw  []byte
		msg  string
	}{
		{name: "malformed", raw: []byte{0xff, 0xff, 0xff}, msg: "malformed aires.v1.EventBatch"},
		{name: "oversize", raw: encodeBatch(nil, good, good, good), msg: "more than max_events_per_batch (2)"},
		{name: "bad resource", raw: encodeBatch(invalidResource(), good), msg: "resource cannot be decoded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ingestRaw(context.Background(), conn, tt.raw)
			assert.Equal(t, codes.InvalidArgument, status.Code(err))
			assert.Contains(t, status.Convert(err).Message(), tt.msg)
		})
	}
	assert.Empty(t, sink.AllLogs())
}

// invalidResource is an encoded resource whose service is not UTF-8.
func invalidResource() []byte {
	return protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), "\xff")
}

func TestIngestConsumerErrors(t *testing.T) {
	tests := []struct {
		name  string
		err   error
		code  codes.Code
		retry time.Duration
	}{
		{name: "refused", err: errors.New("data refused due to high memory usage"), code: codes.Unavailable, retry: 250 * time.Millisecond},
		{name: "permanent", err: consumererror.NewPermanent(errors.New("bad data")), code: codes.InvalidArgument, retry: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, conn := startReceiver(t, consumertest.NewErr(tt.err), nil)
			client := airesv1.NewIngestServiceClient(conn)
			_, err := client.Ingest(context.Background(), &airesv1.EventBatch{Events: []*airesv1.Event{minimalEvent("m")}})
			require.Error(t, err)
			assert.Equal(t, tt.code, status.Code(err))
			assert.Equal(t, tt.retry, retryDelay(t, err))
			assert.Contains(t, status.Convert(err).Message(), tt.err.Error())
		})
	}
}

func TestIngestStream(t *testing.T) {
	sink := new(consumertest.LogsSink)
	_, conn := startReceiver(t, sink, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stream, err := conn.NewStream(ctx, &airesv1.IngestService_ServiceDesc.Streams[0],
		airesv1.IngestService_IngestStream_FullMethodName, grpc.ForceCodecV2(clientCodec{}))
	require.NoError(t, err)

	batches := [][]byte{
		mustMarshal(&airesv1.EventBatch{Resource: testResource(), Events: []*airesv1.Event{fullEvent(), minimalEvent("b1")}}),
		encodeBatch(nil, mustMarshal(minimalEvent("b2-0")), invalidUTF8Event(), mustMarshal(minimalEvent("b2-2"))),
		mustMarshal(&airesv1.EventBatch{Events: []*airesv1.Event{minimalEvent("b3")}}),
	}
	// Send everything first: responses come back one per batch, in order.
	for _, b := range batches {
		req := rawBytes(b)
		require.NoError(t, stream.SendMsg(&req))
	}
	require.NoError(t, stream.CloseSend())

	want := []struct{ accepted, rejected uint64 }{{2, 0}, {2, 1}, {1, 0}}
	for i, w := range want {
		resp := new(airesv1.IngestResponse)
		require.NoError(t, stream.RecvMsg(resp), "response %d", i)
		assert.Equal(t, w.accepted, resp.Accepted, "batch %d", i)
		assert.Equal(t, w.rejected, resp.Rejected, "batch %d", i)
	}
	require.ErrorIs(t, stream.RecvMsg(new(airesv1.IngestResponse)), io.EOF)
	assert.Equal(t, []string{"order failed", "b1", "b2-0", "b2-2", "b3"}, bodies(sink.AllLogs()))
}

func TestIngestStreamGeneratedClient(t *testing.T) {
	sink := new(consumertest.LogsSink)
	_, conn := startReceiver(t, sink, nil)
	stream, err := airesv1.NewIngestServiceClient(conn).IngestStream(context.Background())
	require.NoError(t, err)
	for i := range 3 {
		require.NoError(t, stream.Send(&airesv1.EventBatch{Events: []*airesv1.Event{minimalEvent("m"), minimalEvent("n")}}))
		resp, err := stream.Recv()
		require.NoError(t, err, "batch %d", i)
		assert.Equal(t, uint64(2), resp.Accepted)
	}
	require.NoError(t, stream.CloseSend())
	_, err = stream.Recv()
	require.ErrorIs(t, err, io.EOF)
	assert.Equal(t, 6, sink.LogRecordCount())
}

func TestIngestStreamEndsWithBatchStatus(t *testing.T) {
	_, conn := startReceiver(t, consumertest.NewErr(errors.New("sending queue is full")), nil)
	stream, err := airesv1.NewIngestServiceClient(conn).IngestStream(context.Background())
	require.NoError(t, err)
	require.NoError(t, stream.Send(&airesv1.EventBatch{Events: []*airesv1.Event{minimalEvent("m")}}))
	_, err = stream.Recv()
	assert.Equal(t, codes.Unavailable, status.Code(err))
	assert.Equal(t, 250*time.Millisecond, retryDelay(t, err))
}

func TestShutdownEndsIdleStreams(t *testing.T) {
	sink := new(consumertest.LogsSink)
	r, conn := startReceiver(t, sink, nil)
	stream, err := airesv1.NewIngestServiceClient(conn).IngestStream(context.Background())
	require.NoError(t, err)
	require.NoError(t, stream.Send(&airesv1.EventBatch{Events: []*airesv1.Event{minimalEvent("m")}}))
	_, err = stream.Recv()
	require.NoError(t, err)

	// The stream stays open and idle; Shutdown must not wait for the bound.
	start := time.Now()
	require.NoError(t, r.Shutdown(context.Background()))
	assert.Less(t, time.Since(start), gracefulStopTimeout)
	_, err = stream.Recv()
	assert.Equal(t, codes.Unavailable, status.Code(err))
}

func TestShutdownWaitsForInflightBatch(t *testing.T) {
	release := make(chan struct{})
	var consumed atomic.Bool
	next, err := consumer.NewLogs(func(context.Context, plog.Logs) error {
		<-release
		consumed.Store(true)
		return nil
	})
	require.NoError(t, err)
	r, conn := startReceiver(t, next, nil)

	var wg sync.WaitGroup
	var resp *airesv1.IngestResponse
	var ingestErr error
	wg.Go(func() {
		resp, ingestErr = airesv1.NewIngestServiceClient(conn).Ingest(context.Background(),
			&airesv1.EventBatch{Events: []*airesv1.Event{minimalEvent("m")}})
	})
	// Let the request reach the consumer, then shut down while it is there.
	time.Sleep(100 * time.Millisecond)
	shutdownDone := make(chan struct{})
	go func() {
		assert.NoError(t, r.Shutdown(context.Background()))
		close(shutdownDone)
	}()
	time.Sleep(50 * time.Millisecond)
	close(release)
	<-shutdownDone
	wg.Wait()
	require.NoError(t, ingestErr)
	assert.Equal(t, uint64(1), resp.Accepted)
	assert.True(t, consumed.Load())
}

// contractGenerator sends one event per call with a unique test_id and
// retries while the receiver answers UNAVAILABLE, as an SDK does.
type contractGenerator struct {
	t      *testing.T
	addr   string
	conn   *grpc.ClientConn
	client airesv1.IngestServiceClient
	seq    atomic.Int64
}

func (g *contractGenerator) Start() {
	conn, err := grpc.NewClient(g.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(g.t, err)
	g.conn, g.client = conn, airesv1.NewIngestServiceClient(conn)
}

func (g *contractGenerator) Stop() { assert.NoError(g.t, g.conn.Close()) }

func (g *contractGenerator) Generate() []receivertest.UniqueIDAttrVal {
	id := receivertest.UniqueIDAttrVal("event-" + strconv.FormatInt(g.seq.Add(1), 10))
	ev := minimalEvent("contract")
	ev.Id = nil
	ev.Attributes = []*airesv1.KeyValue{kv(receivertest.UniqueIDAttrName, strVal(string(id)))}
	batch := &airesv1.EventBatch{Events: []*airesv1.Event{ev}}
	for {
		_, err := g.client.Ingest(context.Background(), batch)
		switch status.Code(err) {
		case codes.OK, codes.InvalidArgument:
			return []receivertest.UniqueIDAttrVal{id}
		case codes.Unavailable:
			continue
		default:
			g.t.Errorf("unexpected status: %v", err)
			return []receivertest.UniqueIDAttrVal{id}
		}
	}
}

func TestConsumeContract(t *testing.T) {
	// The contract checker builds the receiver itself, so it needs a fixed
	// endpoint: take a free port.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())

	cfg := NewFactory().CreateDefaultConfig().(*Config)
	cfg.Protocols.GRPC.GetOrInsertDefault().NetAddr.Endpoint = addr
	cfg.RetryAfter = time.Millisecond

	receivertest.CheckConsumeContract(receivertest.CheckConsumeContractParams{
		T:             t,
		Factory:       NewFactory(),
		Signal:        pipeline.SignalLogs,
		Config:        cfg,
		Generator:     &contractGenerator{t: t, addr: addr},
		GenerateCount: 200,
	})
}

func TestIngestGzip(t *testing.T) {
	// The receiver decompresses with internal/grpcgzip on its own server
	// only: the process-wide "gzip" of every other component stays grpc's.
	assert.Equal(t, "google.golang.org/grpc/encoding/gzip",
		reflect.TypeOf(encoding.GetCompressor(gzip.Name)).Elem().PkgPath())

	sink := new(consumertest.LogsSink)
	_, conn := startReceiver(t, sink, nil)
	client := airesv1.NewIngestServiceClient(conn)
	batch := &airesv1.EventBatch{Resource: testResource(), Events: []*airesv1.Event{fullEvent()}}
	var header grpcmetadata.MD
	resp, err := client.Ingest(context.Background(), batch, grpc.UseCompressor(gzip.Name), grpc.Header(&header))
	require.NoError(t, err)
	assert.Equal(t, uint64(1), resp.Accepted)
	// The response of a few bytes goes back uncompressed.
	assert.Empty(t, header.Get("grpc-encoding"), "response encoding")

	// Invalid UTF-8 inside a compressed request still gets a per-event rejection.
	resp, err = ingestRawOpts(context.Background(), conn,
		encodeBatch(nil, mustMarshal(minimalEvent("ok")), invalidUTF8Event()), grpc.UseCompressor(gzip.Name))
	require.NoError(t, err)
	assert.Equal(t, uint64(1), resp.Accepted)
	assert.Equal(t, uint64(1), resp.Rejected)
	assert.Equal(t, 2, sink.LogRecordCount())
}

func ingestRawOpts(ctx context.Context, conn *grpc.ClientConn, raw []byte, opts ...grpc.CallOption) (*airesv1.IngestResponse, error) {
	resp := new(airesv1.IngestResponse)
	req := rawBytes(raw)
	err := conn.Invoke(ctx, airesv1.IngestService_Ingest_FullMethodName, &req, resp, append(opts, grpc.ForceCodecV2(clientCodec{}))...)
	return resp, err
}

// Requests are served by grpc's lasting stream workers (one per core), not
// each on a new goroutine: consecutive requests run on at most GOMAXPROCS
// goroutines.
func TestRequestsServedByLastingGoroutines(t *testing.T) {
	var mu sync.Mutex
	ids := map[string]int{}
	next, err := consumer.NewLogs(func(context.Context, plog.Logs) error {
		buf := make([]byte, 64)
		buf = buf[:runtime.Stack(buf, false)]
		id, _, _ := strings.Cut(strings.TrimPrefix(string(buf), "goroutine "), " ")
		mu.Lock()
		ids[id]++
		mu.Unlock()
		return nil
	})
	require.NoError(t, err)
	_, conn := startReceiver(t, next, nil)
	client := airesv1.NewIngestServiceClient(conn)
	const requests = 20
	for range requests {
		_, err := client.Ingest(context.Background(), &airesv1.EventBatch{Resource: testResource(), Events: []*airesv1.Event{minimalEvent("one")}})
		require.NoError(t, err)
	}
	assert.LessOrEqual(t, len(ids), runtime.GOMAXPROCS(0), "%d requests served on %d goroutines", requests, len(ids))
}
