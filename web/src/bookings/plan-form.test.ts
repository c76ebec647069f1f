// A payment plan as typed: each part's problems, the payload the server takes, and what the booking comes to.
import { describe, expect, it } from 'vitest';
import { commandPayloads } from '@shared/commands';
import { planPayload, planSummary, startingParts, type PlanPartInput } from './plan-form';

const usd = (amount: number) => ({ amount, currency: 'USD' as const });
const ids = () => {
  let n = 0;
  return () => `0190a000-0000-7000-8000-${String(++n).padStart(12, '0')}`;
};
const typed = (description: string, amount: string, due = ''): PlanPartInput => ({ key: description, description, amount, due });
const NOW = new Date(2026, 10, 20, 12, 0);

describe('planPayload', () => {
  it('gives the command a plan its schema takes, amounts in minor units and a due date as the last second of that day in UTC', () => {
    const out = planPayload([typed(' Tiles ', '120.5'), typed('Grout', '30', '2026-11-20')], 'USD', ids(), NOW);
    expect(out).toMatchObject({ ok: true, total: usd(15050) });
    if (!out.ok) return;
    expect(out.milestones).toEqual([
      { milestoneId: expect.any(String), description: 'Tiles', amount: usd(12050), dueAt: null },
      { milestoneId: expect.any(String), description: 'Grout', amount: usd(3000), dueAt: '2026-11-20T23:59:59.000Z' },
    ]);
    const parsed = commandPayloads['milestone.propose'].safeParse({ bookingId: '0190a000-0000-7000-8000-0000000000b1', planId: '0190a000-0000-7000-8000-0000000000c1', milestones: out.milestones });
    expect(parsed.success).toBe(true);
  });

  it('names each part’s problems, and only that part’s', () => {
    const out = planPayload(
      [typed('Fine', '10'), typed('', '1,000'), typed('x'.repeat(301), '0.001'), typed('Late', '0', '2026-11-19'), typed('Too much', '99999999999')],
      'USD', ids(), NOW,
    );
    expect(out).toEqual({
      ok: false,
      problems: [
        {},
        { description: 'required', amount: { problem: 'grouping', limit: 2 } },
        { description: 'tooLong', amount: { problem: 'decimals', limit: 2 } },
        { amount: { problem: 'invalid' }, due: 'inPast' },
        { amount: { problem: 'tooBig', currency: 'USD' } },
      ],
    });
  });

  it('refuses amounts off the currency’s step and dates that are not dates', () => {
    expect(planPayload([typed('Part', '1.005', 'soon')], 'KWD', ids(), NOW)).toEqual({
      ok: false, problems: [{ amount: { problem: 'offStep', currency: 'KWD' }, due: 'invalid' }],
    });
  });
});

describe('planSummary', () => {
  const part = (status: 'agreed' | 'funded' | 'released' | 'cancelled' | 'proposed', amount: number) => ({ description: '', amount: usd(amount), status });

  it('adds the plan to what stays (paid or under way), leaving out what it replaces, and gives the worker each part’s net', () => {
    const current = [part('released', 5000), part('funded', 2000), part('agreed', 9000), part('cancelled', 700), part('proposed', 100)];
    // 10% of 33.35 is 3.335, rounded half-even per part to 3.34; of 10.05, 1.005 to 1.00.
    expect(planSummary(current, [usd(3335), usd(1005)], 'USD', 1000)).toEqual({
      staying: usd(7000), planned: usd(4340), total: usd(11340), net: usd(3001 + 905),
    });
  });

  it('starts a form from the parts it answers, or from one empty part', () => {
    expect(startingParts([]).map((p) => [p.description, p.amount, p.due])).toEqual([['', '', '']]);
    expect(startingParts([{ description: 'Tiles', amount: usd(12050), dueAt: null, status: 'agreed' }]).map((p) => [p.description, p.amount])).toEqual([['Tiles', '120.50']]);
    expect(startingParts([{ description: 'Tiles', amount: usd(12050), dueAt: null, status: 'agreed' }], 'es').map((p) => p.amount)).toEqual(['120,50']);
    // The day that was picked, read back in UTC wherever the device is.
    expect(startingParts([{ description: 'Grout', amount: usd(3000), dueAt: '2026-12-01T23:59:59.000Z', status: 'proposed' }])[0]!.due).toBe('2026-12-01');
  });
});
