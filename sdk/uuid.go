package aires

import (
	"crypto/rand"
	"encoding/binary"
	"sync/atomic"
)

// UUID v7 (RFC 9562) without a system call per id:
//
//	48 bits  unix milliseconds
//	 4 bits  version 7
//	12 bits  sub-millisecond fraction (RFC 9562 §6.2 method 3: more clock
//	         precision, so ids of one process sort by time to ~250 ns)
//	 2 bits  variant 10
//	62 bits  splitmix64(per-process random seed + counter)
//
// The seed comes from crypto/rand once per process; the counter makes ids of
// one process unique; the seed makes ids of different processes collide only
// by chance (2^-62 per pair of ids of the same 250 ns).
var (
	uuidSeed    uint64
	uuidCounter atomic.Uint64
)

func init() {
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails on supported platforms (Go 1.24+)
	uuidSeed = binary.LittleEndian.Uint64(b[:])
}

func newUUIDv7(unixNano int64) (id [16]byte) {
	ms := uint64(unixNano / 1e6)
	frac := uint64(unixNano%1e6) * 4096 / 1e6 // 12 bits
	hi := ms<<16 | 0x7000 | frac&0x0fff
	lo := splitmix64(uuidSeed + uuidCounter.Add(1)*0x9e3779b97f4a7c15)
	lo = lo&0x3fffffffffffffff | 0x8000000000000000
	binary.BigEndian.PutUint64(id[0:8], hi)
	binary.BigEndian.PutUint64(id[8:16], lo)
	return id
}

func splitmix64(x uint64) uint64 {
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}
