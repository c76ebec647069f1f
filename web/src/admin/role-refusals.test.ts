// Refused role changes grouped by the person their command was about.
import { describe, expect, it } from 'vitest';
import type { RejectedCommand } from '../sync/client';
import { refusalsByUser } from './role-refusals';

const USER = '0190a000-0000-7000-8000-000000000010';
const refused = (id: string, type = 'user.set_roles'): RejectedCommand => ({ id, type, code: 'last_admin', message: 'You cannot remove the last admin role.', issuedAt: '2026-11-20T12:00:00.000Z' });

describe('refusalsByUser', () => {
  it('puts each refused role change under the person its payload names', () => {
    const map = refusalsByUser(
      [refused('c1'), refused('c2'), refused('c3', 'gig.post')],
      [
        { id: 'c1', payload: JSON.stringify({ userId: USER, roles: ['consumer'] }) },
        { id: 'c2', payload: JSON.stringify({ userId: USER, roles: ['operator'] }) },
        { id: 'c3', payload: JSON.stringify({ userId: USER }) },
      ],
    );
    expect([...map.keys()]).toEqual([USER]);
    expect(map.get(USER)!.map((r) => r.id)).toEqual(['c1', 'c2']);
  });

  it('leaves out refusals whose command is not stored or unreadable', () => {
    const map = refusalsByUser([refused('c1'), refused('c2')], [{ id: 'c2', payload: '{not json' }]);
    expect(map.size).toBe(0);
  });
});
