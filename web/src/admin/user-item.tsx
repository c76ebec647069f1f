// One person in the users list: who they are, and a switch per role that grants or revokes it with `user.set_roles`.
import { useLocation } from 'wouter';
import { ROLES, type Role } from '@shared/roles';
import { useSync } from '../app/sync-context';
import { useLocale, useT } from '../i18n/i18n';
import { rejectionText } from '../i18n/rejections';
import type { RejectedCommand } from '../sync/client';
import type { ViewDoc } from '../sync/optimistic';
import { PendingMark } from '../ui/pending-mark';
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

  async function toggle(role: Role, on: boolean) {
    // Built from the roles as shown, pending changes included, so quick toggles add up instead of undoing each other.
    const payload = setRolesPayload(p.id, p.roles, role, on);
    if (!payload) return;
    const leaving = revokesOwnAdmin(client.userId, p.id, role, on);
    if (leaving && !window.confirm(t('confirmOwnAdmin'))) return;
    await client.issue('user.set_roles', payload);
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
                onChange={(e) => void toggle(role, e.target.checked)}
                data-testid={`role-${role}`}
              />
              {t(ROLE_LABEL[role])}
            </label>
          );
        })}
      </fieldset>
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
