// One person in the users list: who they are, and a switch per role that grants or revokes it with `user.set_roles`.
import { useState, type FormEvent } from 'react';
import { useLocation } from 'wouter';
import { bookingEnded } from '@shared/booking-machine';
import { ROLES, type Role } from '@shared/roles';
import { useSync, useViewAll } from '../app/sync-context';
import { useLocale, useT } from '../i18n/i18n';
import { rejectionText } from '../i18n/rejections';
import type { RejectedCommand } from '../sync/client';
import type { ViewDoc } from '../sync/optimistic';
import { PendingMark } from '../ui/pending-mark';
import { TextAreaField } from '../ui/text-area-field';
import { adminMessages } from './messages';
import { isLastRole, revokesOwnAdmin, setRolesPayload } from './role-change';

const ROLE_LABEL = { consumer: 'roleConsumer', operator: 'roleOperator', admin: 'roleAdmin' } as const;
const ROLE_FOR = { consumer: 'roleConsumerFor', operator: 'roleOperatorFor', admin: 'roleAdminFor' } as const;
const LANGUAGE = { en: 'languageEn', es: 'languageEs' } as const;

interface Props {
  profile: ViewDoc<'profiles'>;
  refusals: readonly RejectedCommand[];
  /** The id of the page's note saying why a person's only role cannot be switched off. */
  lastRoleHint: string;
}

export function UserItem({ profile: p, refusals, lastRoleHint }: Props) {
  const t = useT(adminMessages);
  const { locale } = useLocale();
  const client = useSync();
  const [, navigate] = useLocation();
  const name = p.displayName || p.phone;
  const isMe = p.id === client.userId;
  const rolesPending = p.pendingFields.includes('roles');

  // A switch asks first, with why: every change of roles goes into the audit log, and one click must not make an admin.
  const [asking, setAsking] = useState<{ role: Role; on: boolean } | null>(null);
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string | undefined>();

  function ask(role: Role, on: boolean) {
    if (!setRolesPayload(p.id, p.roles, role, on)) return;
    setAsking({ role, on });
    setReason('');
    setProblem(undefined);
  }

  async function change(e: FormEvent) {
    e.preventDefault();
    if (!asking) return;
    // Built from the roles as shown, pending changes included, so quick changes add up instead of undoing each other.
    const payload = setRolesPayload(p.id, p.roles, asking.role, asking.on);
    if (!payload) return setAsking(null);
    const why = reason.trim();
    if (!why) return setProblem(t('roleReasonMissing'));
    const leaving = revokesOwnAdmin(client.userId, p.id, asking.role, asking.on);
    setAsking(null);
    await client.issue('user.set_roles', { ...payload, reason: why });
    // The admin area closes for this person at once (the view applies the change); the start page picks another area.
    if (leaving) navigate('~/');
  }

  return (
    <li className="list-item admin-user" data-testid="admin-user" data-user-id={p.id}>
      <span className="list-item-title">{name}</span>
      {isMe && <span className="muted"> ({t('you')})</span>}
      <PendingMark show={p.pending} />
      <p className="meta">
        <span>{p.phone}</span>
        <span>{t(LANGUAGE[p.locale])}</span>
        {p.roles.includes('operator') && <span>{p.available ? t('available') : t('notAvailable')}</span>}
      </p>
      <fieldset className="admin-roles" data-pending={rolesPending}>
        <legend className="visually-hidden">{t('rolesOf', { name })}</legend>
        {ROLES.map((role) => {
          const has = p.roles.includes(role);
          const last = has && isLastRole(p.roles, role);
          return (
            <label key={role} className="check">
              <input
                type="checkbox"
                checked={has}
                disabled={last}
                aria-label={t(ROLE_FOR[role], { name })}
                aria-describedby={last ? lastRoleHint : undefined}
                onChange={(e) => ask(role, e.target.checked)}
                data-testid={`role-${role}`}
              />
              {t(ROLE_LABEL[role])}
            </label>
          );
        })}
      </fieldset>
      {asking && (
        <form className="role-change card" onSubmit={(e) => void change(e)} data-testid="role-change">
          <p>
            {revokesOwnAdmin(client.userId, p.id, asking.role, asking.on)
              ? t('confirmOwnAdmin')
              : t(asking.on ? 'roleGrantQuestion' : 'roleRevokeQuestion', { name, role: t(ROLE_LABEL[asking.role]) })}
          </p>
          {asking.role === 'operator' && !asking.on && <WorkUnderWay workerId={p.id} name={name} />}
          <TextAreaField id={`role-reason-${p.id}`} label={t('roleReasonLabel')} value={reason} onChange={setReason} error={problem} onClearError={() => setProblem(undefined)} maxLength={500} />
          <p className="actions">
            <button type="submit" className="btn">
              {t('roleConfirm')}
            </button>
            <button type="button" className="btn-link" onClick={() => setAsking(null)}>
              {t('roleKeep')}
            </button>
          </p>
        </form>
      )}
      {refusals.map((r) => (
        <p key={r.id} className="error admin-refusal" data-testid="role-refusal" data-code={r.code}>
          {t('roleRefused', { reason: rejectionText(r.code, r.message, locale) })}{' '}
          <button type="button" className="btn-link" onClick={() => void client.dismiss(r.id)}>
            {t('dismiss')}
          </button>
        </p>
      ))}
    </li>
  );
}

/** Taking the worker role from someone with work under way: what it means for them, said before it is done. */
function WorkUnderWay({ workerId, name }: { workerId: string; name: string }) {
  const t = useT(adminMessages);
  const bookings = useViewAll('bookings', { selector: { workerId } });
  const n = (bookings ?? []).filter((b) => !bookingEnded(b.status)).length;
  if (n === 0) return null;
  return (
    <p className="notice" data-testid="role-work-under-way">
      {n === 1 ? t('roleWorkUnderWayOne', { name }) : t('roleWorkUnderWay', { name, n })}
    </p>
  );
}
