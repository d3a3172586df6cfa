package aires

import (
	"bytes"
	"io"
	"sync"

	"github.com/klauspost/compress/gzip"
)

// gzipCompressor gzips requests at BestSpeed with klauspost/compress on the
// client's own connection (grpc.WithCompressor): standard gzip that any gRPC
// server accepts, and nothing registered process-wide, so the application's
// other gRPC clients and servers keep grpc's "gzip". On a batch of 256
// typical events it takes about 2.7x less CPU than grpc's
// NewGZIPCompressorWithLevel(BestSpeed) (compress/gzip), for output of the
// same size within 0.5% (BenchmarkGzipBatch).
type gzipCompressor struct {
	writers sync.Pool // *gzipWriter
}

// gzipWriter compresses into its own reused buffer, handed to grpc in one
// Write: the compressor flushes every few hundred bytes, and grpc's message
// writer copies each Write into a buffer of its own (small ones freshly
// allocated), so writing straight to it cost a hundred allocations per batch.
type gzipWriter struct {
	z   *gzip.Writer
	out bytes.Buffer
}

// maxPooledOut is the largest output buffer a compressor keeps for the next
// batch (gzip and zstd alike); a
// rare huge batch of incompressible data does not pin its buffer forever.
const maxPooledOut = 4 << 20

func (c *gzipCompressor) Do(w io.Writer, p []byte) error {
	g, ok := c.writers.Get().(*gzipWriter)
	if ok {
		g.out.Reset()
		g.z.Reset(&g.out)
	} else {
		g = &gzipWriter{}
		var err error
		if g.z, err = gzip.NewWriterLevel(&g.out, gzip.BestSpeed); err != nil {
			return err
		}
	}
	defer func() {
		if g.out.Cap() <= maxPooledOut {
			c.writers.Put(g)
		}
	}()
	if _, err := g.z.Write(p); err != nil {
		return err
	}
	if err := g.z.Close(); err != nil {
		return err
	}
	_, err := w.Write(g.out.Bytes())
	return err
}

func (*gzipCompressor) Type() string { return "gzip" }
