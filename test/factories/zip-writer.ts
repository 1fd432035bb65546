import { createWriteStream, type WriteStream } from 'node:fs';
import { crc32, deflateRawSync } from 'node:zlib';

/**
 * A minimal streaming zip writer (stored or deflated entries, no zip64) for building test archives
 * and the import benchmark's 2,000-file zip without holding the archive in memory. `declaredSize`
 * lets a test write a lying header (a size check the reader must enforce).
 */
export class ZipWriter {
  private readonly out: WriteStream;
  private offset = 0;
  private readonly central: Buffer[] = [];
  private count = 0;

  constructor(path: string) {
    this.out = createWriteStream(path);
  }

  private async write(b: Buffer): Promise<void> {
    this.offset += b.length;
    if (!this.out.write(b)) await new Promise<void>((r) => this.out.once('drain', () => r()));
  }

  async add(name: string, data: Buffer, o: { deflate?: boolean; declaredSize?: number } = {}): Promise<void> {
    const nameBytes = Buffer.from(name, 'utf8');
    const body = o.deflate === false ? data : deflateRawSync(data);
    const method = o.deflate === false ? 0 : 8;
    const crc = crc32(data);
    const size = o.declaredSize ?? data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const at = this.offset;
    await this.write(Buffer.concat([local, nameBytes]));
    await this.write(body);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(20, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(0x0800, 8);
    cd.writeUInt16LE(method, 10);
    cd.writeUInt32LE(crc, 16);
    cd.writeUInt32LE(body.length, 20);
    cd.writeUInt32LE(size, 24);
    cd.writeUInt16LE(nameBytes.length, 28);
    cd.writeUInt32LE(at, 42);
    this.central.push(Buffer.concat([cd, nameBytes]));
    this.count++;
  }

  async close(): Promise<void> {
    const start = this.offset;
    for (const c of this.central) await this.write(c);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(this.count, 8);
    end.writeUInt16LE(this.count, 10);
    end.writeUInt32LE(this.offset - start, 12);
    end.writeUInt32LE(start, 16);
    await this.write(end);
    await new Promise<void>((resolve, reject) => this.out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }
}

/** Write a zip of `entries` to `path`. */
export async function writeZip(path: string, entries: Array<{ name: string; data: Buffer; deflate?: boolean; declaredSize?: number }>): Promise<string> {
  const w = new ZipWriter(path);
  for (const e of entries) await w.add(e.name, e.data, e);
  await w.close();
  return path;
}
