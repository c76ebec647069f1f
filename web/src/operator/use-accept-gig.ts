// Accepting a gig: issue gig.accept, then open the booking — at once offline, after the server's answer online.
import { useEffect, useRef, useState } from 'react';
import { useLocation } from 'wouter';
import { useSync, useSyncStatus } from '../app/sync-context';
import { newId } from '../sync/ids';

/**
 * How long a connected device waits for the server's answer before opening the (not yet confirmed)
 * booking anyway. Long enough for a 3G round trip, short enough that a slow network does not trap anyone.
 */
export const ACCEPT_WAIT_MS = 6000;

export interface Accepting {
  commandId: string;
  bookingId: string;
}

/**
 * Why wait at all: the likely refusal is "just taken by another worker", and it is only likely while
 * connected. Waiting a moment then lets the refusal appear on the gig page, where it makes sense, instead
 * of on a booking page that empties itself. Offline there is nothing to wait for: the booking opens at once,
 * marked as not yet confirmed, and a later refusal shows in the status bar and on this gig's page.
 */
/** `seenTerms`: the digest of the gig's terms on screen (gigTermsDigest), which the server holds the accept to (gig_changed). */
export function useAcceptGig(gigId: string, seenTerms: string | undefined) {
  const client = useSync();
  const { connected } = useSyncStatus();
  const [, navigate] = useLocation();
  const [accepting, setAccepting] = useState<Accepting | null>(null);
  const issuing = useRef(false);

  useEffect(() => {
    if (!accepting) return;
    const open = () => navigate(`~/b/${accepting.bookingId}`);
    if (!connected) {
      open();
      return;
    }
    let live = true;
    client
      .awaitConfirmed(accepting.commandId, ACCEPT_WAIT_MS)
      .then((cmd) => {
        if (!live) return;
        if (cmd.status === 'applied') open();
        // Rejected: stay; the page shows the reason from the command document.
        else setAccepting(null);
      })
      .catch(() => live && open());
    return () => {
      live = false;
    };
  }, [accepting, connected, client, navigate]);

  async function accept() {
    if (issuing.current || accepting) return;
    issuing.current = true;
    try {
      const bookingId = newId();
      const { id } = await client.issue('gig.accept', { gigId, bookingId, ...(seenTerms ? { seenTerms } : {}) });
      setAccepting({ commandId: id, bookingId });
    } finally {
      issuing.current = false;
    }
  }

  return { accept, accepting };
}
