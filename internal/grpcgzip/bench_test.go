package grpcgzip

import (
	"math"
	"testing"

	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
)

// compressors are measured side by side in each benchmark.
var compressors = []struct {
	name string
	c    func() encoding.Compressor
}{
	{"grpc", func() encoding.Compressor { return grpcGzip }},
	{"grpcgzip", ours},
}

// BenchmarkDecompress is what the server pays per request: a 256-event batch
// gzipped by the SDK (level 1), received as frame-sized pooled buffers and
// decompressed the way grpc does it (decompress in gzip_test.go). MB/s is of
// decompressed bytes.
func BenchmarkDecompress(b *testing.B) {
	const events = 256
	raw := realisticBatch(b, events)
	var sdkLevel = newCompressor(1) // what the SDK sends
	compressed := compress(b, sdkLevel, raw)
	b.Logf("batch: %d bytes, %d gzipped (level 1)", len(raw), len(compressed))
	for _, c := range compressors {
		b.Run(c.name, func(b *testing.B) {
			comp := c.c()
			b.ReportAllocs()
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				out, err := decompress(comp, compressed, math.MaxInt32)
				if err != nil {
					b.Fatal(err)
				}
				if out.Len() != len(raw) {
					b.Fatal("short output")
				}
				out.Free()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*events), "ns/event")
		})
	}
}

// BenchmarkCompress is what a gzip response or a gzip gRPC client in the
// collector pays, at each compressor's default level. MB/s is of
// uncompressed bytes.
func BenchmarkCompress(b *testing.B) {
	raw := realisticBatch(b, 256)
	for _, c := range compressors {
		b.Run(c.name, func(b *testing.B) {
			comp := c.c()
			var out mem.BufferSlice
			b.ReportAllocs()
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				w, err := comp.Compress(mem.NewWriter(&out, mem.DefaultBufferPool()))
				if err != nil {
					b.Fatal(err)
				}
				if _, err := w.Write(raw); err != nil {
					b.Fatal(err)
				}
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(out.Len()), "wire-bytes")
				out.Free()
				out = out[:0]
			}
		})
	}
}
