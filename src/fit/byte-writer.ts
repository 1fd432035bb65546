/** A growable byte buffer for the FIT rewrite pass (repair.ts). */
export class ByteWriter {
  buf: Uint8Array;
  length = 0;
  constructor(capacity: number) {
    this.buf = new Uint8Array(Math.max(64, capacity));
  }
  private ensure(extra: number): void {
    if (this.length + extra <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + extra));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  write(src: Uint8Array, from = 0, to = src.length): void {
    this.ensure(to - from);
    this.buf.set(src.subarray(from, to), this.length);
    this.length += to - from;
  }
  byte(v: number): void {
    this.ensure(1);
    this.buf[this.length++] = v;
  }
  u32(v: number, littleEndian: boolean): void {
    this.ensure(4);
    new DataView(this.buf.buffer, this.buf.byteOffset + this.length, 4).setUint32(0, v, littleEndian);
    this.length += 4;
  }
}
