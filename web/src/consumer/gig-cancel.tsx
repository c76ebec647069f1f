// Cancelling a gig: a confirm step with an optional reason, then `gig.cancel`.
import { useEffect, useRef, useState } from 'react';
import { useSync } from '../app/sync-context';
import type { Notice } from '../bookings/command-notice';
import { useT } from '../i18n/i18n';
import { consumerMessages } from './messages';

export function GigCancel({ gigId, onDone }: { gigId: string; onDone(notice: Notice): void }) {
  const t = useT(consumerMessages);
  const client = useSync();
  const [confirming, setConfirming] = useState(false);
  const [reason, setReason] = useState('');
  const [saving, setSaving] = useState(false);
  const question = useRef<HTMLParagraphElement>(null);
  const ask = useRef<HTMLButtonElement>(null);
  // Back on the button that asked after "Keep gig", not lost to the page.
  const [returnFocus, setReturnFocus] = useState(false);
  useEffect(() => {
    if (!confirming && returnFocus) {
      ask.current?.focus();
      setReturnFocus(false);
    }
  }, [confirming, returnFocus]);

  if (!confirming) {
    return (
      <button
        ref={ask}
        type="button"
        className="btn btn-danger"
        onClick={() => {
          setConfirming(true);
          // Move focus to the question so keyboard and screen-reader users land in the confirm step.
          setTimeout(() => question.current?.focus(), 0);
        }}
      >
        {t('cancelGig')}
      </button>
    );
  }

  async function confirm() {
    setSaving(true);
    try {
      const trimmed = reason.trim();
      const { id } = await client.issue('gig.cancel', { gigId, ...(trimmed ? { reason: trimmed } : {}) });
      onDone({ commandId: id });
    } finally {
      setSaving(false);
      setConfirming(false);
    }
  }

  return (
    <div className="card confirm-step">
      <p ref={question} tabIndex={-1}>
        <strong>{t('cancelGigQuestion')}</strong>
      </p>
      <div className="field">
        <label htmlFor="gig-cancel-reason">{t('cancelGigReason')}</label>
        <textarea id="gig-cancel-reason" value={reason} maxLength={500} onChange={(e) => setReason(e.target.value)} />
      </div>
      <div className="actions">
        <button type="button" className="btn btn-danger" disabled={saving} onClick={() => void confirm()}>
          {t('confirmCancel')}
        </button>
        <button
          type="button"
          className="btn"
          onClick={() => {
            setConfirming(false);
            setReturnFocus(true);
          }}
        >
          {t('keepGig')}
        </button>
      </div>
    </div>
  );
}
