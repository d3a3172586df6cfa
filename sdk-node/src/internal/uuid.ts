import { randomBytes } from "node:crypto";

// UUID v7 (RFC 9562), written straight into the encoder's buffer:
//
//   48 bits  Unix milliseconds
//    4 bits  version 7
//   12 bits  sub-millisecond fraction (RFC 9562 §6.2 method 3, so ids of one
//            process sort by time to ~250 ns), as the Go SDK
//    2 bits  variant 10
//   30 bits  per-process random seed
//   32 bits  per-process counter started at a random value
//
// The Go SDK hashes seed+counter (splitmix64); 64-bit multiplication is costly
// in JavaScript, and RFC 9562 allows a counter: the seed keeps processes apart,
// the counter keeps the ids of one process unique.

const seed = randomBytes(8);
const seedHi = ((seed.readUInt32BE(0) & 0x3fffffff) | 0x80000000) >>> 0;
let counter = seed.readUInt32BE(4);

/** Writes the 16 bytes of a UUID v7 for Unix time ms + subMs nanoseconds at buf[pos]. */
export function writeUUIDv7(buf: Buffer, pos: number, ms: number, subMsNs: number): void {
  const frac = Math.floor((subMsNs * 4096) / 1e6) & 0x0fff;
  // 48-bit milliseconds: high 16 and low 32 bits.
  buf.writeUInt16BE(Math.floor(ms / 0x100000000) & 0xffff, pos);
  buf.writeUInt32BE(ms >>> 0, pos + 2);
  buf.writeUInt16BE(0x7000 | frac, pos + 6);
  buf.writeUInt32BE(seedHi, pos + 8);
  counter = (counter + 1) >>> 0;
  buf.writeUInt32BE(counter, pos + 12);
}
