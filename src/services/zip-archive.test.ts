import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { writeZip } from '../../test/factories/zip-writer.js';
import {
  classifyZipEntry,
  DEFAULT_ZIP_LIMITS,
  isZipBytes,
  isZipFile,
  readZipEntries,
  ZipLimitError,
  ZipUnreadableError,
  type ArchiveEntry,
  type ZipLimits,
} from './zip-archive.js';

const dir = mkdtempSync(join(tmpdir(), 'stridesync-zip-'));
const sizes = { uncompressed: 1000, compressed: 500 };

async function all(path: string, maxEntryBytes?: number): Promise<ArchiveEntry[]> {
  const out: ArchiveEntry[] = [];
  for await (const e of readZipEntries(path, { maxEntryBytes })) out.push(e);
  return out;
}

describe('classifyZipEntry', () => {
  it('imports FIT and .fit.gz, skips GPX/TCX, nested archives, metadata and other files with a reason', () => {
    expect(classifyZipEntry('activities/123.fit', sizes).kind).toBe('fit');
    expect(classifyZipEntry('activities/123.FIT.GZ', sizes).kind).toBe('fit');
    expect(classifyZipEntry('activities/1.gpx', sizes)).toMatchObject({ kind: 'skipped', reason: expect.stringMatching(/^GPX is not imported/) });
    expect(classifyZipEntry('activities/1.tcx.gz', sizes)).toMatchObject({ kind: 'skipped', reason: expect.stringMatching(/^TCX/) });
    expect(classifyZipEntry('inner.zip', sizes)).toMatchObject({ kind: 'skipped', reason: 'nested archives are not opened' });
    expect(classifyZipEntry('__MACOSX/._a.fit', sizes).kind).toBe('skipped');
    expect(classifyZipEntry('profile.json', sizes)).toMatchObject({ kind: 'skipped', reason: 'not a FIT file' });
    expect(classifyZipEntry('activities/', sizes).kind).toBe('directory');
  });

  it('fails path tricks and oversize entries', () => {
    for (const bad of ['../etc/passwd.fit', '/abs/run.fit', 'a/../../run.fit', 'C:/run.fit', 'a\u0000.fit']) {
      expect(classifyZipEntry(bad, sizes)).toMatchObject({ kind: 'failed', code: 'zip_unsafe_path' });
    }
    expect(classifyZipEntry('big.fit', { uncompressed: 65 * 1024 * 1024, compressed: 70_000 })).toMatchObject({ kind: 'failed', code: 'zip_entry_too_large' });
  });
});

describe('readZipEntries', () => {
  it('detects a zip by its magic bytes, not its name', async () => {
    const p = await writeZip(join(dir, 'export.bin'), [{ name: 'a.fit', data: Buffer.from('x') }]);
    expect(await isZipFile(p)).toBe(true);
    writeFileSync(join(dir, 'fake.zip'), 'not a zip');
    expect(await isZipFile(join(dir, 'fake.zip'))).toBe(false);
    expect(isZipBytes(Buffer.from([0x2e, 0x46, 0x49, 0x54]))).toBe(false);
  });

  it('streams each entry with its verdict; one bad entry does not stop the others', async () => {
    const fit = Buffer.from('.FIT pretend bytes');
    const p = await writeZip(join(dir, 'mixed.zip'), [
      { name: 'activities/', data: Buffer.alloc(0), deflate: false },
      { name: 'activities/1.fit', data: fit },
      { name: 'activities/2.fit.gz', data: gzipSync(fit), deflate: false },
      { name: 'activities/3.gpx', data: Buffer.from('<gpx/>') },
      { name: '../../escape.fit', data: fit },
      { name: 'activities/4.fit', data: fit },
    ]);
    const entries = await all(p);
    expect(entries.map((e) => [e.name, e.kind])).toEqual([
      ['activities/1.fit', 'fit'],
      ['activities/2.fit.gz', 'fit'],
      ['activities/3.gpx', 'skipped'],
      ['../../escape.fit', 'failed'],
      ['activities/4.fit', 'fit'],
    ]);
    expect((entries[0] as { bytes: Buffer }).bytes.equals(fit)).toBe(true);
  });

  it('fails a zip-bomb entry (inflates past the cap) and a lying size header, and carries on', async () => {
    const p = await writeZip(join(dir, 'bomb.zip'), [
      { name: 'bomb.fit', data: Buffer.alloc(2 * 1024 * 1024) },
      { name: 'liar.fit', data: Buffer.alloc(300_000), declaredSize: 1000 },
      { name: 'ok.fit', data: Buffer.from('fine') },
    ]);
    const entries = await all(p, 1024 * 1024);
    expect(entries.map((e) => [e.name, e.kind, 'code' in e ? e.code : null])).toEqual([
      ['bomb.fit', 'failed', 'zip_entry_too_large'],
      ['liar.fit', 'failed', 'zip_entry_too_large'],
      ['ok.fit', 'fit', null],
    ]);
  });

  it('refuses an archive whose directory cannot be read', async () => {
    writeFileSync(join(dir, 'truncated.zip'), Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(40)]));
    await expect(all(join(dir, 'truncated.zip'))).rejects.toBeInstanceOf(ZipUnreadableError);
  });
});

describe('archive caps (ZIP_MAX_ENTRIES, ZIP_MAX_UNCOMPRESSED_BYTES, ZIP_MAX_RATIO)', () => {
  const limits = (o: Partial<ZipLimits>): ZipLimits => ({ ...DEFAULT_ZIP_LIMITS, ...o });
  async function read(path: string, l: ZipLimits): Promise<ArchiveEntry[]> {
    const out: ArchiveEntry[] = [];
    for await (const e of readZipEntries(path, { limits: l })) out.push(e);
    return out;
  }

  it('defaults fit a five-year history of FIT files', () => {
    expect(DEFAULT_ZIP_LIMITS).toEqual({ maxEntries: 20_000, maxUncompressedBytes: 4 * 1024 ** 3, maxRatio: 100 });
  });

  it('refuses an archive with more records than the cap before reading any entry; at the cap it is read', async () => {
    const files = Array.from({ length: 6 }, (_, i) => ({ name: `a/${i}.fit`, data: Buffer.from(`fit ${i}`) }));
    const p = await writeZip(join(dir, 'many.zip'), files);
    const err = await read(p, limits({ maxEntries: 5 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZipLimitError);
    expect(err).toMatchObject({ code: 'zip_too_many_entries', message: expect.stringMatching(/6 entries, over the limit of 5 \(ZIP_MAX_ENTRIES\)/) });
    expect(await read(p, limits({ maxEntries: 6 }))).toHaveLength(6);
  });

  it('refuses an archive whose FIT entries inflate past the total cap; skipped entries do not count', async () => {
    const p = await writeZip(join(dir, 'total.zip'), [
      { name: 'a.fit', data: randomBytes(100_000) },
      { name: 'b.fit', data: randomBytes(100_000) },
      { name: 'c.fit', data: randomBytes(100_000) },
      { name: 'big.gpx', data: randomBytes(500_000) },
    ]);
    await expect(read(p, limits({ maxUncompressedBytes: 250_000 }))).rejects.toMatchObject({
      code: 'zip_too_large_uncompressed',
      message: expect.stringContaining('ZIP_MAX_UNCOMPRESSED_BYTES'),
    });
    const ok = await read(p, limits({ maxUncompressedBytes: 300_000 }));
    expect(ok.map((e) => e.kind)).toEqual(['fit', 'fit', 'fit', 'skipped']);
  });

  it('a header that under-declares its size cannot inflate past the caps: the bytes are counted as they come out', async () => {
    const p = await writeZip(join(dir, 'lying.zip'), [
      { name: 'a.fit', data: randomBytes(100_000) },
      { name: 'b.fit', data: randomBytes(200_000), declaredSize: 10 },
      { name: 'c.fit', data: randomBytes(10) },
    ]);
    const entries = await read(p, limits({ maxUncompressedBytes: 150_000 }));
    const b = entries.find((e) => e.name === 'b.fit');
    expect(b).toMatchObject({ kind: 'failed', code: expect.stringMatching(/^zip_(entry_too_large|too_large_uncompressed)$/) });
    const inflated = entries.reduce((n, e) => n + (e.kind === 'fit' ? e.bytes.length : 0), 0);
    expect(inflated).toBeLessThanOrEqual(150_000);
  });

  it('fails an entry inflating to more than the ratio times its compressed size; small or ordinary entries pass', async () => {
    const p = await writeZip(join(dir, 'ratio.zip'), [
      { name: 'bomb.fit', data: Buffer.alloc(2 * 1024 * 1024) },
      { name: 'tiny-zeros.fit', data: Buffer.alloc(10_000) },
      { name: 'run.fit', data: randomBytes(200_000) },
    ]);
    const entries = await read(p, limits({ maxRatio: 100 }));
    expect(entries.map((e) => [e.name, e.kind === 'failed' ? e.code : e.kind])).toEqual([
      ['bomb.fit', 'zip_entry_ratio'],
      ['tiny-zeros.fit', 'fit'],
      ['run.fit', 'fit'],
    ]);
    expect(entries[0]).toMatchObject({ message: expect.stringContaining('ZIP_MAX_RATIO') });
    // with a ratio cap it stays under, the same entry is read
    expect((await read(p, limits({ maxRatio: 5000 })))[0]).toMatchObject({ name: 'bomb.fit', kind: 'fit' });
    expect(classifyZipEntry('x.fit', { uncompressed: 1_000_000, compressed: 1_000 }, undefined, 100)).toMatchObject({ code: 'zip_entry_ratio' });
    expect(classifyZipEntry('x.fit', { uncompressed: 1_000_000, compressed: 10_000 }, undefined, 100)).toEqual({ kind: 'fit' });
  });
});
