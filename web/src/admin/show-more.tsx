// The foot of a paged money list: "Show more" while the server has more, and the plain offline line if a page failed.
import { useT } from '../i18n/i18n';
import { moneyMessages } from '../money/messages';
import { adminMoneyMessages } from './money-messages';

interface Props {
  next: string | number | null;
  loadMore(): Promise<void>;
  loadingMore: boolean;
  moreFailed: boolean;
}

export function ShowMore({ next, loadMore, loadingMore, moreFailed }: Props) {
  const t = useT(adminMoneyMessages);
  const tm = useT(moneyMessages);
  return (
    <>
      {next !== null && (
        <div className="actions">
          <button type="button" className="btn" disabled={loadingMore} onClick={() => void loadMore()}>
            {t('showMore')}
          </button>
        </div>
      )}
      {moreFailed && (
        <p className="error" role="alert">
          {tm('offline')}
        </p>
      )}
    </>
  );
}
