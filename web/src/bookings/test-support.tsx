// Test helpers for the booking page: the page rendered as the shell mounts it, on a given device.
import { render } from '@testing-library/react';
import { Router } from 'wouter';
import { memoryLocation } from 'wouter/memory-location';
import type { Locale } from '@shared/locales';
import { SyncContext } from '../app/sync-context';
import { I18nProvider } from '../i18n/i18n';
import type { SyncClient } from '../sync/client';
import BookingPage from './booking-page';

/** /b/<id>, with `search` as its query (the checkout comes back with "paid=<milestone>"). */
export function renderBookingPage(client: SyncClient, bookingId: string, { locale = 'en', search }: { locale?: Locale; search?: string } = {}) {
  const memory = memoryLocation({ path: `/b/${bookingId}`, searchPath: search });
  render(
    <I18nProvider initial={locale}>
      <SyncContext.Provider value={client}>
        <Router hook={memory.hook} searchHook={memory.searchHook}>
          <BookingPage id={bookingId} />
        </Router>
      </SyncContext.Provider>
    </I18nProvider>,
  );
}
