package grpcgzip

import (
	"bytes"
	stdgzip "compress/gzip"
	"context"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"reflect"
	"strings"
	"sync"
	"testing"

	kgzip "github.com/klauspost/compress/gzip"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding"
	_ "google.golang.org/grpc/encoding/gzip" // grpc's own, registered as in a collector
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// grpcGzip is grpc's own compressor, registered process-wide.
var grpcGzip = encoding.GetCompressor(Name)

func ours() *inflaterPool { return shared }

// The package registers nothing: the process-wide "gzip" stays grpc's, for
// every server and client but the ones given ServerOption.
func TestProcessWideGzipStaysGRPCs(t *testing.T) {
	require.NotNil(t, grpcGzip)
	assert.Equal(t, "google.golang.org/grpc/encoding/gzip", reflect.TypeOf(grpcGzip).Elem().PkgPath())
}

// decompressor is what both grpc's compressor and ours offer.
type decompressor interface {
	Decompress(r io.Reader) (io.Reader, error)
}

// gzipLevel gzips b with klauspost's writer at level, as the SDK does.
func gzipLevel(t testing.TB, level int, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	w, err := kgzip.NewWriterLevel(&out, level)
	require.NoError(t, err)
	_, err = w.Write(b)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return out.Bytes()
}

// compress gzips b with c, as grpc's encoder does.
func compress(t testing.TB, c encoding.Compressor, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	w, err := c.Compress(&out)
	require.NoError(t, err)
	_, err = w.Write(b)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return out.Bytes()
}

// decompress does what grpc's decompress (rpc_util.go) does with a
// registered compressor: Decompress over a mem.Reader, read through a
// LimitReader of maxSize+1 with mem.ReadAll, Close the reader if it is an
// io.Closer, and refuse output above maxSize.
func decompress(c decompressor, compressed []byte, maxSize int) (mem.BufferSlice, error) {
	r := asReceived(compressed)
	dr, err := c.Decompress(r)
	if err != nil {
		r.Close()
		return nil, err
	}
	if closer, ok := dr.(io.Closer); ok {
		defer closer.Close()
	}
	if maxSize < math.MaxInt64 {
		dr = io.LimitReader(dr, int64(maxSize)+1)
	}
	out, err := mem.ReadAll(dr, mem.DefaultBufferPool())
	if err != nil {
		r.Close()
		out.Free()
		return nil, err
	}
	if out.Len() > maxSize {
		r.Close()
		out.Free()
		return nil, errTooLarge
	}
	return out, nil
}

var errTooLarge = errors.New("decompressed message too large")

func decompressBytes(t testing.TB, c decompressor, compressed []byte) []byte {
	t.Helper()
	out, err := decompress(c, compressed, math.MaxInt32)
	require.NoError(t, err)
	defer out.Free()
	return out.Materialize()
}

func TestRoundTrip(t *testing.T) {
	inputs := map[string][]byte{
		"empty":     {},
		"one byte":  {'x'},
		"batch":     realisticBatch(t, 256),
		"large":     bytes.Repeat(realisticBatch(t, 64), 100), // ~3 MB, many frames and blocks
		"random":    randomBytes(200 << 10),                   // incompressible: stored blocks
		"zeros 8MB": make([]byte, 8<<20),
	}
	encoders := map[string]func([]byte) []byte{
		"grpc":          func(b []byte) []byte { return compress(t, grpcGzip, b) },
		"sdk (level 1)": func(b []byte) []byte { return gzipLevel(t, 1, b) },
	}
	for enc, gz := range encoders {
		for name, in := range inputs {
			t.Run(enc+"/"+name, func(t *testing.T) {
				got := decompressBytes(t, ours(), gz(in))
				if !bytes.Equal(in, got) {
					t.Fatalf("round trip changed %d bytes into %d bytes", len(in), len(got))
				}
			})
		}
	}
}

func TestDecompressStandardGzip(t *testing.T) {
	// Output of compress/gzip at every level, with header fields set, and a
	// multistream input (two members), which compress/gzip reads as one.
	in := realisticBatch(t, 32)
	for level := stdgzip.HuffmanOnly; level <= stdgzip.BestCompression; level++ {
		var buf bytes.Buffer
		w, err := stdgzip.NewWriterLevel(&buf, level)
		require.NoError(t, err)
		w.Name, w.Comment = "batch.pb", "aires"
		_, _ = w.Write(in)
		require.NoError(t, w.Close())
		assert.Equal(t, in, decompressBytes(t, ours(), buf.Bytes()), "level %d", level)
	}
	two := append(compress(t, grpcGzip, []byte("hello, ")), compress(t, grpcGzip, []byte("world"))...)
	assert.Equal(t, "hello, world", string(decompressBytes(t, ours(), two)))
}

func TestCorruptInput(t *testing.T) {
	good := compress(t, grpcGzip, realisticBatch(t, 16))
	flip := func(i int) []byte {
		b := bytes.Clone(good)
		b[i] ^= 0xff
		return b
	}
	cases := map[string][]byte{
		"empty":          {},
		"not gzip":       []byte("this is not gzip at all"),
		"bad magic":      flip(0),
		"bad method":     flip(2),
		"truncated":      good[:len(good)/2],
		"no trailer":     good[:len(good)-8],
		"bad crc":        flip(len(good) - 8),
		"bad size":       flip(len(good) - 1),
		"corrupt blocks": flip(len(good) / 2),
		"trailing junk":  append(bytes.Clone(good), "junk"...),
		// A second member cut inside its file name (FLG.FNAME).
		"truncated second member": append(bytes.Clone(good), 0x1f, 0x8b, 8, 0x08, 0, 0, 0, 0, 0, 0xff, 'a', 'b'),
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := decompress(ours(), in, math.MaxInt32)
			require.Error(t, err)
			_, refErr := decompress(grpcGzip, in, math.MaxInt32)
			require.Error(t, refErr, "grpc's gzip accepts it: the test input is wrong")
		})
	}
}

// TestLimitStopsInflating: a small input that inflates to a lot is read only
// up to the limit grpc asks for, not inflated whole first.
func TestLimitStopsInflating(t *testing.T) {
	bomb := gzipLevel(t, 1, make([]byte, 256<<20)) // 256 MiB of zeros
	const limit = 1 << 20

	r := &countingReader{r: bytes.NewReader(bomb)}
	dr, err := ours().Decompress(r)
	require.NoError(t, err)
	n, err := io.Copy(io.Discard, io.LimitReader(dr, limit+1))
	require.NoError(t, err)
	assert.EqualValues(t, limit+1, n)
	require.NoError(t, dr.(io.Closer).Close())
	assert.Less(t, r.n, len(bomb)/4, "read %d of %d compressed bytes for %d output bytes", r.n, len(bomb), limit+1)

	_, err = decompress(ours(), bomb, limit)
	require.ErrorIs(t, err, errTooLarge)
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestClosedHandles(t *testing.T) {
	c := ours()
	hello := gzipLevel(t, 1, []byte("hello"))
	r, err := c.Decompress(bytes.NewReader(hello))
	require.NoError(t, err)
	got, err := io.ReadAll(r)
	require.NoError(t, err)
	assert.Equal(t, "hello", string(got))
	_, err = r.Read(make([]byte, 1))
	assert.Equal(t, io.EOF, err, "EOF is sticky after the state went back to the pool")

	r, err = c.Decompress(bytes.NewReader(hello))
	require.NoError(t, err)
	require.NoError(t, r.(io.Closer).Close())
	require.NoError(t, r.(io.Closer).Close())
	_, err = r.Read(make([]byte, 1))
	assert.ErrorIs(t, err, errClosed)
}

func TestConcurrentUse(t *testing.T) {
	in := realisticBatch(t, 64)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				got := decompressBytes(t, ours(), gzipLevel(t, 1, in))
				if !bytes.Equal(in, got) {
					t.Error("round trip changed the data")
					return
				}
			}
		})
	}
	wg.Wait()
}

// ingestServer answers with the number of events it decoded.
type ingestServer struct {
	airesv1.UnimplementedIngestServiceServer
}

func (ingestServer) Ingest(_ context.Context, b *airesv1.EventBatch) (*airesv1.IngestResponse, error) {
	return &airesv1.IngestResponse{Accepted: uint64(len(b.Events))}, nil
}

// payloadSizes records the wire and decoded sizes of received messages.
type payloadSizes struct {
	mu            sync.Mutex
	wire, decoded []int
}

func (p *payloadSizes) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context { return ctx }
func (p *payloadSizes) HandleRPC(_ context.Context, s stats.RPCStats) {
	if in, ok := s.(*stats.InPayload); ok {
		p.mu.Lock()
		p.wire, p.decoded = append(p.wire, in.CompressedLength), append(p.decoded, in.Length)
		p.mu.Unlock()
	}
}
func (p *payloadSizes) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context {
	return ctx
}
func (p *payloadSizes) HandleConn(context.Context, stats.ConnStats) {}

// serve starts a real gRPC server on the loopback interface.
func serve(t *testing.T, opts ...grpc.ServerOption) string {
	srv := grpc.NewServer(opts...)
	airesv1.RegisterIngestServiceServer(srv, ingestServer{})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	t.Cleanup(func() {
		srv.Stop()
		require.NoError(t, <-served)
	})
	return lis.Addr().String()
}

// TestGRPCLoopback sends gzip-compressed batches from a stock gRPC client to
// a real gRPC server on the loopback interface that decompresses with
// ServerOption, and the server answers gzip-compressed (with grpc's own).
func TestGRPCLoopback(t *testing.T) {
	const maxRecv = 1 << 20
	sizes := &payloadSizes{}
	addr := serve(t, grpc.MaxRecvMsgSize(maxRecv), grpc.StatsHandler(sizes), ServerOption(maxRecv))

	conn, err := grpc.NewClient(addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.UseCompressor(Name)))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	client := airesv1.NewIngestServiceClient(conn)
	ctx := t.Context()

	var batch airesv1.EventBatch
	raw := realisticBatch(t, 256)
	require.NoError(t, proto.Unmarshal(raw, &batch))
	for range 3 { // the second and third use pooled state
		resp, err := client.Ingest(ctx, &batch)
		require.NoError(t, err)
		assert.EqualValues(t, 256, resp.Accepted)
	}
	sizes.mu.Lock()
	require.Len(t, sizes.wire, 3)
	assert.Equal(t, len(raw), sizes.decoded[0])
	assert.Less(t, sizes.wire[0], len(raw)/2, "the request was not compressed")
	sizes.mu.Unlock()

	// Above max_recv_msg_size once inflated, though small on the wire: the
	// same status as with grpc's gzip.
	bomb := &airesv1.EventBatch{Events: []*airesv1.Event{{Message: strings.Repeat("a", 4*maxRecv)}}}
	_, err = client.Ingest(ctx, bomb)
	require.Equal(t, codes.ResourceExhausted, status.Code(err), "%v", err)

	// Corrupt gzip on the wire (a connection whose own "gzip" compressor
	// emits garbage): INTERNAL, as with grpc's gzip, and the server goes on.
	bad, err := grpc.NewClient(addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		//lint:ignore SA1019 the only way to send corrupt gzip under the name "gzip"
		grpc.WithCompressor(garbageCompressor{}))
	require.NoError(t, err)
	t.Cleanup(func() { _ = bad.Close() })
	_, err = airesv1.NewIngestServiceClient(bad).Ingest(ctx, &batch)
	require.Equal(t, codes.Internal, status.Code(err), "%v", err)

	resp, err := client.Ingest(ctx, &batch)
	require.NoError(t, err)
	assert.EqualValues(t, 256, resp.Accepted)
}

// TestServerOptionIsPerServer: only the server given ServerOption decodes
// with this package. klauspost's inflater refuses a gzip header with a
// reserved flag bit set (RFC 1952 2.3.1.2) where compress/gzip, under grpc's
// own "gzip", accepts it: the same request fails on one server and passes
// on the other, in the same process.
func TestServerOptionIsPerServer(t *testing.T) {
	ours := serve(t, ServerOption(0))
	stock := serve(t)
	var batch airesv1.EventBatch
	require.NoError(t, proto.Unmarshal(realisticBatch(t, 4), &batch))
	for _, tc := range []struct {
		addr string
		want codes.Code
	}{{ours, codes.Internal}, {stock, codes.OK}} {
		conn, err := grpc.NewClient(tc.addr,
			grpc.WithTransportCredentials(insecure.NewCredentials()),
			//lint:ignore SA1019 the only way to send a chosen gzip header under the name "gzip"
			grpc.WithCompressor(reservedFlagCompressor{}))
		require.NoError(t, err)
		_, err = airesv1.NewIngestServiceClient(conn).Ingest(t.Context(), &batch)
		assert.Equal(t, tc.want, status.Code(err), "%v", err)
		require.NoError(t, conn.Close())
	}
}

// reservedFlagCompressor sends valid gzip whose header has a reserved FLG bit.
type reservedFlagCompressor struct{}

func (reservedFlagCompressor) Do(w io.Writer, p []byte) error {
	var buf bytes.Buffer
	zw := stdgzip.NewWriter(&buf)
	if _, err := zw.Write(p); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	b := buf.Bytes()
	b[3] |= 0x20 // FLG bit 5, reserved
	_, err := w.Write(b)
	return err
}
func (reservedFlagCompressor) Type() string { return Name }

// garbageCompressor claims to be gzip and sends something else.
type garbageCompressor struct{}

func (garbageCompressor) Do(w io.Writer, p []byte) error {
	_, err := w.Write(append([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}, p...))
	return err
}
func (garbageCompressor) Type() string { return Name }

func randomBytes(n int) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}
