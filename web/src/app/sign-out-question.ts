// What signing out asks first: it erases this device's copy, so it says what would be lost with it — changes
// not yet sent, and words being written (drafts) that were never sent.
import type { Translate } from '../i18n/i18n';
import type { appMessages } from './messages';

type Key = keyof typeof appMessages.en;

export function signOutQuestion(t: Translate<Key>, pending: number, drafts: number): string {
  const question = pending === 1 ? t('signOutPendingOne') : pending > 1 ? t('signOutPending', { n: pending }) : t('signOutConfirm');
  if (drafts === 0) return question;
  return `${drafts === 1 ? t('signOutDraftOne') : t('signOutDrafts', { n: drafts })} ${question}`;
}
