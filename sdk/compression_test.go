package aires

import (
	"bytes"
	stdgzip "compress/gzip"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	klauspostgzip "github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"google.golang.org/grpc"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/stats"
)

// zstdServerOption makes a test server take zstd requests, as the Aires
// collector does.
func zstdServerOption() grpc.ServerOption {
	//lint:ignore SA1019 a per-server decompressor, so the test binary registers nothing
	return grpc.RPCDecompressor(zstdDecompressor{})
}

type zstdDecompressor struct{}

var zstdDecoder, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(1))

func (zstdDecompressor) Do(r io.Reader) ([]byte, error) {
	in, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return zstdDecoder.DecodeAll(in, nil)
}

func (zstdDecompressor) Type() string { return CompressionZstd }

// sdkCompressors are the SDK's compressors, each with a reader of the
// format it claims (decode: compress/gzip for gzip, any gRPC server's) and
// the reader the collector's decompressor is built on (inflate: klauspost's).
var sdkCompressors = []struct {
	name            string
	c               grpc.Compressor //lint:ignore SA1019 the SDK's compressors implement it
	decode, inflate func([]byte) ([]byte, error)
}{
	{"zstd", &zstdCompressor{}, zstdDecodeAll, zstdDecodeAll},
	{"gzip", &gzipCompressor{}, gunzipWith(stdgzip.NewReader), gunzipWith(klauspostgzip.NewReader)},
}

func zstdDecodeAll(in []byte) ([]byte, error) { return zstdDecoder.DecodeAll(in, nil) }

// gunzipWith reads a gzip stream with the reader newReader makes.
func gunzipWith[R io.Reader](newReader func(io.Reader) (R, error)) func([]byte) ([]byte, error) {
	return func(in []byte) ([]byte, error) {
		zr, err := newReader(bytes.NewReader(in))
		if err != nil {
			return nil, err
		}
		return io.ReadAll(zr)
	}
}

func TestCompressorsRoundTrip(t *testing.T) {
	for _, sc := range sdkCompressors {
		t.Run(sc.name, func(t *testing.T) {
			for _, in := range [][]byte{nil, []byte("x"), typicalBatch(t, 256), bytes.Repeat([]byte("abc"), 1<<20)} {
				for range 2 { // the second call reuses pooled buffers
					var out bytes.Buffer
					if err := sc.c.Do(&out, in); err != nil {
						t.Fatal(err)
					}
					got, err := sc.decode(out.Bytes())
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(got, in) {
						t.Fatalf("read back %d bytes of %d", len(got), len(in))
					}
				}
			}
			if got := sc.c.Type(); got != sc.name {
				t.Fatalf("Type() = %q, want %q", got, sc.name)
			}
		})
	}
}

func TestCompressorsConcurrent(t *testing.T) {
	in := typicalBatch(t, 64)
	for _, sc := range sdkCompressors {
		t.Run(sc.name, func(t *testing.T) {
			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() {
					for range 10 {
						var out bytes.Buffer
						if err := sc.c.Do(&out, in); err != nil {
							t.Error(err)
							return
						}
						if got, err := sc.decode(out.Bytes()); err != nil || !bytes.Equal(got, in) {
							t.Error("round trip failed", err)
							return
						}
					}
				})
			}
			wg.Wait()
		})
	}
}

// compressionSeen records the compression and sizes of the requests a
// server receives.
type compressionSeen struct {
	mu            sync.Mutex
	names         []string
	wire, decoded []int
}

func (w *compressionSeen) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context {
	return ctx
}

func (w *compressionSeen) HandleRPC(_ context.Context, s stats.RPCStats) {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch s := s.(type) {
	case *stats.InHeader:
		w.names = append(w.names, s.Compression)
	case *stats.InPayload:
		w.wire, w.decoded = append(w.wire, s.CompressedLength), append(w.decoded, s.Length)
	}
}

func (w *compressionSeen) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context {
	return ctx
}
func (w *compressionSeen) HandleConn(context.Context, stats.ConnStats) {}

// TestRequestCompression: each setting reaches the server as the request's
// grpc-encoding, with every event, and the compressed ones much smaller.
func TestRequestCompression(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want string // grpc-encoding; "" for none
	}{
		{"default", Config{}, "zstd"},
		{"zstd", Config{Compression: "zstd"}, "zstd"},
		{"gzip", Config{Compression: "gzip"}, "gzip"},
		{"none", Config{Compression: "none"}, ""},
		{"DisableCompression", Config{DisableCompression: true, Compression: "gzip"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seen := &compressionSeen{}
			srv := startServer(t, nil, grpc.StatsHandler(seen))
			cfg := tc.cfg
			cfg.Endpoint = srv.addr
			c := newTestClient(t, cfg)
			logOrders(t, c, 200)
			if n := len(srv.events()); n != 200 {
				t.Fatalf("server got %d events, want 200", n)
			}
			seen.mu.Lock()
			defer seen.mu.Unlock()
			if len(seen.names) == 0 || len(seen.wire) == 0 {
				t.Fatal("the stats handler saw no request")
			}
			for _, got := range seen.names {
				if got != tc.want {
					t.Fatalf("grpc-encoding %q, want %q", got, tc.want)
				}
			}
			compressed := seen.wire[0] < seen.decoded[0]/2
			if compressed != (tc.want != "") {
				t.Fatalf("wire %d bytes for %d decoded: compressed %v, want %v", seen.wire[0], seen.decoded[0], compressed, tc.want != "")
			}
		})
	}
	// The compressors live on the client's connection: nothing registered
	// process-wide (zstdServerOption is per server, for the same reason).
	if encoding.GetCompressor("zstd") != nil {
		t.Fatal(`a "zstd" compressor is registered process-wide`)
	}
}

func TestUnknownCompressionRefused(t *testing.T) {
	_, err := New(Config{Endpoint: "127.0.0.1:1", Compression: "lz4"})
	if err == nil || !strings.Contains(err.Error(), `"lz4"`) || !strings.Contains(err.Error(), "zstd") {
		t.Fatalf("New with Compression lz4: %v, want an error naming it and the choices", err)
	}
}

// BenchmarkCompressBatch compresses a 256-event batch (as the worker encodes
// it) with each of the SDK's compressors, into grpc's message writer as a
// request does ("compress"), and inflates it as the collector does
// ("inflate": klauspost's zstd and gzip readers, which the collector's
// decompressors use). MB/s is of uncompressed bytes.
func BenchmarkCompressBatch(b *testing.B) {
	raw := typicalBatch(b, 256)
	for _, cp := range sdkCompressors {
		var wire []byte
		b.Run(cp.name+"/compress", func(b *testing.B) { wire = benchmarkCompress(b, cp.c, raw, 256) })
		b.Run(cp.name+"/inflate", func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				out, err := cp.inflate(wire)
				if err != nil || len(out) != len(raw) {
					b.Fatal("inflate:", err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*256), "ns/event")
		})
	}
}

// logOrders logs n order events on c and flushes it.
func logOrders(t *testing.T, c *Client, n int) {
	t.Helper()
	for i := range n {
		c.Info("order placed", String("order.id", fmt.Sprintf("A-%d", i)), Int("items", i%7), Bool("gift", i%5 == 0))
	}
	flush(t, c)
}

// benchmarkCompress runs c on raw (a batch of events) into grpc's message
// writer (mem.NewWriter, which copies every Write), as a request does, and
// returns the last output. MB/s is of uncompressed bytes.
func benchmarkCompress(b *testing.B, c interface{ Do(io.Writer, []byte) error }, raw []byte, events int) []byte {
	var wire []byte
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		var bufs mem.BufferSlice
		if err := c.Do(mem.NewWriter(&bufs, mem.DefaultBufferPool()), raw); err != nil {
			b.Fatal(err)
		}
		wire = bufs.Materialize()
		bufs.Free()
	}
	b.ReportMetric(float64(len(wire)), "wire-bytes")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*events), "ns/event")
	return wire
}
