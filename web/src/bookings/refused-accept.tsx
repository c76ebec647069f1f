// A booking that never came to be: the worker's accept was refused (often after an offline tap), so say why
// on the page the worker was sent to, instead of an empty "not on this device".
import { Link } from 'wouter';
import type { CommandPayload } from '@shared/commands';
import { useViewAll } from '../app/sync-context';
import { useLocale, useT } from '../i18n/i18n';
import { rejectionText } from '../i18n/rejections';
import { bookingMessages } from './messages';

/** The refused accept that was to make this booking, if this device sent one. */
export function useRefusedAccept(bookingId: string) {
  const refused = useViewAll('commands', { selector: { type: 'gig.accept', status: 'rejected' } });
  return refused?.find((c) => (JSON.parse(c.payload) as CommandPayload<'gig.accept'>).bookingId === bookingId);
}

export function RefusedAccept({ cmd }: { cmd: NonNullable<ReturnType<typeof useRefusedAccept>> }) {
  const t = useT(bookingMessages);
  const { locale } = useLocale();
  const { gigId } = JSON.parse(cmd.payload) as CommandPayload<'gig.accept'>;
  return (
    <div className="notice" role="alert" data-testid="command-rejected" data-code={cmd.rejectionCode}>
      <p>{t('acceptRefused', { reason: rejectionText(cmd.rejectionCode ?? 'invalid_command', cmd.rejectionMessage ?? '', locale) })}</p>
      <Link href={`~/o/gigs/${gigId}`}>{t('backToGig')}</Link>
    </div>
  );
}
