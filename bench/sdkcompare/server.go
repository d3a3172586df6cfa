package sdkcompare

import (
	"context"
	"net"
	"sync/atomic"

	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
)

// DiscardServer is an in-process Aires ingest endpoint on a loopback
// listener that counts request bytes and discards them without decoding
// (it still decompresses, as any server must), so benchmarks measure the
// SDK, not the server's protobuf decoding.
type DiscardServer struct {
	Addr     string
	Requests atomic.Uint64
	Bytes    atomic.Uint64
	srv      *grpc.Server
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
	s.srv = grpc.NewServer(grpc.ForceServerCodec(discardCodec{})) //nolint:staticcheck // raw bytes on purpose
	s.srv.RegisterService(&grpc.ServiceDesc{
		ServiceName: "aires.v1.IngestService",
		HandlerType: (*any)(nil),
		Methods: []grpc.MethodDesc{{
			MethodName: "Ingest",
			Handler: func(_ any, _ context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
				var f rawFrame
				if err := dec(&f); err != nil {
					return nil, err
				}
				s.Requests.Add(1)
				s.Bytes.Add(uint64(f.n))
				return &airesv1.IngestResponse{}, nil
			},
		}},
	}, struct{}{})
	go func() { _ = s.srv.Serve(lis) }()
	return s, nil
}

// Stop stops the server.
func (s *DiscardServer) Stop() { s.srv.Stop() }
