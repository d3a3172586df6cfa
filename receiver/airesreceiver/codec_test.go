package airesreceiver

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding/gzip"
	"google.golang.org/grpc/experimental"
	"google.golang.org/grpc/mem"

	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
	"github.com/aires-dev/aires/receiver/airesreceiver/internal/metadata"
)

// The log records of a batch alias the bytes of its request (see rawBatch).
// gRPC reads requests into pooled buffers and frees them as soon as the codec
// returns; the tests below poison every buffer given back to the pool and
// check that the records still hold the values sent.

// poisonPool is a mem.BufferPool that overwrites every buffer given back to
// it, as the pool's next user would: whatever still reads a freed buffer sees
// 0xa5 bytes.
type poisonPool struct {
	puts atomic.Int64
}

var _ mem.BufferPool = (*poisonPool)(nil)

func (p *poisonPool) Get(n int) *[]byte {
	b := make([]byte, n)
	return &b
}

func (p *poisonPool) Put(b *[]byte) {
	full := (*b)[:cap(*b)]
	for i := range full {
		full[i] = 0xa5
	}
	p.puts.Add(1)
}

// aliasTestBatch is a batch of n events that set every field, each with its
// own strings, with a fixed timestamp (so only ObservedTimestamp depends on
// the receive time).
func aliasTestBatch(n, seq int) *airesv1.EventBatch {
	batch := &airesv1.EventBatch{Resource: testResource()}
	for i := range n {
		ev := fullEvent()
		ev.TimestampUnixNano = uint64(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).UnixNano())
		ev.Message = fmt.Sprintf("order %d/%d failed", seq, i)
		ev.Attributes = append(ev.Attributes, kv(fmt.Sprintf("key.%d", i), strVal(fmt.Sprintf("value %d/%d", seq, i))))
		ev.Tags = append(ev.Tags, fmt.Sprintf("tag-%d", i))
		ev.Http.Url = fmt.Sprintf("https://shop.example/orders/%d/%d", seq, i)
		batch.Events = append(batch.Events, ev)
	}
	return batch
}

// requireSameRecords fails unless got and want hold the same resources and
// log records, ObservedTimestamp aside.
func requireSameRecords(t *testing.T, want, got plog.Logs) {
	t.Helper()
	marshal := func(logs plog.Logs) []byte {
		c := plog.NewLogs()
		logs.CopyTo(c)
		for i := range c.ResourceLogs().Len() {
			sls := c.ResourceLogs().At(i).ScopeLogs()
			for j := range sls.Len() {
				lrs := sls.At(j).LogRecords()
				for k := range lrs.Len() {
					lrs.At(k).SetObservedTimestamp(0)
				}
			}
		}
		b, err := (&plog.ProtoMarshaler{}).MarshalLogs(c)
		require.NoError(t, err)
		return b
	}
	if !bytes.Equal(marshal(want), marshal(got)) {
		gj, _ := (&plog.JSONMarshaler{}).MarshalLogs(got)
		wj, _ := (&plog.JSONMarshaler{}).MarshalLogs(want)
		t.Fatalf("log records differ:\ngot  %s\nwant %s", gj, wj)
	}
}

// referenceLogs converts raw by the reference path (strings copied by
// proto.Unmarshal).
func referenceLogs(t *testing.T, raw []byte, scopeVersion string) plog.Logs {
	t.Helper()
	br, err := referenceDecodeConvert(bytes.Clone(raw), diffNow, 10000, 256, scopeVersion)
	require.NoError(t, err)
	require.Empty(t, br.rejections)
	return br.logs
}

// TestRawCodecOwnsTheRequest runs a request through the codec as gRPC does
// (buffers from a pool, freed right after Unmarshal) and the handler
// (decodeConvert, then release): the log records must not change when every
// pooled buffer is overwritten.
// A request that grpcgzip's server decompressor inflated is one
// mem.SliceBuffer, which gRPC never recycles: the codec keeps it as it is
// instead of copying it.
func TestRawCodecKeepsAnInflatedRequest(t *testing.T) {
	raw := mustMarshal(aliasTestBatch(4, 0))
	rb := new(rawBatch)
	require.NoError(t, newRawCodec().Unmarshal(mem.BufferSlice{mem.SliceBuffer(raw)}, rb))
	require.Equal(t, raw, rb.bytes())
	assert.Same(t, &raw[0], &rb.bytes()[0], "the inflated request was copied")
}

func TestRawCodecOwnsTheRequest(t *testing.T) {
	raw := mustMarshal(aliasTestBatch(48, 0))
	require.Greater(t, len(raw), 3*4096, "the request must span several pooled buffers")
	want := referenceLogs(t, raw, "")

	// One buffer (MaterializeToBuffer would keep it instead of copying), or
	// split as HTTP/2 frames split a request.
	for _, chunk := range []int{len(raw), 4096, 1500} {
		t.Run(fmt.Sprintf("chunks of %d", chunk), func(t *testing.T) {
			pool := new(poisonPool)
			var data mem.BufferSlice
			pooled := 0
			for rest := raw; len(rest) > 0; {
				n := min(chunk, len(rest))
				buf := pool.Get(n)
				copy(*buf, rest[:n])
				data = append(data, mem.NewBuffer(buf, pool))
				if !mem.IsBelowBufferPoolingThreshold(n) {
					pooled++
				}
				rest = rest[n:]
			}
			rb := new(rawBatch)
			require.NoError(t, newRawCodec().Unmarshal(data, rb))
			data.Free() // gRPC frees the request once the codec returns

			br, err := decodeConvert(rb.bytes(), diffNow, 10000, 256, "")
			require.NoError(t, err)
			rb.release()
			require.Equal(t, int64(pooled), pool.puts.Load(), "every pooled buffer went back to the pool")
			requireSameRecords(t, want, br.logs)
		})
	}
}

// TestIngestOutlivesGRPCBuffers is the same through a real gRPC server whose
// buffer pool poisons what it gets back: unary and streamed requests, plain
// and gzipped, one HTTP/2 frame or several.
func TestIngestOutlivesGRPCBuffers(t *testing.T) {
	pool := new(poisonPool)
	sink := new(consumertest.LogsSink)
	cfg := NewFactory().CreateDefaultConfig().(*Config)
	r, err := newReceiver(cfg, receivertest.NewNopSettings(metadata.Type), sink)
	require.NoError(t, err)
	srv := grpc.NewServer(grpc.ForceServerCodecV2(newRawCodec()), experimental.BufferPool(pool))
	srv.RegisterService(&ingestServiceDesc, r)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	defer func() {
		srv.Stop()
		require.NoError(t, <-served)
	}()
	conn, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	defer conn.Close()
	client := airesv1.NewIngestServiceClient(conn)

	var sent []*airesv1.EventBatch
	// 8 events fit one 16 KiB HTTP/2 frame; 64 take several.
	for seq, n := range []int{8, 64, 8, 64} {
		batch := aliasTestBatch(n, seq)
		var opts []grpc.CallOption
		if seq >= 2 {
			opts = append(opts, grpc.UseCompressor(gzip.Name))
		}
		resp, err := client.Ingest(context.Background(), batch, opts...)
		require.NoError(t, err)
		require.Equal(t, uint64(n), resp.Accepted)
		sent = append(sent, batch)
	}
	stream, err := client.IngestStream(context.Background())
	require.NoError(t, err)
	for seq, n := range []int{8, 64, 8} {
		batch := aliasTestBatch(n, 10+seq)
		require.NoError(t, stream.Send(batch))
		resp, err := stream.Recv()
		require.NoError(t, err)
		require.Equal(t, uint64(n), resp.Accepted)
		sent = append(sent, batch)
	}
	require.NoError(t, stream.CloseSend())

	assert.Positive(t, pool.puts.Load(), "the server read requests into pooled buffers")
	got := sink.AllLogs()
	require.Len(t, got, len(sent))
	for i, batch := range sent {
		requireSameRecords(t, referenceLogs(t, mustMarshal(batch), r.scopeVersion), got[i])
	}
}

// BenchmarkOwnedCopy copies a 512 KiB request held in 32 KiB buffers, as
// gRPC hands over a decompressed one, with gRPC's Materialize (which zeroes
// the new slice first) and with ownedCopy.
func BenchmarkOwnedCopy(b *testing.B) {
	var data mem.BufferSlice
	for range 16 {
		data = append(data, mem.SliceBuffer(bytes.Repeat([]byte("x"), 32<<10)))
	}
	for _, bc := range []struct {
		name string
		copy func(mem.BufferSlice) []byte
	}{
		{"Materialize", mem.BufferSlice.Materialize},
		{"ownedCopy", ownedCopy},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(data.Len()))
			b.ReportAllocs()
			for b.Loop() {
				if got := bc.copy(data); len(got) != data.Len() {
					b.Fatalf("copied %d bytes of %d", len(got), data.Len())
				}
			}
		})
	}
}

func TestOwnedCopy(t *testing.T) {
	for _, tc := range []struct {
		name string
		data mem.BufferSlice
		want string
	}{
		{"no buffer", nil, ""},
		{"an empty buffer", mem.BufferSlice{mem.SliceBuffer{}}, ""},
		{"one buffer", mem.BufferSlice{mem.SliceBuffer("abc")}, "abc"},
		{"several", mem.BufferSlice{mem.SliceBuffer("ab"), mem.SliceBuffer{}, mem.SliceBuffer("cde")}, "abcde"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ownedCopy(tc.data)
			assert.Equal(t, tc.want, string(got))
			assert.Len(t, got, tc.data.Len())
			if len(got) > 0 {
				assert.NotSame(t, &tc.data[0].ReadOnlyData()[0], &got[0], "not a copy")
			}
		})
	}
}
