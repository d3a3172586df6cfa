package grpcgzip

import (
	"bufio"
	"errors"
	"io"
	"sync"

	"github.com/klauspost/compress/gzip"
)

// Name is the content-coding this package decodes, the same as grpc's
// encoding/gzip.
const Name = "gzip"

// readBufferSize is the block in which compressed bytes are copied out of
// grpc's buffers: two HTTP/2 frames' worth.
const readBufferSize = 32 << 10

var errClosed = errors.New("grpcgzip: use of a closed gzip stream")

// inflaterPool decompresses gzip with pooled inflaters.
type inflaterPool struct {
	readers sync.Pool // *inflater
}

// inflater is the pooled state of one decompression.
type inflater struct {
	br *bufio.Reader
	zr gzip.Reader
}

// Decompress reads the gzip header from r and returns a reader of the
// decompressed bytes. It inflates lazily, so a caller that stops reading
// (grpc does, one byte past the largest message it accepts) never inflates
// more than it asked for. The reader returns its pooled state after its first
// error (io.EOF included) or on Close, whichever comes first.
func (c *inflaterPool) Decompress(r io.Reader) (io.Reader, error) {
	in, ok := c.readers.Get().(*inflater)
	if ok {
		in.br.Reset(r)
	} else {
		in = &inflater{br: bufio.NewReaderSize(r, readBufferSize)}
	}
	if err := in.zr.Reset(in.br); err != nil {
		c.putInflater(in)
		return nil, err
	}
	in.zr.Multistream(false) // see nextMember
	return &reader{in: in, c: c}, nil
}

// nextMember starts the next gzip member after one ended, if the input goes
// on (a multistream input, which compress/gzip accepts too). It is done here
// rather than by klauspost's Reader in multistream mode because that Reader
// takes an input cut inside a later member's file name or comment for a
// clean end (its header parser returns io.EOF there) where compress/gzip
// reports io.ErrUnexpectedEOF.
func (in *inflater) nextMember() error {
	if _, err := in.br.Peek(1); err != nil {
		return err // io.EOF: the input ends after a complete member
	}
	if err := in.zr.Reset(in.br); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	in.zr.Multistream(false)
	return nil
}

func (c *inflaterPool) putInflater(in *inflater) {
	in.br.Reset(nil) // drop the reference to grpc's buffers
	c.readers.Put(in)
}

// reader is the handle of one decompression; like any io.Reader it is not
// safe for concurrent use.
type reader struct {
	in  *inflater
	c   *inflaterPool
	err error // returned by every Read once in is released
}

func (r *reader) Read(p []byte) (int, error) {
	if r.in == nil {
		return 0, r.err
	}
	for {
		n, err := r.in.zr.Read(p)
		if err == io.EOF {
			if err = r.in.nextMember(); err == nil && n == 0 {
				continue
			}
		}
		if err != nil {
			r.release(err)
		}
		return n, err
	}
}

// Close returns the pooled state; grpc calls it as soon as it is done with a
// message, including when it stops reading at max_recv_msg_size.
func (r *reader) Close() error {
	r.release(errClosed)
	return nil
}

func (r *reader) release(err error) {
	if r.in == nil {
		return
	}
	r.c.putInflater(r.in)
	r.in, r.err = nil, err
}
