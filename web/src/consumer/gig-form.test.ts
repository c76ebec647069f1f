// The post-a-gig form's mapping to a `gig.post` payload, and the problems it reports per field.
import { describe, expect, it } from 'vitest';
import { commandPayloads } from '@shared/commands';
import { newId } from '../sync/ids';
import { emptyGigForm, firstErrorField, isoToLocalInput, localInputToIso, parseCoordinate, toGigPost, type GigFormValues } from './gig-form';

const NOW = Date.parse('2030-01-01T12:00:00Z');

const filled = (over: Partial<GigFormValues> = {}): GigFormValues => ({
  ...emptyGigForm(),
  title: '  Fix the tap ',
  description: 'Kitchen tap drips',
  skills: { plumbing: 2 },
  budget: '80,50',
  lat: '37.7749',
  lng: '-122.4194',
  areaLabel: 'Mission',
  address: '1 Main St',
  ...over,
});

describe('toGigPost', () => {
  it('maps a filled form to a payload the shared schema accepts, money in minor units', () => {
    const gigId = newId();
    const result = toGigPost(filled(), gigId, NOW);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.payload).toMatchObject({
      gigId,
      skills: { plumbing: 2 },
      budget: { amount: 8050, currency: 'USD' },
      location: { lat: 37.7749, lng: -122.4194 },
      areaLabel: 'Mission',
      address: '1 Main St',
      startsAt: null,
      expiresAt: null,
      publish: true,
    });
    const parsed = commandPayloads['gig.post'].parse(result.payload);
    expect(parsed.title).toBe('Fix the tap');
  });

  it('keeps a draft unpublished and converts local date-times to instants', () => {
    const result = toGigPost(filled({ draft: true, startsAt: '2030-02-01T09:30', expiresAt: '2030-01-31T18:00' }), newId(), NOW);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.payload.publish).toBe(false);
    expect(result.payload.startsAt).toBe(new Date('2030-02-01T09:30').toISOString());
    expect(result.payload.expiresAt).toBe(new Date('2030-01-31T18:00').toISOString());
  });

  it('reports every missing required field, in form order', () => {
    const result = toGigPost(emptyGigForm(), newId(), NOW);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual({
      title: { problem: 'required' },
      skills: { problem: 'required' },
      budget: { problem: 'required' },
      location: { problem: 'required' },
    });
    expect(firstErrorField(result.errors)).toBe('title');
  });

  it('turns the schema’s limits into problems with their limit', () => {
    const result = toGigPost(filled({ title: 'ab', areaLabel: 'x'.repeat(81) }), newId(), NOW);
    if (result.ok) throw new Error('expected errors');
    expect(result.errors.title).toEqual({ problem: 'tooShort', limit: 3 });
    expect(result.errors.areaLabel).toEqual({ problem: 'tooLong', limit: 80 });
  });

  it('refuses more than five skills, a zero or malformed budget, and out-of-range coordinates', () => {
    const six = { cleaning: 1, plumbing: 1, electrical: 1, carpentry: 1, painting: 1, gardening: 1 } as const;
    const tooMany = toGigPost(filled({ skills: six }), newId(), NOW);
    expect(tooMany.ok || tooMany.errors.skills).toEqual({ problem: 'tooMany', limit: 5 });
    for (const budget of ['0', 'ten', '-5', '1e3', '.']) {
      const r = toGigPost(filled({ budget }), newId(), NOW);
      expect(r.ok || r.errors.budget, budget).toEqual({ problem: 'invalid' });
    }
    const far = toGigPost(filled({ lat: '95' }), newId(), NOW);
    expect(far.ok || far.errors.location).toEqual({ problem: 'invalid' });
    const half = toGigPost(filled({ lng: '' }), newId(), NOW);
    expect(half.ok || half.errors.location).toEqual({ problem: 'invalid' });
  });

  it('tells a budget over one charge and one off its currency’s step apart from a malformed one', () => {
    const problem = (budget: string, currency: GigFormValues['currency']) => {
      const r = toGigPost(filled({ budget, currency }), newId(), NOW);
      return r.ok || r.errors.budget;
    };
    expect(problem('1000000', 'USD')).toEqual({ problem: 'tooBig', currency: 'USD' });
    expect(problem('1500000', 'COP')).toEqual({ problem: 'tooBig', currency: 'COP' });
    expect(problem('100000000', 'JPY')).toEqual({ problem: 'tooBig', currency: 'JPY' });
    expect(problem('12.345', 'KWD')).toEqual({ problem: 'offStep', currency: 'KWD' });
    expect(problem('0', 'KWD')).toEqual({ problem: 'invalid' });
  });

  it('says what is off in an amount typed as people write them: thousands separators, too many decimals, too many digits', () => {
    const problem = (budget: string, currency: GigFormValues['currency'] = 'USD') => {
      const r = toGigPost(filled({ budget, currency }), newId(), NOW);
      return r.ok || r.errors.budget;
    };
    for (const budget of ['1,000', '1.000', '12,345.50', '1.000,50', '1,000,000', '120.999'])
      expect(problem(budget), budget).toEqual({ problem: 'grouping', limit: 2 });
    // A separator before three digits is thousands in some languages and decimals in others: without the
    // reader's language it is said both ways; with it, their language decides.
    expect(problem('80.505')).toEqual({ problem: 'grouping', limit: 2 });
    const inLanguage = (budget: string, locale: 'en' | 'es') => {
      const r = toGigPost(filled({ budget }), newId(), NOW, locale);
      return r.ok || r.errors.budget;
    };
    expect(inLanguage('95.505', 'en')).toEqual({ problem: 'decimals', limit: 2 });
    expect(inLanguage('95,505', 'en')).toEqual({ problem: 'grouping', limit: 2 });
    expect(inLanguage('95,505', 'es')).toEqual({ problem: 'decimals', limit: 2 });
    expect(inLanguage('1.000', 'es')).toEqual({ problem: 'grouping', limit: 2 });
    // The sentence's example follows the currency: JPY has no decimals to show.
    expect(problem('1,000', 'JPY')).toEqual({ problem: 'grouping', limit: 0 });
    expect(problem('80.5055')).toEqual({ problem: 'decimals', limit: 2 });
    for (const budget of ['0.001', '0,999']) expect(problem(budget), budget).toEqual({ problem: 'decimals', limit: 2 });
    expect(problem('80,5055')).toEqual({ problem: 'decimals', limit: 2 });
    expect(problem('80.5', 'JPY')).toEqual({ problem: 'decimals', limit: 0 });
    expect(problem('99999999999')).toEqual({ problem: 'tooBig', currency: 'USD' });
    // What it still takes: a comma or a point for the decimals.
    for (const budget of ['80,50', '80.50', '1000', '1000.5']) expect(problem(budget), budget).toBe(true);
  });

  it('takes the most one charge may be, and KWD in steps of 0.010, as the shared schema does', () => {
    const cases = [['999999.99', 'USD', 99_999_999], ['99999999', 'JPY', 99_999_999], ['12.34', 'KWD', 12_340], ['99999.990', 'KWD', 99_999_990]] as const;
    for (const [budget, currency, amount] of cases) {
      const r = toGigPost(filled({ budget, currency }), newId(), NOW);
      if (!r.ok) throw new Error(`${budget} ${currency}: ${JSON.stringify(r.errors)}`);
      expect(r.payload.budget).toEqual({ amount, currency });
      expect(commandPayloads['gig.post'].safeParse(r.payload).success, budget).toBe(true);
    }
  });

  it('refuses an expiry that has already passed (the server would reject the gig)', () => {
    const result = toGigPost(filled({ expiresAt: '2029-12-31T10:00' }), newId(), NOW);
    expect(result.ok || result.errors.expiresAt).toEqual({ problem: 'inPast' });
  });
});

describe('form helpers', () => {
  it('parses coordinates with either decimal mark and rejects words', () => {
    expect(parseCoordinate(' 37,5 ')).toBe(37.5);
    expect(parseCoordinate('-122.4')).toBe(-122.4);
    expect(parseCoordinate('north')).toBeNull();
    expect(parseCoordinate('')).toBeNull();
  });

  it('round-trips datetime-local values through ISO instants', () => {
    const iso = localInputToIso('2030-05-01T09:30')!;
    expect(isoToLocalInput(iso)).toBe('2030-05-01T09:30');
    expect(localInputToIso('tomorrow')).toBeNull();
  });
});
