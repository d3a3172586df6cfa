package grpcgzip

import (
	"bytes"
	"io"
	"sync"

	"google.golang.org/grpc"
)

// defaultMaxRecvMsgSize is grpc's own limit when a server sets none.
const defaultMaxRecvMsgSize = 4 << 20

// ServerOption makes one gRPC server decompress "gzip" requests with this
// package's inflater. maxRecvMsgSize is the server's max_recv_msg_size in
// bytes (0: grpc's default, 4 MiB): no request is inflated past one byte more
// than that, and grpc then refuses it with RESOURCE_EXHAUSTED.
//
// grpc's process-wide "gzip" registration stays grpc's own: every other
// server and client in the process (the OTLP receiver and exporter among
// them) keeps the stock implementation. The option is grpc's
// RPCDecompressor, deprecated in favour of the process-wide registry yet
// supported throughout grpc 1.x, and the only per-server hook grpc has.
func ServerOption(maxRecvMsgSize int) grpc.ServerOption {
	if maxRecvMsgSize <= 0 {
		maxRecvMsgSize = defaultMaxRecvMsgSize
	}
	//lint:ignore SA1019 the per-server decompressor is the point: see above.
	return grpc.RPCDecompressor(&serverDecompressor{c: shared, max: maxRecvMsgSize})
}

// shared is the one pool of inflaters the servers of the process use.
var shared = new(inflaterPool)

// serverDecompressor implements grpc's Decompressor: it inflates a whole
// request into a slice of its exact size, which grpc hands on as a
// mem.SliceBuffer that nothing recycles, so a codec may keep it.
type serverDecompressor struct {
	c   *inflaterPool
	max int
}

// scratch holds a request while it is inflated, before its exact-size copy.
var scratch = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledScratch keeps an occasional huge request from pinning its buffer.
const maxPooledScratch = 8 << 20

func (d *serverDecompressor) Do(r io.Reader) ([]byte, error) {
	dr, err := d.c.Decompress(r)
	if err != nil {
		return nil, err
	}
	defer dr.(io.Closer).Close()
	buf := scratch.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledScratch {
			buf.Reset()
			scratch.Put(buf)
		}
	}()
	// One byte past the limit is enough for grpc to refuse the request.
	if _, err := buf.ReadFrom(io.LimitReader(dr, int64(d.max)+1)); err != nil {
		return nil, err
	}
	return bytes.Clone(buf.Bytes()), nil
}

func (d *serverDecompressor) Type() string { return Name }
