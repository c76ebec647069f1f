// A button that saves a file the server makes (a CSV statement, an evidence attachment). A plain link cannot
// carry the access token, so the file is fetched with it (moneyDownload) and handed to the browser to save.
import { useState } from 'react';
import { useSync } from '../app/sync-context';
import { formatBytes } from '../i18n/format';
import { useLocale, useT } from '../i18n/i18n';
import { ActionNote } from './action-note';
import { MoneyHttpError, moneyDownload, refusalText } from './money-api';
import { moneyMessages } from './messages';

interface Props {
  path: string;
  /** The name to save under when the server does not give one. */
  fallbackName: string;
  label: string;
  className: string;
  testId: string;
}

export function DownloadButton({ path, fallbackName, label, className, testId }: Props) {
  const t = useT(moneyMessages);
  const { locale } = useLocale();
  const client = useSync();
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState('');

  async function download() {
    setBusy(true);
    setProblem('');
    try {
      await moneyDownload(client, path, fallbackName);
    } catch (err) {
      setProblem(err instanceof MoneyHttpError ? t('downloadFailed', { reason: refusalText(err, locale) }) : t('noConnectionForDownload'));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <button type="button" className={className} disabled={busy} onClick={() => void download()} data-testid={testId}>
        {label}
      </button>
      <ActionNote doing={busy ? t('downloading') : ''} problem={problem} />
    </>
  );
}

/** A dispute's evidence file, named with its size: for the mediator, and for both parties once evidence cites it. */
export function AttachmentDownload({ id, name, size }: { id: string; name: string; size: number }) {
  const t = useT(moneyMessages);
  const { locale } = useLocale();
  return (
    <DownloadButton
      path={`/disputes/attachments/${encodeURIComponent(id)}`}
      fallbackName={name}
      label={t('downloadFile', { name, size: formatBytes(size, locale) })}
      className="btn-link"
      testId="attachment"
    />
  );
}
