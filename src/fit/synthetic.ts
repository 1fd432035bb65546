/**
 * Synthetic FIT activity files built with the SDK's Encoder, for tests and the benchmark (a 24-hour run
 * is 86,400 one-second records). Pure: options in, bytes out. The profiles are deliberately simple
 * (constant pace with optional variations) so expected metrics can be computed by hand.
 */
import { Encoder, Profile, type ActivityMesg, type Encodable, type EventMesg, type FileIdMesg, type RecordMesg, type SessionMesg } from '@garmin/fitsdk';

export interface SyntheticRunOptions {
  /** number of 1-s records */
  seconds: number;
  startTime?: Date;
  /** m/s at second t (default 3.0) */
  speedMps?: (t: number) => number;
  /** steps per minute at second t (default 170); written as strides + fractional strides */
  cadenceSpm?: (t: number) => number;
  /** altitude at second t, m; omit for no altitude */
  altitudeM?: (t: number) => number;
  sport?: string;
  subSport?: string;
  /** session totals; omit to leave them out of the session */
  totalAscentM?: number;
  totalDescentM?: number;
  /** local − UTC offset written into the activity message, s (default 3600) */
  utcOffsetS?: number;
}

const SEMICIRCLES_PER_DEGREE = 2 ** 31 / 180;
const MESG = { FILE_ID: 0, SESSION: 18, RECORD: 20, EVENT: 21, ACTIVITY: 34 } as const;

/** FIT enum value of a profile type name, e.g. enumValue('sport', 'running') = 1. */
function enumValue(type: string, name: string): number {
  const entry = Object.entries(Profile.types[type] ?? {}).find(([, v]) => v === name);
  if (!entry) throw new Error(`unknown ${type} "${name}"`);
  return Number(entry[0]);
}

function write<T extends object>(encoder: Encoder, mesgNum: number, mesg: T): void {
  encoder.writeMesg({ mesgNum, ...mesg } as Encodable<T>);
}

/** Builds a single-session activity; the session's avg cadence is the record mean (steps/min ÷ 2). */
export function buildSyntheticRunFit(o: SyntheticRunOptions): Uint8Array {
  const start = o.startTime ?? new Date('2026-03-02T07:00:00Z');
  const speed = o.speedMps ?? (() => 3);
  const cadence = o.cadenceSpm ?? (() => 170);
  const at = (t: number) => new Date(start.getTime() + t * 1000);
  const encoder = new Encoder();
  write<FileIdMesg>(encoder, MESG.FILE_ID, { type: 'activity', manufacturer: 'development', product: 1, timeCreated: start, serialNumber: 1234 });
  write<EventMesg>(encoder, MESG.EVENT, { timestamp: start, event: 'timer', eventType: 'start' });
  let distance = 0;
  let strideSum = 0;
  for (let t = 0; t < o.seconds; t++) {
    if (t > 0) distance += speed(t);
    const strides = cadence(t) / 2;
    const whole = Math.floor(strides);
    strideSum += strides;
    const record: RecordMesg = {
      timestamp: at(t),
      distance,
      speed: speed(t),
      cadence: whole,
      fractionalCadence: Math.round((strides - whole) * 128) / 128,
      heartRate: 140,
      positionLat: Math.round((59.9 + distance / 111_000) * SEMICIRCLES_PER_DEGREE),
      positionLong: Math.round(10.7 * SEMICIRCLES_PER_DEGREE),
      ...(o.altitudeM ? { altitude: o.altitudeM(t) } : {}),
    };
    write(encoder, MESG.RECORD, record);
  }
  const end = at(o.seconds - 1);
  const elapsed = o.seconds - 1;
  write<EventMesg>(encoder, MESG.EVENT, { timestamp: end, event: 'timer', eventType: 'stopAll' });
  const avgStrides = strideSum / Math.max(1, o.seconds);
  const session: SessionMesg = {
    timestamp: end,
    startTime: start,
    totalElapsedTime: elapsed,
    totalTimerTime: elapsed,
    totalDistance: distance,
    sport: enumValue('sport', o.sport ?? 'running'),
    subSport: enumValue('subSport', o.subSport ?? 'generic'),
    avgCadence: Math.floor(avgStrides),
    avgFractionalCadence: Math.round((avgStrides - Math.floor(avgStrides)) * 128) / 128,
    ...(o.totalAscentM !== undefined ? { totalAscent: o.totalAscentM } : {}),
    ...(o.totalDescentM !== undefined ? { totalDescent: o.totalDescentM } : {}),
  };
  write(encoder, MESG.SESSION, session);
  const activity: ActivityMesg = {
    timestamp: end,
    localTimestamp: end.getTime() / 1000 - 631065600 + (o.utcOffsetS ?? 3600),
    numSessions: 1,
    totalTimerTime: elapsed,
  };
  write(encoder, MESG.ACTIVITY, activity);
  return encoder.close();
}
