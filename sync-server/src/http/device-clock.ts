// How far a device's clock is from ours, from the time it says it sent a request (shared DEVICE_TIME_HEADER): added to
// the issuedAt of the commands it carries, so that a phone whose clock is wrong (hours off, or back in 2019
// after a flat battery) still dates a chat message or the start of work when it happened (actedAt). Transit time
// counts in it: a command is dated at most that much later. No header, or no time in it: no correction.
/** Further than this is no clock a phone keeps: the header is not believed. */
const MAX_OFFSET_MS = 50 * 365 * 86_400_000;

export function deviceClockOffset(header: string | undefined, now: Date): number {
  if (!header || !/^\d{1,15}$/.test(header)) return 0;
  const offset = now.getTime() - Number(header);
  return Math.abs(offset) <= MAX_OFFSET_MS ? offset : 0;
}
