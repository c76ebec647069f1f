// A row of counts, each a link to the list it counts (the overview's tiles).
import { Link } from 'wouter';
import { useLocale } from '../i18n/i18n';

export interface CountLink {
  label: string;
  count: number;
  href: string;
  testId: string;
}

export function CountLinks({ items, label }: { items: readonly CountLink[]; label: string }) {
  const { locale } = useLocale();
  return (
    <ul className="admin-stats" aria-label={label}>
      {items.map((item) => (
        <li key={item.href}>
          <Link href={item.href} data-testid={item.testId} data-count={item.count}>
            <span className="admin-stat-count">{item.count.toLocaleString(locale)}</span>
            <span>{item.label}</span>
          </Link>
        </li>
      ))}
    </ul>
  );
}
