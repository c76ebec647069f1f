// Finding people: search by name or phone, role and availability filters, and the filter in the URL.
import { describe, expect, it } from 'vitest';
import type { Role } from '@shared/roles';
import { filterUsers, matchesQuery, parseUserFilter, userFilterSearch } from './user-filter';

const person = (displayName: string, phone: string, roles: Role[], available = false) => ({ displayName, phone, roles, available });
const ada = person('Ada Admin', '+14155550100', ['consumer', 'admin']);
const lucia = person('Lucía Cliente', '+14155550103', ['consumer']);
const omar = person('Omar Operator', '+14155550110', ['consumer', 'operator'], true);
const olga = person('Olga Fixer', '+14155550111', ['consumer', 'operator'], false);
const people = [omar, lucia, olga, ada];

describe('matchesQuery', () => {
  it('finds names by any part, ignoring case and accents', () => {
    expect(matchesQuery(lucia, 'lucia')).toBe(true);
    expect(matchesQuery(lucia, 'CLIENTE luc')).toBe(true);
    expect(matchesQuery(lucia, 'lucia admin')).toBe(false);
  });

  it('finds phone numbers however they are written', () => {
    expect(matchesQuery(omar, '555 0110')).toBe(true);
    expect(matchesQuery(omar, '+1 (415) 555-0110')).toBe(true);
    expect(matchesQuery(omar, '0111')).toBe(false);
  });

  it('does not treat a name with digits as a phone number', () => {
    expect(matchesQuery(omar, 'omar 0110')).toBe(false);
  });

  it('matches everyone for an empty query', () => {
    expect(matchesQuery(omar, '   ')).toBe(true);
  });
});

describe('filterUsers', () => {
  it('filters by role and sorts by name', () => {
    expect(filterUsers(people, { role: 'operator' }, '', 'en').map((p) => p.displayName)).toEqual(['Olga Fixer', 'Omar Operator']);
    expect(filterUsers(people, {}, '', 'en').map((p) => p.displayName)).toEqual(['Ada Admin', 'Lucía Cliente', 'Olga Fixer', 'Omar Operator']);
  });

  it('shows only operators available now, and combines with the search', () => {
    expect(filterUsers(people, { available: true }, '', 'en')).toEqual([omar]);
    expect(filterUsers(people, { role: 'consumer' }, '5550111', 'en')).toEqual([olga]);
  });
});

describe('the filter in the URL', () => {
  it('round-trips and ignores what it does not know', () => {
    expect(parseUserFilter(userFilterSearch({ role: 'admin' }))).toEqual({ role: 'admin' });
    expect(parseUserFilter(userFilterSearch({ available: true }))).toEqual({ available: true });
    expect(userFilterSearch({})).toBe('');
    expect(parseUserFilter('?role=root&available=yes')).toEqual({});
  });
});
