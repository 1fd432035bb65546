import { eq } from 'drizzle-orm';
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
