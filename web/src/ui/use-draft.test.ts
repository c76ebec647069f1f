// @vitest-environment happy-dom
// Drafts (and money figures kept on the device) belong to their person: another person signing in on the phone never finds them.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { forgetOtherAccounts } from '../app/wipe-device';
import { draftCount, otherPeoplesDrafts } from './use-draft';

afterEach(() => {
  localStorage.clear();
  vi.unstubAllGlobals();
});

describe('drafts on a shared phone', () => {
  it('are dropped for everyone but the person signing in, whose own stay', async () => {
    localStorage.setItem('fw.draft.fwaaa.chat.b1', 'Half a message of A');
    localStorage.setItem('fw.draft.fwbbb.chat.b1', 'Half a message of B');
    localStorage.setItem('fw.draft.fwbbb.evidence.d1', 'Evidence of B');
    localStorage.setItem('fw.read.fwaaa./money/statement?from=2026-11-01', '{"at":"2026-11-20T10:00:00.000Z","data":{}}');
    localStorage.setItem('fw.read.fwbbb./money/payments?from=2026-11-01', '{"at":"2026-11-20T10:00:00.000Z","data":{}}');
    localStorage.setItem('fw.locale', 'es');
    expect(otherPeoplesDrafts('fwbbb')).toEqual(['fw.draft.fwaaa.chat.b1']);
    // B signs in after A's session ended without a sign-out (this test's browser lists no databases).
    vi.stubGlobal('indexedDB', {});
    await forgetOtherAccounts('fwbbb');
    // Their money figures kept on the device go with them.
    expect(Object.keys(localStorage).sort()).toEqual(['fw.draft.fwbbb.chat.b1', 'fw.draft.fwbbb.evidence.d1', 'fw.locale', 'fw.read.fwbbb./money/payments?from=2026-11-01']);
  });

  it('are counted per person, for the sign-out question', () => {
    localStorage.setItem('fw.draft.fwaaa.chat.b1', 'Half a message of A');
    localStorage.setItem('fw.draft.fwbbb.chat.b1', 'Half a message of B');
    localStorage.setItem('fw.draft.fwbbb.evidence.d1', 'Evidence of B');
    localStorage.setItem('fw.locale', 'es');
    expect(draftCount('fwbbb')).toBe(2);
    expect(draftCount('fwaaa')).toBe(1);
    expect(draftCount('fwccc')).toBe(0);
  });
});
