package grpcgzip

import (
	"bytes"
	stdgzip "compress/gzip"
	"errors"
	"io"
	"testing"

	kgzip "github.com/klauspost/compress/gzip"
)

// FuzzDecompress feeds arbitrary bytes to the decompressor, as a client can,
// and checks it against compress/gzip (what grpc's own gzip uses): the same
// inputs are accepted, with the same output. Output is capped so that
// highly compressed inputs stay cheap.
func FuzzDecompress(f *testing.F) {
	batch := realisticBatch(f, 8)
	f.Add(compress(f, grpcGzip, batch))
	f.Add(gzipLevel(f, 1, batch))
	f.Add(gzipLevel(f, 1, nil))
	f.Add(append(compress(f, grpcGzip, []byte("a")), compress(f, grpcGzip, []byte("b"))...))
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff})
	f.Add([]byte{})

	const maxOut = 1 << 20
	f.Fuzz(func(t *testing.T, in []byte) {
		got, err := decompress(ours(), in, maxOut)
		var ours []byte
		if err == nil {
			ours = got.Materialize()
			got.Free()
		}

		var want []byte
		zr, refErr := stdgzip.NewReader(bytes.NewReader(in))
		if refErr == nil {
			want, refErr = io.ReadAll(io.LimitReader(zr, maxOut+1))
			if refErr == nil && len(want) > maxOut {
				refErr = errTooLarge
			}
		}

		switch {
		case err != nil && refErr == nil && errors.Is(err, kgzip.ErrHeader) && reservedFlags(in):
			// RFC 1952 2.3.1.2: reserved FLG bits must be zero. klauspost
			// checks, compress/gzip does not.
		case (err == nil) != (refErr == nil):
			t.Fatalf("ours: %v, compress/gzip: %v", err, refErr)
		case err == nil && !bytes.Equal(ours, want):
			t.Fatalf("ours inflated %d bytes, compress/gzip %d", len(ours), len(want))
		}
	})
}

// reservedFlags tells whether in holds what could be a gzip member header
// with reserved FLG bits set.
func reservedFlags(in []byte) bool {
	for i := 0; i+3 < len(in); i++ {
		if in[i] == 0x1f && in[i+1] == 0x8b && in[i+2] == 8 && in[i+3]&0xe0 != 0 {
			return true
		}
	}
	return false
}
