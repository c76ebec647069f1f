// The command contract's own refusals: what Postgres could not store is refused by the schema, naming the field.
import { describe, expect, it } from 'vitest';
import { commandEnvelope, commandPayloads, moneySchema, text } from './commands';
import { MAX_AMOUNT, amountRefusal, money, type Money } from './money';

const issuesOf = (r: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) =>
  r.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);

describe('text', () => {
  it('trims, bounds and refuses a NUL character', () => {
    expect(text(1, 5).parse('  ab  ')).toBe('ab');
    expect(text(1, 5).safeParse('a\u0000b').success).toBe(false);
    expect(issuesOf(commandPayloads['message.send'].safeParse({ messageId: '0190a6c4-7b1e-7c3a-9d2e-0123456789ab', bookingId: '0190a6c4-7b1e-7c3a-9d2e-0123456789ac', body: 'hi\u0000' }))).toEqual([
      'body: must not contain a NUL character',
    ]);
  });
});

describe('times', () => {
  const envelope = (issuedAt: string) => ({ id: '0190a6c4-7b1e-7c3a-9d2e-0123456789ab', type: 'gig.post', payload: {}, issuedAt });

  it('accepts any time Postgres can store, with its offset', () => {
    for (const t of ['2024-02-29T12:00:00Z', '0001-01-01T00:00:00Z', '9999-12-31T23:59:59.999+02:00', '2024-06-01T08:30:00-07:00'])
      expect(commandEnvelope.safeParse(envelope(t)).success, t).toBe(true);
  });

  it('refuses years Postgres would refuse once the time is in UTC', () => {
    for (const t of ['0000-01-01T00:00:00Z', '0001-01-01T00:00:00+01:00', '9999-12-31T23:59:59-05:00'])
      expect(issuesOf(commandEnvelope.safeParse(envelope(t))), t).toEqual(['issuedAt: must be a time between the years 1 and 9999']);
  });
});

describe('amounts', () => {
  const amount = (a: number, currency = 'USD') => moneySchema.safeParse({ amount: a, currency });
  it('stop at what a payment provider charges at once, so that a booking of many parts still adds up safely', () => {
    expect(amount(MAX_AMOUNT).success).toBe(true);
    expect(amount(MAX_AMOUNT + 1).success).toBe(false);
    expect(amount(2 ** 52 + 2).success).toBe(false);
  });
  it('go in the steps a three-decimal currency is charged in', () => {
    expect(amount(10_010, 'KWD').success).toBe(true);
    const off = amount(10_005, 'KWD');
    expect(off.success).toBe(false);
    expect(off.error!.issues).toEqual([expect.objectContaining({ path: ['amount'], message: 'KWD amounts go in steps of 0.010 KWD' })]);
    expect(amount(10_005, 'USD').success).toBe(true);
    expect(amount(7, 'JPY').success).toBe(true);
  });
});

describe('amountRefusal', () => {
  it('names what the shared schema refuses in an amount: over one charge, or off its currency’s step', () => {
    const cases: [Money, ReturnType<typeof amountRefusal>][] = [
      [money(99_999_999, 'USD'), null],
      [money(100_000_000, 'USD'), 'tooBig'],
      [money(150_000_000, 'COP'), 'tooBig'],
      [money(12_340, 'KWD'), null],
      [money(12_345, 'KWD'), 'offStep'],
      [money(1, 'JPY'), null],
    ];
    for (const [m, refusal] of cases) {
      expect(amountRefusal(m), `${m.amount} ${m.currency}`).toBe(refusal);
      // The same verdict as the schema the server checks with.
      expect(moneySchema.safeParse(m).success, `${m.amount} ${m.currency}`).toBe(refusal === null);
    }
  });
});
