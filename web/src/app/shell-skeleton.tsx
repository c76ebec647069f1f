// What shows while the signed-in app loads: the shell's frame laid out like the real one (the same header
// items, invisible), so that nothing jumps when the real header, status line and screen arrive.
import type { Role } from '@shared/roles';
import { useT } from '../i18n/i18n';
import { areasFor } from './areas';
import { appMessages } from './messages';

export function ShellSkeleton({ label, roles }: { label: string; roles: readonly Role[] }) {
  const t = useT(appMessages);
  const areas = areasFor(roles);
  return (
    <div className="shell">
      <header className="topbar">
        <span className="brand">{t('appName')}</span>
        {areas.length > 1 && (
          <span className="area-switch skeleton-hidden" aria-hidden="true">
            {areas.map((a) => (
              <a key={a.path}>{t(a.label)}</a>
            ))}
          </span>
        )}
        <span className="lang skeleton-hidden" aria-hidden="true">
          <select tabIndex={-1} disabled>
            <option>Español</option>
          </select>
        </span>
        <button type="button" className="btn-link signout skeleton-hidden" tabIndex={-1} aria-hidden="true">
          {t('signOut')}
        </button>
      </header>
      <div className="status">
        <p className="status-line muted" role="status">
          {label}
        </p>
      </div>
    </div>
  );
}
