// Role toggles: the user.set_roles payload each one produces, and when the UI must not offer or must confirm it.
import { describe, expect, it } from 'vitest';
import { commandPayloads } from '@shared/commands';
import { isLastRole, revokesOwnAdmin, setRolesPayload, withRole } from './role-change';

const USER = '0190a000-0000-7000-8000-000000000010';
const ME = '0190a000-0000-7000-8000-000000000001';

describe('withRole', () => {
  it('grants a role, keeping the others, in the canonical order', () => {
    expect(withRole(['admin'], 'consumer', true)).toEqual(['consumer', 'admin']);
    expect(withRole(['consumer'], 'operator', true)).toEqual(['consumer', 'operator']);
  });

  it('revokes a role and keeps consumer unless that is the one removed', () => {
    expect(withRole(['consumer', 'operator'], 'operator', false)).toEqual(['consumer']);
    expect(withRole(['consumer', 'operator'], 'consumer', false)).toEqual(['operator']);
  });

  it('refuses to leave nobody with no role', () => {
    expect(withRole(['operator'], 'operator', false)).toBeNull();
  });
});

describe('setRolesPayload', () => {
  it('carries the full new role list, which the shared schema accepts', () => {
    const payload = setRolesPayload(USER, ['consumer', 'operator'], 'admin', true);
    expect(payload).toEqual({ userId: USER, roles: ['consumer', 'operator', 'admin'] });
    expect(commandPayloads['user.set_roles'].safeParse(payload).success).toBe(true);
  });

  it('sends nothing when the switch already shows the role, or when no role would be left', () => {
    expect(setRolesPayload(USER, ['consumer'], 'consumer', true)).toBeNull();
    expect(setRolesPayload(USER, ['consumer'], 'admin', false)).toBeNull();
    expect(setRolesPayload(USER, ['consumer'], 'consumer', false)).toBeNull();
  });

  it('builds on the roles as shown, so two quick changes add up', () => {
    const first = setRolesPayload(USER, ['consumer'], 'operator', true)!;
    expect(setRolesPayload(USER, first.roles as never, 'admin', true)).toEqual({ userId: USER, roles: ['consumer', 'operator', 'admin'] });
  });
});

describe('isLastRole and revokesOwnAdmin', () => {
  it('marks only the sole remaining role as locked', () => {
    expect(isLastRole(['consumer'], 'consumer')).toBe(true);
    expect(isLastRole(['consumer', 'admin'], 'consumer')).toBe(false);
    expect(isLastRole(['consumer'], 'admin')).toBe(false);
  });

  it('asks only when an admin removes their own admin role', () => {
    expect(revokesOwnAdmin(ME, ME, 'admin', false)).toBe(true);
    expect(revokesOwnAdmin(ME, ME, 'operator', false)).toBe(false);
    expect(revokesOwnAdmin(ME, USER, 'admin', false)).toBe(false);
    expect(revokesOwnAdmin(ME, ME, 'admin', true)).toBe(false);
  });
});
