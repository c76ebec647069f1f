// The command contract's own refusals: what Postgres could not store is refused by the schema, naming the field.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COMMAND_TYPES, commandEnvelope, commandPayloads, moneySchema, text, type CommandType } from './commands';
import { MAX_AMOUNT, amountRefusal, money, type Money } from './money';

const issuesOf = (r: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) =>
  r.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);

describe('text', () => {
  it('trims, bounds and refuses a NUL character', () => {
    expect(text(1, 5).parse('  ab  ')).toBe('ab');
    expect(text(1, 5).safeParse('a\u0000b').success).toBe(false);
    // Half of a character: the driver would store U+FFFD in its place.
    expect(text(1, 5).safeParse('a\ud800b').success).toBe(false);
    expect(text(1, 5).safeParse('a\udc00').success).toBe(false);
    expect(text(1, 5).safeParse('a😀b').success).toBe(true);
    expect(issuesOf(commandPayloads['message.send'].safeParse({ messageId: '0190a6c4-7b1e-7c3a-9d2e-0123456789ab', bookingId: '0190a6c4-7b1e-7c3a-9d2e-0123456789ac', body: 'hi\u0000' }))).toEqual([
      'body: must not contain a NUL character',
    ]);
  });
});

describe('text with nothing visible', () => {
  const messageId = '0190a6c4-7b1e-7c3a-9d2e-0123456789ab';
  const bookingId = '0190a6c4-7b1e-7c3a-9d2e-0123456789ac';

  it('counts only zero-width, direction and other invisible marks as empty, and keeps them inside real text', () => {
    for (const blank of ['\u200b', '\u200f\u200f\u200f', '\u2060', '\u00ad', '\u3164', '\u2800', '\u202e\u200d', '\ufe0f', '\u{e0020}'])
      expect(text(1, 80).safeParse(blank).success, JSON.stringify(blank)).toBe(false);
    expect(text(0, 80).parse('\u200b\u200b')).toBe('');
    for (const shown of ['a\u200bb', '\u200fשלום', 'اختبار\u200f', '👩\u200d💻', 'Lucía'])
      expect(text(1, 80).parse(shown)).toBe(shown);
  });

  it('refuses a gig title, a message and evidence that would show as blank, naming the field', () => {
    const title = commandPayloads['gig.post'].shape.title;
    expect(title.safeParse('\u200f\u200f\u200f\u200f\u200f\u200f').success).toBe(false);
    expect(title.safeParse('\u200b\u200b\u200b\u200b\u200b\u200b\u200b').success).toBe(false);
    expect(issuesOf(commandPayloads['message.send'].safeParse({ messageId, bookingId, body: '\u2060' }))).toEqual([
      'body: Too small: expected string to have >=1 characters',
    ]);
    expect(issuesOf(commandPayloads['dispute.add_evidence'].safeParse({ evidenceId: messageId, disputeId: bookingId, text: '\u200b' }))).toEqual([
      ': evidence needs text, a message or an attachment',
    ]);
    expect(commandPayloads['profile.update'].safeParse({ displayName: '\u200b' }).success).toBe(false);
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
  it('beyond the safe integers are refused, not thrown on', () => {
    const onlyAt = (issues: string[] | undefined, path: string) => issues !== undefined && issues.length > 0 && issues.every((i) => i.startsWith(`${path}: `));
    for (const a of [2 ** 53, 2 ** 53 + 2, 1e300, Number.MAX_VALUE]) expect(onlyAt(issuesOf(amount(a)), 'amount'), String(a)).toBe(true);
    const post = commandPayloads['gig.post'].safeParse({ budget: { amount: 2 ** 53, currency: 'USD' } });
    expect(issuesOf(post)).toContainEqual(expect.stringMatching(/^budget\.amount: /));
    expect(onlyAt(issuesOf(commandPayloads['profile.update'].safeParse({ hourlyRate: { amount: 2 ** 53 + 2, currency: 'KWD' } })), 'hourlyRate.amount')).toBe(true);
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

describe('every payload schema', () => {
  // A schema that throws instead of refusing fails the whole request, and a device pushing the command
  // again meets the same throw for ever. Values aimed at the checks: amounts past the safe integers,
  // money-shaped objects with any fields, half characters, and anything at all, in every field a schema names.
  const nastyNumber = fc.constantFrom(2 ** 53, 2 ** 53 + 2, 1e300, Number.MAX_VALUE, -1, 0, -0, 0.5, Number.NaN, Infinity, -Infinity);
  const leaf = fc.oneof(fc.anything(), nastyNumber, fc.constantFrom('', '\0', '\ud800', 'USD', 'KWD', 'split', '0190a6c4-7b1e-7c3a-9d2e-0123456789ab'));
  const moneyish = fc.record(
    {
      amount: fc.oneof({ arbitrary: nastyNumber, weight: 3 }, { arbitrary: fc.integer(), weight: 1 }, { arbitrary: leaf, weight: 1 }),
      currency: fc.oneof({ arbitrary: fc.constantFrom('USD', 'KWD', 'JPY'), weight: 3 }, { arbitrary: leaf, weight: 1 }),
    },
    { requiredKeys: [] },
  );
  // A payload that may name its object either of two ways (milestone.accept) is a union of objects.
  const keysOf = (type: CommandType): string[] => {
    const schema = commandPayloads[type];
    return 'shape' in schema ? Object.keys(schema.shape) : schema.options.flatMap((o) => Object.keys(o.shape));
  };
  const allKeys = [...new Set(COMMAND_TYPES.flatMap(keysOf))];
  const nested = fc.dictionary(fc.constantFrom(...allKeys, 'amount', 'milestoneId', 'description', 'dueAt'), fc.oneof(leaf, moneyish));
  // A plan's milestone as sent, with the amount aimed at.
  const part = fc.record({ milestoneId: fc.constant('0190a6c4-7b1e-7c3a-9d2e-0123456789ab'), description: fc.constant('Part'), amount: moneyish }, { requiredKeys: ['amount'] });
  const value = fc.oneof(
    { arbitrary: moneyish, weight: 3 },
    { arbitrary: leaf, weight: 1 },
    { arbitrary: fc.array(fc.oneof(part, moneyish, nested), { maxLength: 4 }), weight: 2 },
  );

  for (const type of COMMAND_TYPES) {
    it(`${type} refuses what it cannot take, and never throws`, () => {
      const schema = commandPayloads[type];
      const keys = keysOf(type);
      fc.assert(
        fc.property(fc.oneof(leaf, fc.dictionary(fc.constantFrom(...keys), value)), (payload) => {
          expect(typeof schema.safeParse(payload).success).toBe('boolean');
        }),
        { numRuns: 300 },
      );
    });
  }
});
