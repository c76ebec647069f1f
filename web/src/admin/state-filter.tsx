// Filter links for a list by state, each with its count; the chosen one is marked for screen readers.
import { Link } from 'wouter';
import { useLocale, useT } from '../i18n/i18n';
import { adminMessages } from './messages';

interface Props<S extends string> {
  /** The list's path inside the admin nest ("/gigs"). */
  base: string;
  states: readonly S[];
  counts: Record<S, number>;
  total: number;
  current: S | undefined;
  nameOf(state: S): string;
}

export function StateFilter<S extends string>({ base, states, counts, total, current, nameOf }: Props<S>) {
  const t = useT(adminMessages);
  const { locale } = useLocale();
  // States nobody is in would only push the list down a phone screen; the chosen one always shows.
  const shown = states.filter((s) => counts[s] > 0 || s === current);
  const item = (key: string, href: string, label: string, count: number, active: boolean) => (
    <li key={key}>
      <Link href={href} aria-current={active ? 'true' : undefined} data-testid={`state-filter-${key}`}>
        {label} <span className="badge">{count.toLocaleString(locale)}</span>
      </Link>
    </li>
  );
  return (
    <nav aria-label={t('filterByState')}>
      <ul className="admin-filter">
        {item('all', base, t('allStates'), total, current === undefined)}
        {shown.map((s) => item(s, `${base}?state=${s}`, nameOf(s), counts[s], s === current))}
      </ul>
    </nav>
  );
}
