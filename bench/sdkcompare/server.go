package sdkcompare

import (
	"context"
	"io"
	"net"
	"sync/atomic"

	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
	"github.com/klauspost/compress/zstd"
	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/stats"
	"google.golang.org/protobuf/proto"
)

// DiscardServer is an in-process ingest endpoint on a loopback listener for
// both the Aires protocol (aires.v1.IngestService) and OTLP/gRPC logs
// (LogsService). It counts requests and bytes and discards them without
// decoding (it still decompresses, as any server must), so benchmarks
// measure the client, not the server's protobuf decoding.
type DiscardServer struct {
	Addr     string
	Requests atomic.Uint64
	// Bytes are the requests' uncompressed protobuf bytes, WireBytes what
	// crossed the connection (compressed, with gRPC's message headers).
	Bytes     atomic.Uint64
	WireBytes atomic.Uint64
	srv       *grpc.Server
}

// rawFrame receives a request's bytes untouched.
type rawFrame struct{ n int }

type discardCodec struct{}

func (discardCodec) Name() string { return "proto" }

func (discardCodec) Marshal(v any) ([]byte, error) { return proto.Marshal(v.(proto.Message)) }

func (discardCodec) Unmarshal(data []byte, v any) error {
	if f, ok := v.(*rawFrame); ok {
		f.n = len(data)
		return nil
	}
	return proto.Unmarshal(data, v.(proto.Message))
}

// StartDiscardServer starts the server; Stop it when done.
func StartDiscardServer() (*DiscardServer, error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &DiscardServer{Addr: lis.Addr().String()}
	// zstd (the Aires SDK's default) as the collector takes it, on this
	// server only; gzip through grpc's registered decompressor.
	//lint:ignore SA1019 a per-server decompressor: nothing registered process-wide
	zstdOption := grpc.RPCDecompressor(zstdDecompressor{})
	s.srv = grpc.NewServer(grpc.ForceServerCodec(discardCodec{}), //nolint:staticcheck // raw bytes on purpose
		grpc.StatsHandler(wireCounter{s}), zstdOption)
	s.register("aires.v1.IngestService", "Ingest", func() proto.Message { return &airesv1.IngestResponse{} })
	s.register("opentelemetry.proto.collector.logs.v1.LogsService", "Export",
		func() proto.Message { return &collogspb.ExportLogsServiceResponse{} })
	go func() { _ = s.srv.Serve(lis) }()
	return s, nil
}

// register adds a unary method that counts and discards its request and
// answers with an empty response (full success in both protocols).
func (s *DiscardServer) register(service, method string, resp func() proto.Message) {
	s.srv.RegisterService(&grpc.ServiceDesc{
		ServiceName: service,
		HandlerType: (*any)(nil),
		Methods: []grpc.MethodDesc{{
			MethodName: method,
			Handler: func(_ any, _ context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
				var f rawFrame
				if err := dec(&f); err != nil {
					return nil, err
				}
				s.Requests.Add(1)
				s.Bytes.Add(uint64(f.n))
				return resp(), nil
			},
		}},
	}, struct{}{})
}

// Stop stops the server.
func (s *DiscardServer) Stop() { s.srv.Stop() }

// wireCounter adds the wire length of every received message to WireBytes.
type wireCounter struct{ s *DiscardServer }

func (wireCounter) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context { return ctx }
func (wireCounter) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context {
	return ctx
}
func (wireCounter) HandleConn(context.Context, stats.ConnStats) {}

func (w wireCounter) HandleRPC(_ context.Context, st stats.RPCStats) {
	if p, ok := st.(*stats.InPayload); ok {
		w.s.WireBytes.Add(uint64(p.WireLength))
	}
}

// zstdDecompressor inflates zstd requests with klauspost/compress, the
// implementation the OpenTelemetry Collector registers.
type zstdDecompressor struct{}

var zstdDecoder, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(0))

func (zstdDecompressor) Do(r io.Reader) ([]byte, error) {
	in, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return zstdDecoder.DecodeAll(in, nil)
}

func (zstdDecompressor) Type() string { return "zstd" }
