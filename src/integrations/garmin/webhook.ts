import { z } from 'zod';

/**
 * Bodies of the three Garmin notifications stridesync subscribes to (docs/platforms.md).
 * Loose objects: Garmin adds fields over time (and older payloads carry `userAccessToken`, which is
 * never keyed on). Entries that do not fit are dropped one by one, not the whole body.
 */

export const ActivityFileEntry = z.looseObject({
  userId: z.string().min(1),
  summaryId: z.string().min(1),
  callbackURL: z.string().min(1),
  activityId: z.union([z.number().int(), z.string().regex(/^\d+$/)]).optional(),
  fileType: z.string().optional(),
  activityType: z.string().optional(),
  activityName: z.string().optional(),
  startTimeInSeconds: z.number().int().optional(),
  manual: z.boolean().optional(),
});
export type ActivityFileEntry = z.infer<typeof ActivityFileEntry>;

export const DeregistrationEntry = z.looseObject({ userId: z.string().min(1) });
export type DeregistrationEntry = z.infer<typeof DeregistrationEntry>;

export const PermissionsEntry = z.looseObject({
  userId: z.string().min(1),
  permissions: z.array(z.string()),
  summaryId: z.string().optional(),
  changeTimeInSeconds: z.number().optional(),
});
export type PermissionsEntry = z.infer<typeof PermissionsEntry>;

/** The array each kind of notification carries its entries in. */
export const NOTIFICATION_FIELDS = {
  'activity-files': { field: 'activityFiles', entry: ActivityFileEntry },
  deregistrations: { field: 'deregistrations', entry: DeregistrationEntry },
  permissions: { field: 'userPermissionsChange', entry: PermissionsEntry },
} as const;

export type NotificationKind = keyof typeof NOTIFICATION_FIELDS;

/** The valid entries of a body and how many were dropped as malformed. */
export function parseEntries<K extends NotificationKind>(
  kind: K,
  body: unknown,
): { entries: Array<z.infer<(typeof NOTIFICATION_FIELDS)[K]['entry']>>; invalid: number } {
  const { field, entry } = NOTIFICATION_FIELDS[kind];
  const list = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>)[field] : undefined;
  if (!Array.isArray(list)) return { entries: [], invalid: 0 };
  const entries: Array<z.infer<(typeof NOTIFICATION_FIELDS)[K]['entry']>> = [];
  let invalid = 0;
  for (const item of list) {
    const parsed = entry.safeParse(item);
    if (parsed.success) entries.push(parsed.data as z.infer<(typeof NOTIFICATION_FIELDS)[K]['entry']>);
    else invalid += 1;
  }
  return { entries, invalid };
}
