package airesreceiver // import "github.com/aires-dev/aires/receiver/airesreceiver"

import (
	"context"
	"fmt"
	"strings"
	"unsafe"

	"google.golang.org/grpc"
	"google.golang.org/grpc/encoding"
	grpcproto "google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"

	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
)

// rawBatch is the request type of the receiver's own service handlers: the
// encoded EventBatch as it arrived, so that decoding can be lenient (see
// decodeConvert). The generated handlers would reject a whole batch for one
// event with an invalid UTF-8 string.
//
// data is the receiver's own copy of the request (gRPC recycles its
// buffers): the log records made from it alias its bytes instead of copying
// every string, so it is never modified and never returned to a pool.
type rawBatch struct {
	data []byte
}

// bytes returns the encoded batch.
func (r *rawBatch) bytes() []byte { return r.data }

// release drops the handler's reference to the request; log records still
// referring to it keep it alive.
func (r *rawBatch) release() { r.data = nil }

// rawCodec is forced on the receiver's own gRPC server only: it hands
// *rawBatch requests their bytes untouched and delegates every other message
// (responses) to gRPC's proto codec. Its name is "proto" so clients see the
// usual content type.
type rawCodec struct {
	proto encoding.CodecV2
}

func newRawCodec() rawCodec {
	return rawCodec{proto: encoding.GetCodecV2(grpcproto.Name)}
}

func (c rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	return c.proto.Marshal(v)
}

func (c rawCodec) Unmarshal(data mem.BufferSlice, v any) error {
	if rb, ok := v.(*rawBatch); ok {
		// A request inflated by grpcgzip's server decompressor arrives as
		// one mem.SliceBuffer: memory gRPC never recycles (its Free does
		// nothing), so it is kept as it is.
		if len(data) == 1 {
			if sb, ok := data[0].(mem.SliceBuffer); ok {
				rb.data = sb
				return nil
			}
		}
		// Otherwise gRPC frees data when Unmarshal returns: copy it, once
		// per request, into memory the receiver owns (see rawBatch). Never
		// keep data or one of its pooled buffers (MaterializeToBuffer,
		// ReadOnlyData): the log records alias rb.data
		// (TestRawCodecOwnsTheRequest).
		rb.data = ownedCopy(data)
		return nil
	}
	return c.proto.Unmarshal(data, v)
}

func (rawCodec) Name() string { return grpcproto.Name }

// ownedCopy is data copied into one new slice of its length, as
// data.Materialize, but without zeroing the slice first: make clears a large
// allocation before the copy overwrites it, a second pass over every byte of
// the request (a tenth of decoding a batch of 2 KB messages). A
// strings.Builder grows without clearing. The bytes are read, never written
// (see rawBatch).
func ownedCopy(data mem.BufferSlice) []byte {
	n := data.Len()
	if n == 0 {
		return nil
	}
	var b strings.Builder
	b.Grow(n)
	for _, buf := range data {
		b.Write(buf.ReadOnlyData())
	}
	s := b.String()
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// ingestServer is what the service descriptor dispatches to.
type ingestServer interface {
	ingest(ctx context.Context, req *rawBatch) (*airesv1.IngestResponse, error)
	ingestStream(stream grpc.ServerStream) error
}

// ingestServiceDesc serves aires.v1.IngestService with the same full method
// names as the generated airesv1.IngestService_ServiceDesc, but with handlers
// that receive the raw request bytes.
var ingestServiceDesc = grpc.ServiceDesc{
	ServiceName: airesv1.IngestService_ServiceDesc.ServiceName,
	HandlerType: (*ingestServer)(nil),
	Methods: []grpc.MethodDesc{{
		MethodName: "Ingest",
		Handler:    ingestHandler,
	}},
	Streams: []grpc.StreamDesc{{
		StreamName:    "IngestStream",
		Handler:       ingestStreamHandler,
		ServerStreams: true,
		ClientStreams: true,
	}},
	Metadata: airesv1.IngestService_ServiceDesc.Metadata,
}

func ingestHandler(srv any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
	in := new(rawBatch)
	if err := dec(in); err != nil {
		return nil, err
	}
	if interceptor == nil {
		return srv.(ingestServer).ingest(ctx, in)
	}
	info := &grpc.UnaryServerInfo{
		Server:     srv,
		FullMethod: airesv1.IngestService_Ingest_FullMethodName,
	}
	handler := func(ctx context.Context, req any) (any, error) {
		rb, ok := req.(*rawBatch)
		if !ok {
			// Only an interceptor that replaces the request can get here.
			return nil, fmt.Errorf("aires receiver: unexpected request type %T", req)
		}
		return srv.(ingestServer).ingest(ctx, rb)
	}
	return interceptor(ctx, in, info, handler)
}

func ingestStreamHandler(srv any, stream grpc.ServerStream) error {
	return srv.(ingestServer).ingestStream(stream)
}
