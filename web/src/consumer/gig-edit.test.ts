// Editing a gig sends only what changed, in minor units, or nothing at all.
import { describe, expect, it } from 'vitest';
import { moneyInputText } from '../i18n/format';
import { editValuesOf, toGigUpdate } from './gig-edit';
import { isoToLocalInput } from './gig-form';

const gig = {
  id: '0190a000-0000-7000-8000-0000000000aa', title: 'Fix the tap', description: 'Drips', budget: { amount: 4050, currency: 'USD' as const },
  areaLabel: 'Mission', address: '1 Main St', startsAt: '2030-05-01T09:30:00.000Z', expiresAt: null,
};

describe('toGigUpdate', () => {
  it('starts from the gig as it is and sends nothing when nothing changed', () => {
    expect(editValuesOf(gig)).toMatchObject({ title: 'Fix the tap', description: 'Drips', budget: '40.50', address: '1 Main St', expiresAt: '' });
    expect(toGigUpdate(gig, editValuesOf(gig))).toEqual({ ok: true, payload: null });
  });

  it('sends only the changed fields', () => {
    expect(toGigUpdate(gig, { ...editValuesOf(gig), budget: '45' })).toEqual({ ok: true, payload: { gigId: gig.id, budget: { amount: 4500, currency: 'USD' } } });
    expect(toGigUpdate(gig, { ...editValuesOf(gig), title: 'Fix both taps' })).toEqual({ ok: true, payload: { gigId: gig.id, title: 'Fix both taps' } });
  });

  it('reports problems instead of a payload', () => {
    const r = toGigUpdate(gig, { ...editValuesOf(gig), title: 'ab', description: '', budget: 'lots' });
    expect(r).toEqual({ ok: false, errors: { budget: { problem: 'invalid' } } });
    const short = toGigUpdate(gig, { ...editValuesOf(gig), title: 'ab', description: '', budget: '40.50' });
    expect(short).toEqual({ ok: false, errors: { title: { problem: 'tooShort', limit: 3 } } });
  });

  it('says when a new budget is over one charge or off its currency’s step, but lets an older one stand', () => {
    const kwd = { ...gig, budget: { amount: 40_500, currency: 'KWD' as const } };
    expect(toGigUpdate(gig, { ...editValuesOf(gig), budget: '1000000' })).toEqual({ ok: false, errors: { budget: { problem: 'tooBig', currency: 'USD' } } });
    expect(toGigUpdate(kwd, { ...editValuesOf(kwd), budget: '40.505' })).toEqual({ ok: false, errors: { budget: { problem: 'offStep', currency: 'KWD' } } });
    expect(toGigUpdate(kwd, { ...editValuesOf(kwd), budget: '40.51' })).toEqual({ ok: true, payload: { gigId: gig.id, budget: { amount: 40_510, currency: 'KWD' } } });
    // A budget set before KWD went in steps is not sent again, so it does not stop a new title.
    const older = { ...gig, budget: { amount: 40_505, currency: 'KWD' as const } };
    expect(toGigUpdate(older, { ...editValuesOf(older), title: 'Fix both taps' })).toEqual({ ok: true, payload: { gigId: gig.id, title: 'Fix both taps' } });
  });

  it('formats minor units without floats, for any exponent', () => {
    expect(moneyInputText({ amount: 5, currency: 'USD' }, 'en')).toBe('0.05');
    expect(moneyInputText({ amount: 1500, currency: 'JPY' }, 'en')).toBe('1500');
    expect(moneyInputText({ amount: 1234, currency: 'KWD' }, 'en')).toBe('1.234');
  });

  it('starts the budget with the decimal comma a Spanish reader is asked for, and reads it back unchanged', () => {
    expect(editValuesOf(gig, 'es').budget).toBe('40,50');
    expect(moneyInputText({ amount: 123_456_78, currency: 'USD' }, 'es')).toBe('123456,78');
    expect(moneyInputText({ amount: 1500, currency: 'JPY' }, 'es')).toBe('1500');
    expect(toGigUpdate(gig, editValuesOf(gig, 'es'))).toEqual({ ok: true, payload: null });
    const kwd = { ...gig, budget: { amount: 1000, currency: 'KWD' as const } };
    expect(toGigUpdate(kwd, { ...editValuesOf(kwd, 'es'), title: 'Fix both taps' })).toEqual({ ok: true, payload: { gigId: gig.id, title: 'Fix both taps' } });
  });
});

describe('toGigUpdate, where and when', () => {
  const NOW = Date.parse('2026-11-20T12:00:00.000Z');
  const edit = (over: Partial<ReturnType<typeof editValuesOf>>) => toGigUpdate(gig, { ...editValuesOf(gig), ...over }, NOW);

  it('sends the address and the times that changed, times as instants and a cleared one as null', () => {
    const later = isoToLocalInput('2030-05-02T09:30:00.000Z');
    const ends = isoToLocalInput('2030-04-30T18:00:00.000Z');
    expect(edit({ address: '', startsAt: later, expiresAt: ends })).toEqual({
      ok: true,
      payload: { gigId: gig.id, address: '', startsAt: '2030-05-02T09:30:00.000Z', expiresAt: '2030-04-30T18:00:00.000Z' },
    });
    expect(edit({ startsAt: '' })).toEqual({ ok: true, payload: { gigId: gig.id, startsAt: null } });
  });

  it('refuses a changed time already past, but not one kept as it was', () => {
    const past = isoToLocalInput('2026-11-19T12:00:00.000Z');
    expect(edit({ startsAt: past, expiresAt: past })).toEqual({ ok: false, errors: { startsAt: { problem: 'inPast' }, expiresAt: { problem: 'inPast' } } });
    // As on the post form: a start picked while filling in the form is fine, an offer ending this minute is not.
    const justNow = isoToLocalInput(new Date(NOW - 5 * 60_000).toISOString());
    expect(edit({ startsAt: justNow })).toMatchObject({ ok: true });
    expect(edit({ expiresAt: isoToLocalInput(new Date(NOW).toISOString()) })).toEqual({ ok: false, errors: { expiresAt: { problem: 'inPast' } } });
    const started = { ...gig, startsAt: '2026-11-01T09:00:00.000Z' };
    expect(toGigUpdate(started, { ...editValuesOf(started), title: 'Fix the tap today' }, NOW)).toEqual({ ok: true, payload: { gigId: gig.id, title: 'Fix the tap today' } });
  });
});
