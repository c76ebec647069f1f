// Test helpers for the booking page: the page rendered as the shell mounts it, on a given device.
import { configure, render } from '@testing-library/react';
import { Router } from 'wouter';
import { memoryLocation } from 'wouter/memory-location';
import type { Locale } from '@shared/locales';
import { SyncContext } from '../app/sync-context';
import { I18nProvider } from '../i18n/i18n';
import type { SyncClient } from '../sync/client';
import BookingPage from './booking-page';

// The page's parts wait for a device to open and its queries to answer; on a busy 2-core machine (CI runs the
// unit files two at a time) that can pass the default second of findBy*/waitFor, as for the money screens.
configure({ asyncUtilTimeout: 5000 });

/** /b/<id>, with `search` as its query (the checkout comes back with "paid=<milestone>"). */
export function renderBookingPage(client: SyncClient, bookingId: string, { locale = 'en', search }: { locale?: Locale; search?: string } = {}) {
  const memory = memoryLocation({ path: `/b/${bookingId}`, searchPath: search, record: true });
  render(
    <I18nProvider initial={locale}>
      <SyncContext.Provider value={client}>
        <Router hook={memory.hook} searchHook={memory.searchHook}>
          <BookingPage id={bookingId} />
        </Router>
      </SyncContext.Provider>
    </I18nProvider>,
  );
  return memory;
}
