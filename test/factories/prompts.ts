import type { Db } from '../../src/db/client.js';
import { painPrompts } from '../../src/db/schema/index.js';
import { recordNotification } from '../../src/services/notify.js';
import { newPromptToken } from '../../src/services/prompts/tokens.js';

/** An open rest-day morning prompt (no run), due now, with its answer-link token. */
export async function openPrompt(c: { deps: { db: Db }; env: { tokenEncryptionKey: Buffer } }, runnerId: string) {
  const token = newPromptToken(c.env.tokenEncryptionKey);
  const [p] = await c.deps.db
    .insert(painPrompts)
    .values({
      runnerId,
      kind: 'rest_morning',
      dueAt: new Date(Date.now() - 60_000),
      expiresAt: new Date(Date.now() + 6 * 3600_000),
      tokenHash: token.hash,
      tokenEnc: token.enc,
    })
    .returning();
  return p!;
}

/** The outbox row of a load-jump warning of this runner (its own subject), or null when it is already recorded. */
export function recordLoadJumpWarning(db: Db, runnerId: string) {
  return recordNotification(db, {
    runnerId,
    kind: 'warning.raised',
    subjectId: `w-${runnerId}`,
    payload: { code: 'LOAD_JUMP' },
  });
}
