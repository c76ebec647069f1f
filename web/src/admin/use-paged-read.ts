// A money list the server hands out in pages (the disputes queue, the audit log): the first page as an online
// read, then "show more" pages fetched with the cursor the last page named.
import { useEffect, useState } from 'react';
import { useSync } from '../app/sync-context';
import { moneyGet, useMoneyRead } from '../money/money-api';

export function usePagedRead<P extends { next: string | number | null }>(path: string, cursor: 'after' | 'before') {
  const { read, reload, offline } = useMoneyRead<P>(path);
  const client = useSync();
  const [more, setMore] = useState<P[]>([]);
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreFailed, setMoreFailed] = useState(false);

  // A new first page starts the list over.
  useEffect(() => {
    setMore([]);
    setMoreFailed(false);
  }, [read]);

  const first = read.state === 'ready' ? read.data : undefined;
  const next = (more.at(-1) ?? first)?.next ?? null;

  async function loadMore() {
    if (next === null) return;
    setLoadingMore(true);
    setMoreFailed(false);
    try {
      const page = await moneyGet<P>(client, `${path}${path.includes('?') ? '&' : '?'}${cursor}=${encodeURIComponent(String(next))}`);
      setMore((pages) => [...pages, page]);
    } catch {
      setMoreFailed(true);
    } finally {
      setLoadingMore(false);
    }
  }

  return { read, reload, offline, pages: first ? [first, ...more] : [], next, loadMore, loadingMore, moreFailed };
}
