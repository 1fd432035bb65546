import { Decoder, Encoder, Stream } from '@garmin/fitsdk';

/**
 * A real FIT file moved in time: every message is decoded with the official SDK (in file order) and
 * written back with its Encoder with all timestamps shifted, so one fixture can stand for runs on
 * other days (a new file, a new hash) and go through the upload path like any watch file.
 */
export function shiftFitFile(
  bytes: Uint8Array,
  newStart: Date /* the session's new start (UTC) */,
  /** where the local wall clock (activity local_timestamp) moves; default: with the timestamps, keeping the offset */
  opts: { localStart?: Date } = {},
): Uint8Array {
  const messages: Array<[number, Record<string, unknown>]> = [];
  const decoder = new Decoder(Stream.fromByteArray(bytes));
  const { errors } = decoder.read({
    mesgListener: (mesgNum, message) => {
      messages.push([mesgNum, message as unknown as Record<string, unknown>]);
    },
  });
  if (errors.length) throw new Error(`cannot shift a FIT file the SDK cannot read: ${String(errors[0])}`);
  const start = messages.find(([, m]) => m.startTime instanceof Date)?.[1]?.startTime as Date | undefined;
  if (!start) throw new Error('FIT file has no session start time');
  const delta = newStart.getTime() - start.getTime();
  const localDeltaS = Math.round(((opts.localStart ?? newStart).getTime() - start.getTime()) / 1000);
  const encoder = new Encoder();
  for (const [mesgNum, message] of messages) {
    const shifted: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(message)) {
      if (v instanceof Date) shifted[k] = new Date(v.getTime() + delta);
      // local_timestamp is a plain FIT time (seconds), not a date type: shift it too, keeping the offset.
      else if (k === 'localTimestamp' && typeof v === 'number') shifted[k] = v + localDeltaS;
      else shifted[k] = v;
    }
    encoder.onMesg(mesgNum as Parameters<Encoder['onMesg']>[0], shifted as Parameters<Encoder['onMesg']>[1]);
  }
  return encoder.close();
}
