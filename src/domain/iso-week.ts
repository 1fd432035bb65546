/**
 * Calendar helpers for training weeks (docs/metrics.md "Conventions" (local date), docs/rules.md "The training week").
 *
 * Every date here is a local calendar date string 'YYYY-MM-DD' with no time zone attached; arithmetic is
 * done on the UTC calendar (Date.UTC), which has no DST, so adding 7 days always lands on the same weekday.
 * Pure: no clock, no environment. The only platform dependency is Intl's IANA time-zone database.
 */

/** ISO-8601 week: `week` like '2026-W47', `start` Monday and `end` Sunday as local dates 'YYYY-MM-DD'. */
export interface IsoWeek {
  week: string;
  start: string;
  end: string;
}

const DAY_MS = 86_400_000;
const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_WEEK = /^(\d{4})-W(\d{2})$/;

/** Days since 1970-01-01 of a local date; throws on anything that is not a real calendar date. */
function toDayNumber(localDate: string): number {
  const m = LOCAL_DATE.exec(localDate);
  if (!m) throw new RangeError(`not a local date 'YYYY-MM-DD': ${localDate}`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) {
    throw new RangeError(`not a calendar date: ${localDate}`);
  }
  return Math.round(ms / DAY_MS);
}

function fromDayNumber(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** True for a real calendar date 'YYYY-MM-DD' (2026-02-31 and 2026-13-01 are not). */
export function isLocalDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    toDayNumber(value);
    return true;
  } catch {
    return false;
  }
}

/** `localDate` shifted by `days` calendar days (negative goes back). */
export function addDays(localDate: string, days: number): string {
  return fromDayNumber(toDayNumber(localDate) + days);
}

/** Whole calendar days from `from` to `to` (positive when `to` is later). */
export function daysBetween(from: string, to: string): number {
  return toDayNumber(to) - toDayNumber(from);
}

/** ISO weekday of a local date: 1 = Monday … 7 = Sunday. */
export function isoWeekday(localDate: string): number {
  // 1970-01-01 was a Thursday (ISO weekday 4).
  return ((((toDayNumber(localDate) + 3) % 7) + 7) % 7) + 1;
}

const zoneFormatters = new Map<string, Intl.DateTimeFormat>();

function zoneFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = zoneFormatters.get(timeZone);
  if (!f) {
    // Throws RangeError for an unknown zone: a bad profile zone is a data error, not something to guess.
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    zoneFormatters.set(timeZone, f);
  }
  return f;
}

/**
 * Local calendar date of a run's start (docs/metrics.md "Conventions").
 *
 * - `utcOffsetS` known (Strava `utc_offset`, Garmin `startTimeOffsetInSeconds`, FIT local offset):
 *   local = startTimeUtc + offset, where offset = local − UTC in seconds and already reflects DST at that
 *   moment, so no zone rules are applied on top. This keeps a run on the day the runner lived it while
 *   travelling.
 * - otherwise: the runner's profile IANA zone `profileTimeZone` via Intl (DST-aware).
 */
export function localDateOf(startTimeUtc: Date, utcOffsetS: number | null, profileTimeZone: string): string {
  const t = startTimeUtc.getTime();
  if (!Number.isFinite(t)) throw new RangeError('startTimeUtc is an invalid Date');
  if (utcOffsetS !== null && Number.isFinite(utcOffsetS)) {
    return new Date(t + utcOffsetS * 1000).toISOString().slice(0, 10);
  }
  const parts = zoneFormatter(profileTimeZone).formatToParts(startTimeUtc);
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/**
 * ISO-8601 week of a local date: weeks run Monday–Sunday and belong to the year of their Thursday, so
 * 29–31 Dec can be W01 of the next year and 1–3 Jan can be W52/W53 of the previous one.
 */
export function isoWeekOf(localDate: string): IsoWeek {
  const day = toDayNumber(localDate);
  const weekday = isoWeekday(localDate);
  const monday = day - (weekday - 1);
  const thursday = monday + 3;
  const thursdayDate = new Date(thursday * DAY_MS);
  const isoYear = thursdayDate.getUTCFullYear();
  const jan1 = Math.round(Date.UTC(isoYear, 0, 1) / DAY_MS);
  const weekNo = Math.floor((thursday - jan1) / 7) + 1;
  return {
    week: `${String(isoYear).padStart(4, '0')}-W${String(weekNo).padStart(2, '0')}`,
    start: fromDayNumber(monday),
    end: fromDayNumber(monday + 6),
  };
}

/** Parses '2026-W47' into its Monday–Sunday range; throws if the week does not exist (e.g. 2025-W53). */
export function parseIsoWeek(week: string): IsoWeek {
  const m = ISO_WEEK.exec(week);
  if (!m) throw new RangeError(`not an ISO week 'YYYY-Www': ${week}`);
  const weekNo = Number(m[2]);
  // 4 January is always in W01.
  const jan4 = `${m[1]}-01-04`;
  const w01 = isoWeekOf(jan4);
  const result = isoWeekOf(addDays(w01.start, (weekNo - 1) * 7));
  if (weekNo < 1 || result.week !== week) {
    throw new RangeError(`no such ISO week: ${week}`);
  }
  return result;
}

/** The ISO week `n` weeks after (`n` < 0: before) the given one; accepts '2026-W47' or an IsoWeek. */
export function shiftIsoWeek(week: IsoWeek | string, n: number): IsoWeek {
  const w = typeof week === 'string' ? parseIsoWeek(week) : week;
  return isoWeekOf(addDays(w.start, 7 * n));
}

/** True when `localDate` lies in the week (start and end inclusive). String compare is valid for 'YYYY-MM-DD'. */
export function isInWeek(localDate: string, week: IsoWeek): boolean {
  return localDate >= week.start && localDate <= week.end;
}

/**
 * Whether the week is over for a runner whose profile-zone date today is `todayLocalDate`: complete once
 * Sunday 24:00 local has passed, i.e. today is after the week's Sunday.
 */
export function isWeekComplete(week: IsoWeek, todayLocalDate: string): boolean {
  toDayNumber(todayLocalDate);
  return todayLocalDate > week.end;
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** Offset (local − UTC, s) of an IANA zone at an instant, via Intl (DST-aware). One formatter per zone: building one costs far more than using it. */
export function zoneOffsetS(instant: Date, timeZone: string): number {
  let f = offsetFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    offsetFormatters.set(timeZone, f);
  }
  const parts = f.formatToParts(instant);
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour') % 24, get('minute'), get('second'));
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 1000);
}

/**
 * A start known only as the device's local wall clock (stored as if it were UTC) resolved in the
 * runner's zone: UTC instant = wall − offset, where the offset is the zone's at that instant
 * (one refinement step handles the DST change days).
 */
export function resolveWallClock(wall: Date, timeZone: string): { startTime: Date; utcOffsetS: number } {
  let offset = zoneOffsetS(wall, timeZone);
  offset = zoneOffsetS(new Date(wall.getTime() - offset * 1000), timeZone);
  return { startTime: new Date(wall.getTime() - offset * 1000), utcOffsetS: offset };
}
