package aires

import (
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/zstd"
	"google.golang.org/grpc"
)

// The request compressions Config.Compression names.
const (
	CompressionZstd = "zstd"
	CompressionGzip = "gzip"
	CompressionNone = "none"
)

// DefaultCompression is Config.Compression's default.
const DefaultCompression = CompressionZstd

// compressorOption is the dial option for cfg's compression, set on the
// client's own connection (grpc.WithCompressor): nothing is registered
// process-wide, so the application's other gRPC clients and servers keep
// their own. nil when requests go uncompressed.
func compressorOption(cfg *Config) (grpc.DialOption, error) {
	var c grpc.Compressor //lint:ignore SA1019 see below
	switch cfg.compression() {
	case CompressionZstd:
		c = &zstdCompressor{}
	case CompressionGzip:
		c = &gzipCompressor{}
	case CompressionNone:
		return nil, nil
	default:
		return nil, fmt.Errorf("aires: Config.Compression is %q: use %q (the default), %q or %q",
			cfg.Compression, CompressionZstd, CompressionGzip, CompressionNone)
	}
	//lint:ignore SA1019 the only per-connection compressor grpc offers; supported throughout grpc 1.x
	return grpc.WithCompressor(c), nil
}

// compression is the compression cfg asks for: DisableCompression, kept
// from before Compression, means none.
func (c *Config) compression() string {
	if c.DisableCompression {
		return CompressionNone
	}
	if c.Compression == "" {
		return DefaultCompression
	}
	return c.Compression
}

// zstdCompressor compresses requests with zstd at its fastest level
// (klauspost/compress), each in one frame of the request's exact size: fewer
// bytes than gzip at BestSpeed, and cheaper for the collector to inflate
// (DESIGN.md, BenchmarkCompressBatch). The collector's "zstd" decompressor
// is the OpenTelemetry Collector's own (configgrpc registers it).
type zstdCompressor struct {
	once sync.Once
	enc  *zstd.Encoder
	err  error
	// outs are output buffers, handed to grpc in one Write each.
	outs sync.Pool // *[]byte
}

// zstdWindow bounds the encoder's window, and so its memory: a request is
// at most a few MiB (the receiver's max_recv_msg_size_mib), and events
// repeat within a batch, not across megabytes.
const zstdWindow = 1 << 20

func (c *zstdCompressor) encoder() (*zstd.Encoder, error) {
	c.once.Do(func() {
		// One encoder per client: batches in flight at once share it
		// (EncodeAll waits for the encoder when two meet; compressing
		// takes a small part of a batch's round trip).
		c.enc, c.err = zstd.NewWriter(nil,
			zstd.WithEncoderLevel(zstd.SpeedFastest),
			zstd.WithEncoderConcurrency(1),
			zstd.WithWindowSize(zstdWindow),
			zstd.WithLowerEncoderMem(true))
	})
	return c.enc, c.err
}

func (c *zstdCompressor) Do(w io.Writer, p []byte) error {
	enc, err := c.encoder()
	if err != nil {
		return err
	}
	out, _ := c.outs.Get().(*[]byte)
	if out == nil {
		out = new([]byte)
	}
	*out = enc.EncodeAll(p, (*out)[:0])
	_, err = w.Write(*out)
	if cap(*out) <= maxPooledOut {
		c.outs.Put(out)
	}
	return err
}

func (*zstdCompressor) Type() string { return CompressionZstd }
