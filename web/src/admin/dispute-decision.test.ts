// The mediator's decision form rules: a split's refund strictly between nothing and the milestone, in integer
// minor units from typed major units; a reason always.
import { describe, expect, it } from 'vitest';
import { commandPayloads } from '@shared/commands';
import { money } from '@shared/money';
import { moneyInputProblem, parseMoneyInput } from '../i18n/format';
import { checkDecision } from './dispute-decision';

const DISPUTE = '0190a000-0000-7000-8000-0000000000d1';
const USD_120 = money(12000, 'USD');

describe('the refund typed for a split (parseMoneyInput, as every typed price)', () => {
  it('reads either decimal mark into minor units without floats', () => {
    expect(parseMoneyInput('45.10', 'USD')).toEqual(money(4510, 'USD'));
    expect(parseMoneyInput('45,1', 'USD')).toEqual(money(4510, 'USD'));
    // 0.29 * 100 is 28.999999999999996 in binary floating point.
    expect(parseMoneyInput(' 0.29 ', 'USD')).toEqual(money(29, 'USD'));
    expect(parseMoneyInput('1.005', 'KWD')).toEqual(money(1005, 'KWD'));
    expect(parseMoneyInput('500', 'JPY')).toEqual(money(500, 'JPY'));
  });

  it('takes the amount with its own currency’s sign or code, before or after it, as people type prices', () => {
    for (const text of ['$300', '$ 300', '300$', 'USD 300', '300 usd', 'US$300']) expect(parseMoneyInput(text, 'USD'), text).toEqual(money(30000, 'USD'));
    expect(parseMoneyInput('€12,50', 'EUR')).toEqual(money(1250, 'EUR'));
    expect(parseMoneyInput('12,50 €', 'EUR')).toEqual(money(1250, 'EUR'));
    expect(parseMoneyInput('KWD 1.005', 'KWD')).toEqual(money(1005, 'KWD'));
    // Another currency's sign is not this one's: refused, not read as dollars.
    expect(parseMoneyInput('€300', 'USD')).toBeNull();
    expect(parseMoneyInput('$$300', 'USD')).toBeNull();
    // Thousands separators are named as such with a sign too.
    expect(moneyInputProblem('$1,000', 'USD')).toBe('grouping');
  });

  it('refuses what is not an amount in the currency', () => {
    for (const text of ['', 'abc', '-5', '1.234', '1,000.50', '12.5.0', '5:5', '99999999999999999999']) {
      expect(parseMoneyInput(text, 'USD'), text).toBeNull();
    }
    expect(parseMoneyInput('12.5', 'JPY')).toBeNull();
  });
});

describe('checkDecision', () => {
  const draft = { outcome: 'split' as const, refund: '45.10', reason: 'Half the work was done.' };

  it('a valid split becomes a dispute.resolve payload the shared schema accepts', () => {
    const check = checkDecision(DISPUTE, draft, USD_120);
    expect(check).toEqual({ ok: true, payload: { disputeId: DISPUTE, outcome: 'split', refundAmount: 4510, reason: 'Half the work was done.' } });
    expect(commandPayloads['dispute.resolve'].safeParse(check.ok && check.payload).success).toBe(true);
  });

  it('a split refund must be more than nothing and less than the whole milestone', () => {
    for (const refund of ['0', '0.00', '120', '120.00', '130', '99999999999', '1000000000000.50']) {
      expect(checkDecision(DISPUTE, { ...draft, refund }, USD_120), refund).toEqual({ ok: false, problems: { refund: 'refund_range' } });
    }
    expect(checkDecision(DISPUTE, { ...draft, refund: '0.01' }, USD_120)).toMatchObject({ ok: true, payload: { refundAmount: 1 } });
    expect(checkDecision(DISPUTE, { ...draft, refund: '119.99' }, USD_120)).toMatchObject({ ok: true, payload: { refundAmount: 11999 } });
    expect(checkDecision(DISPUTE, { ...draft, refund: 'twelve' }, USD_120)).toEqual({ ok: false, problems: { refund: 'refund_format' } });
    // Thousands separators are named as such, as in the other forms.
    expect(checkDecision(DISPUTE, { ...draft, refund: '1,000' }, money(500_000, 'USD'))).toEqual({ ok: false, problems: { refund: 'refund_grouping' } });
  });

  it('a split refund goes in the steps the provider refunds in (KWD in 0.010), as the server checks', () => {
    const kwd = money(10_000, 'KWD');
    expect(checkDecision(DISPUTE, { ...draft, refund: '4.505' }, kwd)).toEqual({ ok: false, problems: { refund: 'refund_step' } });
    const check = checkDecision(DISPUTE, { ...draft, refund: '4.51' }, kwd);
    expect(check).toMatchObject({ ok: true, payload: { refundAmount: 4_510 } });
    expect(commandPayloads['dispute.resolve'].safeParse(check.ok && check.payload).success).toBe(true);
  });

  it('a reason is required, and an outcome must be chosen', () => {
    expect(checkDecision(DISPUTE, { ...draft, reason: '   ' }, USD_120)).toEqual({ ok: false, problems: { reason: 'reason_required' } });
    expect(checkDecision(DISPUTE, { outcome: null, refund: '', reason: '' }, USD_120)).toEqual({
      ok: false,
      problems: { outcome: 'outcome_required', reason: 'reason_required' },
    });
  });

  it('release all and refund all name no amount, whatever was typed in the split field', () => {
    for (const outcome of ['release_all', 'refund_all'] as const) {
      const check = checkDecision(DISPUTE, { outcome, refund: 'junk', reason: ' Evidence is clear. ' }, USD_120);
      expect(check).toEqual({ ok: true, payload: { disputeId: DISPUTE, outcome, reason: 'Evidence is clear.' } });
      expect(commandPayloads['dispute.resolve'].safeParse(check.ok && check.payload).success).toBe(true);
    }
  });
});
