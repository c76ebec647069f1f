// What the service worker shows for a push (a readable payload, or a generic notice for anything else) and
// which path a tap may open: only this app's own paths, never another origin.
import { describe, expect, it } from 'vitest';
import { BADGE, ICON, notificationFor, payloadOf } from './notification';
import { isOpenMessage, openMessage, openPathOf } from './open-path';

const payload = { title: 'Omar accepted your gig', body: 'Fix the kitchen tap: pay to confirm the booking.', url: '/b/0190a000-0000-7000-8000-0000000000b1' };

describe('a push', () => {
  it('with a payload shows its title, body and path', () => {
    expect(notificationFor(JSON.stringify(payload), ['en-US'])).toEqual({
      title: payload.title,
      options: { body: payload.body, icon: ICON, badge: BADGE, data: { url: payload.url } },
    });
  });

  it('with a tag replaces the notification of the same tag, and buzzes again', () => {
    const { options } = notificationFor(JSON.stringify({ ...payload, tag: 'chat:b1' }), ['en']);
    expect(options).toMatchObject({ tag: 'chat:b1', renotify: true });
  });

  it('without a tag stands alone and is not marked to renotify (Chrome refuses renotify without a tag)', () => {
    const { options } = notificationFor(JSON.stringify(payload), ['en']);
    expect(options.tag).toBeUndefined();
    expect(options.renotify).toBeUndefined();
  });

  it.each([
    ['no data', null],
    ['empty data', ''],
    ['text that is not JSON', 'hello'],
    ['JSON that is not an object', '"hello"'],
    ['a title that is not text', JSON.stringify({ ...payload, title: 1 })],
    ['no body', JSON.stringify({ title: 'x', url: '/' })],
    ['a full URL', JSON.stringify({ ...payload, url: 'https://evil.example/b/1' })],
    ['a tag that is not text', JSON.stringify({ ...payload, tag: 7 })],
  ])('with %s still shows a generic notification that opens the start page', (_what, text) => {
    expect(payloadOf(text)).toBeUndefined();
    expect(notificationFor(text, ['en-GB'])).toEqual({
      title: 'Fieldwork',
      options: { body: 'There is news for you in Fieldwork. Open the app to see it.', icon: ICON, badge: BADGE, tag: 'fieldwork', data: { url: '/' } },
    });
  });

  it('says its generic words in the first language of the device that the app speaks', () => {
    expect(notificationFor('garbage', ['fr-FR', 'es-MX', 'en']).options.body).toBe('Tienes novedades en Fieldwork. Abre la app para verlas.');
    expect(notificationFor('garbage', []).options.body).toBe('There is news for you in Fieldwork. Open the app to see it.');
  });

  it('whose path slips past the payload check to another origin opens the start page instead', () => {
    // isPushPayload asks only for a leading slash; "//host" is another origin to a browser.
    expect(notificationFor(JSON.stringify({ ...payload, url: '//evil.example/x' }), ['en']).options.data).toEqual({ url: '/' });
  });
});

describe('a tap', () => {
  it.each([
    [{ url: '/b/123' }, '/b/123'],
    [{ url: '/c?tab=open#top' }, '/c?tab=open#top'],
    [{ url: '/b/../c' }, '/c'],
    [{ url: '//evil.example/b/1' }, '/'],
    [{ url: '/\\evil.example' }, '/'],
    [{ url: 'https://evil.example/' }, '/'],
    [{ url: 'javascript:alert(1)' }, '/'],
    [{ url: 42 }, '/'],
    [null, '/'],
    ['/b/1', '/'],
  ])('on data %j opens %s', (data, path) => {
    expect(openPathOf(data)).toBe(path);
  });

  it('is passed to an open window only as a path of the app', () => {
    expect(isOpenMessage(openMessage('/b/1'))).toBe(true);
    expect(isOpenMessage({ type: 'fieldwork:open', path: '//evil.example' })).toBe(false);
    expect(isOpenMessage({ type: 'other', path: '/b/1' })).toBe(false);
    expect(isOpenMessage('fieldwork:open')).toBe(false);
  });
});
