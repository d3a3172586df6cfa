package grpcgzip

import (
	"math"
	"testing"
)

// BenchmarkDecompress is what the aires receiver pays per request to have a
// 256-event batch gzipped by the SDK (level 1) as one slice it owns: through
// grpc's registered gzip and the receiver codec's copy out of grpc's pooled
// buffers ("grpc"), through this package's inflater the same way
// ("grpcgzip-registry", how it was used while registered process-wide), and
// through ServerOption's decompressor, whose slice the codec keeps
// ("grpcgzip-server-option"). MB/s is of decompressed bytes.
func BenchmarkDecompress(b *testing.B) {
	const events = 256
	raw := realisticBatch(b, events)
	compressed := gzipLevel(b, 1, raw) // what the SDK sends
	b.Logf("batch: %d bytes, %d gzipped (level 1)", len(raw), len(compressed))
	viaRegistry := func(c decompressor) func() ([]byte, error) {
		return func() ([]byte, error) {
			out, err := decompress(c, compressed, math.MaxInt32)
			if err != nil {
				return nil, err
			}
			defer out.Free()
			return out.Materialize(), nil
		}
	}
	server := &serverDecompressor{c: shared, max: math.MaxInt32}
	cases := []struct {
		name string
		run  func() ([]byte, error)
	}{
		{"grpc", viaRegistry(grpcGzip)},
		{"grpcgzip-registry", viaRegistry(ours())},
		{"grpcgzip-server-option", func() ([]byte, error) { return server.Do(asReceived(compressed)) }},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				out, err := c.run()
				if err != nil {
					b.Fatal(err)
				}
				if len(out) != len(raw) {
					b.Fatal("short output")
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*events), "ns/event")
		})
	}
}
