// Adding evidence to an open dispute: words, messages from the booking's chat to point to, and files. Files go
// up first (POST /disputes/:id/attachments, raw body), then one dispute.add_evidence cites them by id.
import { useRef, useState, type FormEvent } from 'react';
import { ATTACHMENT_TYPES, isAttachmentType, MAX_ATTACHMENT_BYTES } from '@shared/money-api';
import { useSync, useViewAll } from '../app/sync-context';
import { formatDateTime } from '../i18n/format';
import { useLocale, useT } from '../i18n/i18n';
import { ActionNote } from '../money/action-note';
import { MoneyHttpError, moneyFetch, refusalText } from '../money/money-api';
import { newId } from '../sync/ids';
import type { ViewDoc } from '../sync/optimistic';
import { TextAreaField } from '../ui/text-area-field';
import { moneyMessages } from './money-messages';

/** What the server takes (shared/money-api.ts, commands.ts): these types, 2 MiB a file, 10 files and 20 messages per entry. */
const ACCEPT = ATTACHMENT_TYPES.join(',');
const MAX_FILES = 10;
const MAX_MESSAGES = 20;

interface Props {
  dispute: ViewDoc<'disputes'>;
  meId: string;
  disabled: boolean;
  run(issue: () => Promise<{ id: string }>): Promise<boolean>;
  /** The evidence as written so far, kept on the device (a draft, DisputeBox's), and its setter. */
  text: [string, (value: string) => void];
}

export function EvidenceForm({ dispute, meId, disabled, run, text: [text, setText] }: Props) {
  const t = useT(moneyMessages);
  const { locale } = useLocale();
  const client = useSync();
  const messages = useViewAll('messages', { selector: { bookingId: dispute.bookingId }, sort: [{ createdAt: 'asc' }] });
  const [picked, setPicked] = useState<ReadonlySet<string>>(new Set());
  const [files, setFiles] = useState<File[]>([]);
  const [error, setError] = useState('');
  const [progress, setProgress] = useState('');
  const fileInput = useRef<HTMLInputElement>(null);
  const textField = useRef<HTMLTextAreaElement>(null);
  const id = `evidence-${dispute.id}`;

  function toggle(messageId: string, on: boolean) {
    const next = new Set(picked);
    if (on) next.add(messageId);
    else next.delete(messageId);
    setPicked(next);
  }

  /** Uploads each file; the ids to cite, or null after saying why one failed. */
  async function upload(): Promise<string[] | null> {
    const ids: string[] = [];
    for (const file of files) {
      setProgress(t('uploading', { name: file.name }));
      try {
        const res = await moneyFetch(client, `/disputes/${dispute.id}/attachments?name=${encodeURIComponent(file.name)}`, {
          method: 'POST',
          headers: { 'content-type': file.type || 'application/octet-stream' },
          body: file,
        });
        ids.push(((await res.json()) as { id: string }).id);
      } catch (err) {
        setError(t('uploadFailed', { reason: err instanceof MoneyHttpError ? refusalText(err, locale) : t('noServer') }));
        return null;
      } finally {
        setProgress('');
      }
    }
    return ids;
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError('');
    const words = text.trim();
    if (!words && picked.size === 0 && files.length === 0) return setError(t('evidenceEmpty'));
    if (files.some((f) => f.size > MAX_ATTACHMENT_BYTES)) return setError(t('fileTooBig'));
    // `accept` only suggests: a phone's picker can still offer any file. Said here, in the person's language.
    const wrongType = files.find((f) => !isAttachmentType(f.type));
    if (wrongType) return setError(t('fileWrongType', { name: wrongType.name }));
    const attachmentIds = await upload();
    // The button is disabled while files go up, which drops focus: bring it back to the file that failed.
    if (!attachmentIds) return fileInput.current?.focus();
    if (!(await run(() => client.issue('dispute.add_evidence', { evidenceId: newId(), disputeId: dispute.id, text: words, messageIds: [...picked], attachmentIds })))) return;
    setText('');
    setPicked(new Set());
    setFiles([]);
    if (fileInput.current) fileInput.current.value = '';
    // The button stays disabled until the server answers: focus goes to the emptied field, ready for more.
    textField.current?.focus();
  }

  return (
    <form className="action-form evidence-form" onSubmit={(e) => void submit(e)} noValidate aria-labelledby={`${id}-heading`}>
      <h5 id={`${id}-heading`}>{t('addEvidence')}</h5>
      <TextAreaField id={`${id}-text`} label={t('evidenceText')} value={text} onChange={setText} rows={3} maxLength={4000} textareaRef={textField} />
      {(messages?.length ?? 0) > 0 && (
        <fieldset className="evidence-messages">
          <legend>{t('pickMessages')}</legend>
          {messages!.map((m) => (
            <label key={m.id} className="check">
              <input
                type="checkbox"
                checked={picked.has(m.id)}
                disabled={!picked.has(m.id) && picked.size >= MAX_MESSAGES}
                onChange={(e) => toggle(m.id, e.target.checked)}
              />
              <span>
                <span className="muted">
                  {m.senderId === meId ? t('you') : m.senderId === dispute.clientId ? t('theClient') : t('theWorker')} ·{' '}
                  {formatDateTime(m.createdAt, locale)}:
                </span>{' '}
                {m.body}
              </span>
            </label>
          ))}
        </fieldset>
      )}
      <div className="field">
        <label htmlFor={`${id}-file`}>{t('attachFile')}</label>
        <input
          id={`${id}-file`}
          ref={fileInput}
          type="file"
          accept={ACCEPT}
          multiple
          onChange={(e) => {
            setFiles([...(e.target.files ?? [])].slice(0, MAX_FILES));
            setError('');
          }}
        />
      </div>
      <ActionNote doing={progress} problem={error} />
      <button type="submit" className="btn" disabled={disabled || progress !== ''}>
        {t('sendEvidence')}
      </button>
    </form>
  );
}
