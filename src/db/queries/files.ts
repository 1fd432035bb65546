import { eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { files } from '../schema/index.js';

/** Store a runner's file once per content hash; the same bytes again return the stored row's id. */
export async function storeFile(db: DbOrTx, input: { runnerId: string; sha256: string; bytes: Buffer; origin: string | null }): Promise<string> {
  const [file] = await db
    .insert(files)
    .values({ runnerId: input.runnerId, sha256: input.sha256, sizeBytes: input.bytes.length, origin: input.origin, bytes: input.bytes })
    .onConflictDoUpdate({ target: [files.runnerId, files.sha256], set: { sha256: input.sha256 } })
    .returning({ id: files.id });
  return file!.id;
}

/** The stored bytes of a file, or undefined when it is gone. */
export async function findFileBytes(db: DbOrTx, id: string): Promise<Buffer | undefined> {
  const [file] = await db.select({ bytes: files.bytes }).from(files).where(eq(files.id, id));
  return file?.bytes;
}

/**
 * The orphan sweep: remove up to `limit` files created before `createdBefore` that no activity
 * references (left by a hard delete elsewhere, or by anything that stored a file without its
 * activity). A file is stored in the same transaction as its activity, and a row an upload in flight
 * holds (the same bytes stored again) is locked by it and skipped here, so no import loses its file.
 */
export async function purgeOrphanFilesBatch(db: DbOrTx, createdBefore: Date, limit: number): Promise<number> {
  const res = await db.execute(sql`
    delete from files where id in (
      select f.id from files f
      where f.created_at < ${createdBefore} and not exists (select 1 from activities a where a.file_id = f.id)
      limit ${limit}
      for update of f skip locked
    )`);
  return res.rowCount ?? 0;
}

/** How many files a runner has (operators' and tests' counts). */
export async function countFilesOf(db: DbOrTx, runnerId: string): Promise<number> {
  const res = await db.execute<{ n: number }>(sql`select count(*)::int as n from files where runner_id = ${runnerId}`);
  return res.rows[0]?.n ?? 0;
}
