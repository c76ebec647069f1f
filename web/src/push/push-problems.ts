// What the notifications panel says when turning on did not work: a sentence a person can act on, per problem.
import type { Translate } from '../i18n/i18n';
import type { pushMessages } from './messages';
import { PushError, type PushProblem } from './push-device';

type Key = keyof typeof pushMessages.en;

/** `denied` has no sentence of its own: the panel then shows how to allow notifications in the site settings. */
const TEXT: Record<Exclude<PushProblem, 'denied'>, Key> = {
  offline: 'problemOffline',
  dismissed: 'problemDismissed',
  subscribe_failed: 'problemSubscribe',
  server_failed: 'problemServer',
  too_many: 'problemTooMany',
};

/** The problem behind any failure of turning on; what is not a PushError is the browser's own failure. */
export function pushProblemOf(err: unknown): PushProblem {
  return err instanceof PushError ? err.problem : 'subscribe_failed';
}

export function pushProblemText(problem: PushProblem, t: Translate<Key>): string {
  return problem === 'denied' ? t('denied') : t(TEXT[problem]);
}
