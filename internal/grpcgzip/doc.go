// Package grpcgzip decompresses "gzip" gRPC requests with
// github.com/klauspost/compress/gzip instead of grpc's encoding/gzip, for
// one server at a time:
//
//	srv := grpc.NewServer(grpc.MaxRecvMsgSize(max), grpcgzip.ServerOption(max))
//
// The aires receiver passes it to its own gRPC server. Nothing is registered
// process-wide: grpc's "gzip" stays grpc's for every other server and client
// in the collector (the OTLP receiver and exporter among them), so importing
// the aires receiver into a distribution changes no other component.
//
// # Why
//
// grpc's own compressor hands the received message (a mem.Reader, which has a
// ReadByte method) straight to compress/gzip, so the inflater pulls every
// compressed byte through that method call, and decompression was a large
// share of the receiver's CPU. Here the inflater reads from a pooled
// bufio.Reader that copies the message out of grpc's buffers in large blocks,
// and klauspost's inflater has a fast path for *bufio.Reader.
// BenchmarkDecompress compares the two; the receiver's README has the figures
// and where they were measured.
//
// # What stays the same
//
//   - The wire format: RFC 1952 gzip under the content-coding "gzip";
//     multistream input is accepted, as compress/gzip does. FuzzDecompress
//     holds the output to compress/gzip's. One difference: a header with a
//     reserved flag bit set is refused (RFC 1952 2.3.1.2), where
//     compress/gzip accepts it.
//   - The limit on decompressed size: nothing is inflated past one byte more
//     than the server's max_recv_msg_size, so a small "zip bomb" never
//     expands in memory, and grpc fails the RPC with RESOURCE_EXHAUSTED;
//     corrupt input fails it with INTERNAL, as with grpc's gzip.
//
// The per-server hook is grpc's RPCDecompressor option, deprecated in favour
// of the process-wide registry but supported throughout grpc 1.x. Its
// decompressor returns the whole request as one slice that grpc never
// recycles, which the receiver's codec then keeps without a copy.
package grpcgzip // import "github.com/aires-dev/aires/internal/grpcgzip"
