// /a/users: everyone on the marketplace, searchable by name or phone, filtered by role, with their roles to grant or revoke.
import { useId, useState } from 'react';
import { useSearchParams } from 'wouter';
import { useViewAll } from '../app/sync-context';
import { useLocale, useT } from '../i18n/i18n';
import { Empty, Loading, Page } from '../ui/page';
import { adminMessages } from './messages';
import { useRoleRefusals } from './use-role-refusals';
import { filterUsers, parseUserFilter, userFilterSearch, type UserFilter } from './user-filter';
import { UserItem } from './user-item';

/** The "Show" choices: one value per filter the overview links to. */
const SHOW = [
  { value: '', filter: {}, label: 'allUsers' },
  { value: 'consumer', filter: { role: 'consumer' }, label: 'clients' },
  { value: 'operator', filter: { role: 'operator' }, label: 'operators' },
  { value: 'admin', filter: { role: 'admin' }, label: 'admins' },
  { value: 'available', filter: { available: true }, label: 'availableNow' },
] as const satisfies readonly { value: string; filter: UserFilter; label: string }[];

const showValue = (f: UserFilter) => (f.available ? 'available' : (f.role ?? ''));

export function UsersPage() {
  const t = useT(adminMessages);
  const { locale } = useLocale();
  const [params, setParams] = useSearchParams();
  const filter = parseUserFilter(params.toString());
  const [query, setQuery] = useState('');
  const profiles = useViewAll('profiles');
  const refusals = useRoleRefusals();
  const searchId = useId();
  const showId = useId();
  const lastRoleHint = useId();

  if (!profiles)
    return (
      <Page title={t('usersTitle')}>
        <Loading label={t('loading')} />
      </Page>
    );

  const shown = filterUsers(profiles, filter, query, locale);
  return (
    <Page title={t('usersTitle')}>
      <div className="admin-search">
        <div className="field">
          <label htmlFor={searchId}>{t('searchLabel')}</label>
          <input id={searchId} type="search" value={query} onChange={(e) => setQuery(e.target.value)} autoComplete="off" data-testid="user-search" />
        </div>
        <div className="field">
          <label htmlFor={showId}>{t('showLabel')}</label>
          <select
            id={showId}
            value={showValue(filter)}
            onChange={(e) => setParams(userFilterSearch(SHOW.find((s) => s.value === e.target.value)?.filter ?? {}), { replace: true })}
            data-testid="user-filter"
          >
            {SHOW.map((s) => (
              <option key={s.value} value={s.value}>
                {t(s.label)}
              </option>
            ))}
          </select>
        </div>
      </div>
      <p className="hint" id={lastRoleHint}>
        {t('lastRole')}
      </p>
      <p className="muted" role="status">
        {t('shownOf', { n: shown.length, total: profiles.length })}
      </p>
      {shown.length === 0 ? (
        <Empty>{t('noUsers')}</Empty>
      ) : (
        <ul className="list" aria-label={t('usersTitle')}>
          {shown.map((p) => (
            <UserItem key={p.id} profile={p} refusals={refusals.get(p.id) ?? []} lastRoleHint={lastRoleHint} />
          ))}
        </ul>
      )}
    </Page>
  );
}
