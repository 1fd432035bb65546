import { describe, expect, it } from 'vitest';
import { parseEntries } from './webhook.js';

describe('Garmin notification bodies', () => {
  it('parses an Activity File ping, tolerating extra fields and dropping malformed entries', () => {
    const body = {
      activityFiles: [
        {
          userId: 'u1',
          summaryId: '10010727180-file',
          activityId: 10010727180,
          fileType: 'FIT',
          callbackURL: 'https://apis.garmin.com/f?id=1',
          startTimeInSeconds: 1777615181,
          manual: false,
          userAccessToken: 'legacy',
          somethingNew: { a: 1 },
        },
        { userId: 'u2', summaryId: 's2' },
      ],
      otherType: [],
    };
    const { entries, invalid } = parseEntries('activity-files', body);
    expect(invalid).toBe(1);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ userId: 'u1', activityId: 10010727180, somethingNew: { a: 1 } });
  });

  it('parses deregistrations and permission changes', () => {
    expect(parseEntries('deregistrations', { deregistrations: [{ userId: 'u1' }] }).entries).toEqual([{ userId: 'u1' }]);
    const p = parseEntries('permissions', {
      userPermissionsChange: [{ userId: 'u1', summaryId: 'x', permissions: ['HEALTH_EXPORT'], changeTimeInSeconds: 1613065860 }],
    });
    expect(p.entries[0]!.permissions).toEqual(['HEALTH_EXPORT']);
  });

  it('yields nothing for a body without the expected array', () => {
    expect(parseEntries('deregistrations', { activityFiles: [] })).toEqual({ entries: [], invalid: 0 });
    expect(parseEntries('permissions', null)).toEqual({ entries: [], invalid: 0 });
  });
});
