// "Available for work": the operator's on/off switch, always at the top of the area; issues availability.set.
import { useId, useState } from 'react';
import { Link } from 'wouter';
import { useMe, useSync } from '../app/sync-context';
import { useT } from '../i18n/i18n';
import { PendingMark } from '../ui/pending-mark';
import { operatorMessages } from './messages';
import { missingForAvailability } from './readiness';

export function AvailabilitySwitch() {
  const t = useT(operatorMessages);
  const client = useSync();
  const me = useMe();
  const hintId = useId();
  const [busy, setBusy] = useState(false);
  // Hold the switch's place while the profile loads, so the screen below does not jump when it appears.
  if (!me) return <div className="op-availability op-availability-placeholder" aria-hidden="true" />;

  const available = me.available;
  const missing = missingForAvailability(me);
  // The server refuses to switch on without skills and a home (profile_incomplete): say so before, not after.
  const blocked = !available && missing.length > 0;
  const pending = me.pendingFields.includes('available');

  async function toggle() {
    if (blocked || busy) return;
    setBusy(true);
    try {
      await client.issue('availability.set', { available: !available });
    } finally {
      setBusy(false);
    }
  }

  const needs = missing.length === 2 ? 'needsSkillsAndHome' : missing[0] === 'skills' ? 'needsSkills' : 'needsHome';
  return (
    <div className="op-availability" data-testid="availability">
      <button
        type="button"
        role="switch"
        aria-checked={available}
        aria-disabled={blocked || undefined}
        aria-describedby={blocked ? hintId : undefined}
        className={`op-switch${available ? ' on' : ''}`}
        onClick={() => void toggle()}
        data-testid="availability-switch"
      >
        <span className="op-switch-track" aria-hidden="true">
          <span className="op-switch-thumb" />
        </span>
        <span className="op-switch-label">{t('availableForWork')}</span>
        {/* The state in words too, so it does not rest on colour; screen readers get it from aria-checked. */}
        <span className="op-switch-state" aria-hidden="true">
          {available ? t('switchOn') : t('switchOff')}
        </span>
      </button>
      <PendingMark show={pending} />
      {blocked && (
        <p className="hint" id={hintId} data-testid="availability-blocked">
          {t(needs)} <Link href="/profile">{t('completeProfile')}</Link>
        </p>
      )}
    </div>
  );
}
