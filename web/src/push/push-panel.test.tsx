// @vitest-environment happy-dom
// The client's notifications panel: the offer with Turn on / Not now, what it says while turning on and after
// (on, or a sentence to act on), where focus goes, and where it shows at all. The browser's push is a stand-in;
// the server is stood in for at the fetch boundary, reached through a real device's HTTP path.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import type { Locale } from '@shared/locales';
import { SyncContext } from '../app/sync-context';
import { I18nProvider } from '../i18n/i18n';
import { moneyDevice, stubServer, TOKEN } from '../money/test-support';
import { closeDevices } from '../sync/test-support';
import { PUSH_WANTED, type PushBrowser } from './push-device';
import { PUSH_OFFER_DISMISSED, PushPanel } from './push-panel';
import { fakePushBrowser, PUBLIC_KEY } from './test-support';

const CARLA = '0190a000-0000-7000-8000-000000000001';
const OFFER = 'Get notified here when a worker accepts, hands in work or writes to you — otherwise we text you.';

afterEach(async () => {
  cleanup();
  vi.unstubAllGlobals();
  localStorage.clear();
  await closeDevices();
});

const pushServer = (post: object | Response = new Response(null, { status: 204 })) =>
  stubServer({ 'GET /push/key': { publicKey: PUBLIC_KEY }, 'POST /push/subscriptions': () => (post instanceof Response ? post.clone() : post), 'DELETE /push/subscriptions': () => new Response(null, { status: 204 }) });

async function renderPanel(browser: PushBrowser | null, place: 'home' | 'booking' = 'home', locale: Locale = 'en') {
  const { client } = await moneyDevice(CARLA, ['consumer']);
  render(
    <I18nProvider initial={locale}>
      <SyncContext.Provider value={client}>
        <section className="page">
          <h1 tabIndex={-1}>My gigs</h1>
          <PushPanel place={place} browser={browser} />
        </section>
      </SyncContext.Provider>
    </I18nProvider>,
  );
  return client;
}

const status = () => screen.getByRole('status').textContent;

/** Unmounts and closes the device: RxDB's free tier opens at most 13 collections at once. */
async function unmount() {
  cleanup();
  await closeDevices();
}

describe('the offer', () => {
  it('turns notifications on: says so, registers this device with the server, and moves focus to Turn off', async () => {
    const server = pushServer();
    const browser = fakePushBrowser({ answer: 'granted' });
    await renderPanel(browser);
    expect(await screen.findByText(OFFER)).toBeTruthy();
    const turnOn = screen.getByRole('button', { name: 'Turn on' });
    turnOn.focus();
    fireEvent.click(turnOn);
    await waitFor(() => expect(status()).toBe('Notifications are on for this device.'));
    const turnOff = screen.getByRole('button', { name: 'Turn off' });
    expect(document.activeElement).toBe(turnOff);
    expect(screen.queryByText(OFFER)).toBeNull();
    const [post] = server.requests('/push/subscriptions');
    expect(post).toMatchObject({ method: 'POST', authorization: `Bearer ${TOKEN}` });
    expect(JSON.parse(post!.body)).toMatchObject({ endpoint: 'https://push.example.test/send/1' });
    // Turned on for this account, not for whoever signs in on this phone next (rebindPush).
    expect(localStorage.getItem(PUSH_WANTED)).toBe(CARLA);
  });

  it('says what is happening while the permission question is open, and takes no second click', async () => {
    pushServer();
    let answer!: (p: NotificationPermission) => void;
    const browser = { ...fakePushBrowser(), requestPermission: () => new Promise<NotificationPermission>((resolve) => (answer = resolve)) };
    await renderPanel(browser);
    const turnOn = await screen.findByRole('button', { name: 'Turn on' });
    fireEvent.click(turnOn);
    await waitFor(() => expect(status()).toBe('Turning notifications on…'));
    expect(turnOn.getAttribute('aria-disabled')).toBe('true');
    fireEvent.click(turnOn);
    answer('default');
    await waitFor(() => expect(screen.getByRole('alert').textContent).toBe('Notifications were not allowed. Press Turn on and choose Allow to get them.'));
    expect(turnOn.getAttribute('aria-disabled')).toBeNull();
  });

  it('when this browser cannot subscribe, says texts will still come, and leaves Turn on to try again', async () => {
    const server = pushServer();
    const browser = fakePushBrowser({ answer: 'granted', subscribeFails: new DOMException('Registration failed - push service error', 'AbortError') });
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    await renderPanel(browser);
    fireEvent.click(await screen.findByRole('button', { name: 'Turn on' }));
    expect((await screen.findByRole('alert')).textContent).toBe('This browser could not turn notifications on. Texts will still come.');
    expect(screen.getByRole('button', { name: 'Turn on' })).toBeTruthy();
    expect(screen.getByTestId('push-panel').getAttribute('data-state')).toBe('off');
    expect(server.requests('/push/subscriptions')).toEqual([]);
    // Put away, the quiet line that stays does not repeat the failure.
    fireEvent.click(screen.getByRole('button', { name: 'Not now' }));
    expect(screen.getByText('Notifications are off on this device; we text you.')).toBeTruthy();
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('blocked at the question: says how to allow notifications in the site settings, with focus on Not now', async () => {
    pushServer();
    await renderPanel(fakePushBrowser({ answer: 'denied' }));
    const turnOn = await screen.findByRole('button', { name: 'Turn on' });
    turnOn.focus();
    fireEvent.click(turnOn);
    await waitFor(() => expect(screen.getByTestId('push-panel').getAttribute('data-state')).toBe('denied'));
    expect(status()).toContain('allow notifications in the site settings');
    expect(screen.queryByRole('button', { name: 'Turn on' })).toBeNull();
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Not now' }));
  });

  it('Not now puts the offer away on this device, leaving one quiet line with Turn on at home, and gives focus to the page heading', async () => {
    await renderPanel(fakePushBrowser());
    fireEvent.click(await screen.findByRole('button', { name: 'Not now' }));
    expect(screen.queryByText(OFFER)).toBeNull();
    expect(screen.queryByRole('button', { name: 'Not now' })).toBeNull();
    expect(screen.getByText('Notifications are off on this device; we text you.')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Turn on' })).toBeTruthy();
    expect(document.activeElement).toBe(screen.getByRole('heading', { name: 'My gigs' }));
    expect(localStorage.getItem(PUSH_OFFER_DISMISSED)).toBe('1');
    await unmount();
    await renderPanel(fakePushBrowser());
    expect(await screen.findByText('Notifications are off on this device; we text you.')).toBeTruthy();
    expect(screen.queryByText(OFFER)).toBeNull();
    // A booking's page offers nothing more.
    await unmount();
    await renderPanel(fakePushBrowser(), 'booking');
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.queryByTestId('push-panel')).toBeNull();
  });

  it('speaks Spanish', async () => {
    await renderPanel(fakePushBrowser(), 'home', 'es');
    expect(await screen.findByText('Recibe un aviso aquí cuando un trabajador acepte, entregue el trabajo o te escriba; si no, te enviamos un SMS.')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Activar' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Ahora no' })).toBeTruthy();
  });
});

describe('once on', () => {
  it('is a quiet line on the home page; Turn off unsubscribes, tells the server, and offers Turn on again', async () => {
    localStorage.setItem(PUSH_WANTED, CARLA);
    const server = pushServer();
    const browser = fakePushBrowser({ permission: 'granted', subscribed: 'https://push.example.test/1' });
    await renderPanel(browser);
    await waitFor(() => expect(status()).toBe('Notifications are on for this device.'));
    expect(screen.queryByText(OFFER)).toBeNull();
    const turnOff = screen.getByRole('button', { name: 'Turn off' });
    turnOff.focus();
    fireEvent.click(turnOff);
    await waitFor(() => expect(status()).toBe('Notifications are off. We text you instead.'));
    expect(browser.unsubscribed).toEqual(['https://push.example.test/1']);
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Turn on' }));
    await waitFor(() => expect(server.requests('/push/subscriptions').map((r) => [r.method, JSON.parse(r.body)])).toEqual([['DELETE', { endpoint: 'https://push.example.test/1' }]]));
  });

  it('is still said on the home page after the offer was put away (on is a state, not an offer)', async () => {
    localStorage.setItem(PUSH_OFFER_DISMISSED, '1');
    localStorage.setItem(PUSH_WANTED, CARLA);
    await renderPanel(fakePushBrowser({ permission: 'granted', subscribed: 'https://push.example.test/1' }));
    await waitFor(() => expect(status()).toBe('Notifications are on for this device.'));
  });

  it("is not said for a subscription another account left on this phone: the offer is made", async () => {
    localStorage.setItem(PUSH_WANTED, '0190a000-0000-7000-8000-00000000000b');
    await renderPanel(fakePushBrowser({ permission: 'granted', subscribed: 'https://push.example.test/1' }));
    expect(await screen.findByText(OFFER)).toBeTruthy();
    expect(screen.getByTestId('push-panel').getAttribute('data-state')).toBe('off');
  });
});

describe('where it shows', () => {
  const settle = () => new Promise((r) => setTimeout(r, 50));

  it('on a booking, only as the offer', async () => {
    await renderPanel(fakePushBrowser(), 'booking');
    expect(await screen.findByText(OFFER)).toBeTruthy();
    await unmount();
    localStorage.setItem(PUSH_WANTED, CARLA);
    await renderPanel(fakePushBrowser({ permission: 'granted', subscribed: 'https://push.example.test/1' }), 'booking');
    await settle();
    expect(screen.queryByTestId('push-panel')).toBeNull();
    await unmount();
    await renderPanel(fakePushBrowser({ permission: 'denied' }), 'booking');
    await settle();
    expect(screen.queryByTestId('push-panel')).toBeNull();
  });

  it('nowhere in a browser without push (outside iOS, where adding to the home screen would help)', async () => {
    await renderPanel(null);
    await settle();
    expect(screen.queryByTestId('push-panel')).toBeNull();
  });

  it('on the home page when blocked, with how to allow it', async () => {
    await renderPanel(fakePushBrowser({ permission: 'denied' }));
    await waitFor(() => expect(screen.getByTestId('push-panel').textContent).toContain('allow notifications in the site settings'));
    expect(screen.queryByRole('button', { name: 'Turn on' })).toBeNull();
  });
});
