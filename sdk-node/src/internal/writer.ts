// A protobuf wire-format writer over one reusable Buffer: the batcher writes
// each EventBatch into it without intermediate message objects.

export const WT_VARINT = 0, WT_FIXED64 = 1, WT_BYTES = 2;

function varintSize(n: number): number {
  let s = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    s++;
  }
  return s;
}

export class Writer {
  buf: Buffer;
  pos = 0;

  constructor(size = 64 << 10) {
    this.buf = Buffer.allocUnsafe(size);
  }

  reset(): void {
    this.pos = 0;
  }

  /** The bytes written so far (a view: valid until the next reset). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const b = Buffer.allocUnsafe(size);
    this.buf.copy(b, 0, 0, this.pos);
    this.buf = b;
  }

  /** A tag of a field below 16 (every field of aires.proto): one byte. */
  tag(field: number, wt: number): void {
    this.ensure(11);
    this.buf[this.pos++] = (field << 3) | wt;
  }

  /** An unsigned varint of a non-negative safe integer. */
  uvarint(n: number): void {
    this.ensure(10);
    const b = this.buf;
    let p = this.pos;
    while (n >= 128) {
      b[p++] = (n % 128) | 128;
      n = Math.floor(n / 128);
    }
    b[p++] = n;
    this.pos = p;
  }

  /** A 64-bit varint given as low and high 32-bit words (two's complement). */
  varint64(lo: number, hi: number): void {
    this.ensure(10);
    const b = this.buf;
    let p = this.pos;
    lo >>>= 0;
    hi >>>= 0;
    while (hi !== 0 || lo >= 128) {
      b[p++] = (lo & 127) | 128;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    b[p++] = lo;
    this.pos = p;
  }

  /** An int64 varint of a safe integer (negative: ten bytes, as protobuf). */
  int(n: number): void {
    if (n >= 0) this.uvarint(n);
    else this.varint64(n >>> 0, Math.floor(n / 4294967296) >>> 0);
  }

  bigint(v: bigint): void {
    this.varint64(Number(v & 0xffffffffn), Number((v >> 32n) & 0xffffffffn));
  }

  double(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  fixed64(v: bigint): void {
    this.ensure(8);
    this.buf.writeBigUInt64LE(BigInt.asUintN(64, v), this.pos);
    this.pos += 8;
  }

  rawBytes(b: Uint8Array): void {
    this.ensure(b.length + 10);
    this.uvarint(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /**
   * A length-prefixed string of at most limit bytes of UTF-8, cut on a
   * character boundary. Lone surrogates become U+FFFD (proto3 strings must be
   * valid UTF-8), as the Go SDK repairs invalid UTF-8.
   */
  str(s: string, limit: number): void {
    const n = s.length;
    if (n < 128 && n <= limit) {
      // Short strings: ASCII by hand, which beats a native call.
      this.ensure(n + 1);
      const b = this.buf;
      const start = this.pos + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 128) break;
        b[start + i] = c;
      }
      if (i === n) {
        b[this.pos] = n;
        this.pos = start + n;
        return;
      }
    }
    // Slicing to limit UTF-16 units never drops a byte that fits: each unit
    // gives at least one byte.
    if (n > limit) s = s.slice(0, limit);
    const max = Math.min(s.length * 3, limit);
    const reserve = varintSize(max);
    this.ensure(max + reserve);
    const start = this.pos + reserve;
    // Buffer.write writes whole characters only: the cut is on a boundary.
    const len = this.buf.write(s, start, max, "utf8");
    this.finish(start, len, reserve);
  }

  /** Begins a nested message; returns the position to pass to end(). */
  begin(field: number, reserve = 1): number {
    this.tag(field, WT_BYTES);
    this.ensure(reserve);
    this.pos += reserve;
    return this.pos;
  }

  end(start: number, reserve = 1): void {
    this.finish(start, this.pos - start, reserve);
  }

  /** Writes len's varint in the reserve bytes before start, moving the content when the size differs. */
  private finish(start: number, len: number, reserve: number): void {
    const size = varintSize(len);
    const at = start - reserve;
    if (size !== reserve) {
      this.ensure(size - reserve);
      this.buf.copyWithin(at + size, start, start + len);
    }
    let p = at;
    let n = len;
    const b = this.buf;
    while (n >= 128) {
      b[p++] = (n % 128) | 128;
      n = Math.floor(n / 128);
    }
    b[p] = n;
    this.pos = at + size + len;
  }
}
