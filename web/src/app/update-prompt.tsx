// A new deployed version is offered, never swapped in under the user: "Update" reloads into it.
import { useRegisterSW } from 'virtual:pwa-register/react';
import { useT } from '../i18n/i18n';
import { appMessages } from './messages';

export function UpdatePrompt() {
  const t = useT(appMessages);
  const {
    needRefresh: [needRefresh, setNeedRefresh],
    updateServiceWorker,
  } = useRegisterSW({
    onRegisteredSW(_url, registration) {
      // Look for a new version hourly while the app stays open (field workers rarely close it).
      if (registration) setInterval(() => void registration.update().catch(() => undefined), 60 * 60 * 1000);
    },
  });
  if (!needRefresh) return null;
  return (
    <div className="update-prompt" role="alertdialog" aria-labelledby="update-text" data-testid="update-prompt">
      <p id="update-text">{t('updateReady')}</p>
      <button type="button" className="btn" onClick={() => void updateServiceWorker(true)}>
        {t('update')}
      </button>
      <button type="button" className="btn-link" onClick={() => setNeedRefresh(false)}>
        {t('later')}
      </button>
    </div>
  );
}
