// A mediator's note on an open dispute: words both sides read with the evidence (they are told of it), kept with the
// dispute, sent as dispute.add_evidence like the parties' own. What the mediator learned by phone, say, or what they
// ask each side for before deciding.
import { useEffect, useId, useState, type FormEvent } from 'react';
import { useCanReachServer } from '../bookings/use-money-step';
import { useLocale, useT } from '../i18n/i18n';
import { rejectionText } from '../i18n/rejections';
import type { DisputeDetail } from '../money/api-types';
import { useMoneyCommand } from '../money/use-money-command';
import { newId } from '../sync/ids';
import { TextAreaField } from '../ui/text-area-field';
import { adminMoneyMessages } from './money-messages';

/** `onAdded`: the server took the note; the page reads the dispute again to show it among the evidence. */
export function MediatorNote({ detail, onAdded }: { detail: DisputeDetail; onAdded(): void }) {
  const t = useT(adminMoneyMessages);
  const { locale } = useLocale();
  const add = useMoneyCommand('dispute.add_evidence');
  const reachable = useCanReachServer();
  const [text, setText] = useState('');
  const [missing, setMissing] = useState(false);
  const id = useId();
  const { state } = add.outcome;

  useEffect(() => {
    if (state !== 'applied') return;
    setText('');
    onAdded();
  }, [state, onAdded]);

  function submit(e: FormEvent) {
    e.preventDefault();
    const note = text.trim();
    if (!note) return setMissing(true);
    void add.issue({ evidenceId: newId(), disputeId: detail.dispute.id, text: note, messageIds: [], attachmentIds: [] });
  }

  return (
    <form className="card" onSubmit={submit} noValidate data-testid="mediator-note">
      <h2>{t('mediatorNote')}</h2>
      <p className="hint">{t('mediatorNoteHint')}</p>
      <TextAreaField
        id={id}
        label={t('mediatorNoteLabel')}
        value={text}
        onChange={setText}
        error={missing ? t('mediatorNoteMissing') : undefined}
        onClearError={() => setMissing(false)}
        rows={3}
        maxLength={4000}
      />
      <div className="actions">
        <button type="submit" className="btn" disabled={state === 'pending' || !reachable} aria-busy={state === 'pending' || undefined}>
          {t('mediatorNoteAdd')}
        </button>
      </div>
      {!reachable && <p className="hint">{t('mediatorNoteOffline')}</p>}
      {state === 'applied' && (
        <p className="hint" role="status" data-testid="mediator-note-added">
          {t('mediatorNoteAdded')}
        </p>
      )}
      {add.outcome.state === 'rejected' && (
        <p className="error" role="alert">
          {rejectionText(add.outcome.code, add.outcome.message, locale)}
        </p>
      )}
    </form>
  );
}
