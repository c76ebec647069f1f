// The mark on anything not yet confirmed by the server: visible, and read out by screen readers.
import { useT } from '../i18n/i18n';
import { appMessages } from '../app/messages';

export function PendingMark({ show = true }: { show?: boolean }) {
  const t = useT(appMessages);
  if (!show) return null;
  return (
    <span className="pending-mark" data-testid="pending-mark">
      <span aria-hidden="true">◷ </span>
      {t('pendingMark')}
    </span>
  );
}
