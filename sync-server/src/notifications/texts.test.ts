// The words of news: every template the server writes has them in every language, and a text is short,
// filled in, and links to its booking.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RESOLVED_NEWS } from '../disputes/settle';
import { newsSentence, newsText, TEXT_LOCALES, TEXT_TEMPLATES, templateWords } from './texts';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BOOKING = '0190a000-0000-7000-8000-0000000000b1';

/** Every template named where news is written: `template: '…'`, and escrow's `tell(side, '…')`. */
function writtenTemplates(): Set<string> {
  const found = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (file.endsWith('.ts') && !file.endsWith('.test.ts')) {
        const text = readFileSync(file, 'utf8');
        for (const m of text.matchAll(/template: '([a-z_]+(?:\.[a-z_]+)+)'/g)) found.add(m[1]!);
        for (const m of text.matchAll(/tell\('(?:client|worker)', '([a-z_]+(?:\.[a-z_]+)+)'/g)) found.add(m[1]!);
      }
    }
  };
  walk(SRC);
  return found;
}

describe('news texts', () => {
  it('has words for every template the server writes, in every language', () => {
    const written = writtenTemplates();
    expect(written.size).toBeGreaterThan(15);
    // Templates with a side in their name are found too.
    expect(written).toContain('milestone.late_bank_dispute_opened.client');
    expect([...written].filter((t) => !TEXT_TEMPLATES.includes(t))).toEqual([]);
    for (const locale of TEXT_LOCALES) expect(TEXT_TEMPLATES.filter((t) => !templateWords(locale, t))).toEqual([]);
  });

  it('fills in the amount, the deadline and the title, and links to the booking', () => {
    const opened = { bookingId: BOOKING, amount: 8050, currency: 'USD', respondBy: '2026-11-27T10:00:00.000Z' };
    expect(newsText({ template: 'dispute.opened', data: opened, locale: 'en', title: 'Fix the tap' }, 'https://f.example')).toBe(
      'Fieldwork: A dispute was opened on “Fix the tap”. Answer by Nov 27, 2026, 10:00 AM UTC, or the claim applies. https://f.example/b/0190a000-0000-7000-8000-0000000000b1',
    );
    const released = { bookingId: BOOKING, amount: 166700, net: 150050, fee: 16650, currency: 'EUR' };
    expect(newsText({ template: 'milestone.released', data: released, locale: 'es', title: 'Pintar' }, 'https://f.example')).toBe(
      'Fieldwork: Recibes 1500,50\u00a0€ por «Pintar» (ya descontada la comisión). https://f.example/b/0190a000-0000-7000-8000-0000000000b1',
    );
    // A cancellation says why, when a reason was given; one an admin made for both sides says so.
    const cancelled = { bookingId: BOOKING, status: 'cancelled', reason: 'Van broke down' };
    expect(newsSentence({ template: 'booking.cancelled', data: cancelled, locale: 'en', title: 'Fix the tap' })).toBe('“Fix the tap” was cancelled: “Van broke down”.');
    expect(newsSentence({ template: 'booking.cancelled', data: { bookingId: BOOKING }, locale: 'es', title: 'Pintar' })).toBe('«Pintar» fue cancelado.');
    expect(newsSentence({ template: 'booking.cancelled.admin', data: { ...cancelled, reason: 'Unsafe address.' }, locale: 'en', title: 'Fix the tap' })).toBe(
      'Fieldwork cancelled “Fix the tap” for both sides: “Unsafe address.”',
    );
    expect(newsSentence({ template: 'booking.cancelled.by_worker.reopened', data: cancelled, locale: 'en', title: 'Fix the tap' })).toBe(
      'The worker cancelled “Fix the tap”: “Van broke down”. Your gig is back on offer to other workers.',
    );
    expect(newsSentence({ template: 'booking.cancelled.by_client', data: { bookingId: BOOKING }, locale: 'es', title: 'Pintar' })).toBe('El cliente canceló «Pintar».');
    // A worker who stops work under way: why, and the money still held coming back, in one text.
    const givenBack = { bookingId: BOOKING, status: 'cancelled', reason: 'Hurt my back.', refunded: 6000, currency: 'USD' };
    expect(newsSentence({ template: 'booking.given_back.reopened', data: givenBack, locale: 'en', title: 'Plaster the hall' })).toBe(
      'The worker stopped work on “Plaster the hall”: “Hurt my back.” The $60.00 still held for it is being refunded to you. Your gig is back on offer to other workers.',
    );
    // Nothing held (between parts, the next not paid): no amount is said.
    expect(newsSentence({ template: 'booking.given_back', data: { bookingId: BOOKING, reason: 'Moving away' }, locale: 'es', title: 'Pintar' })).toBe('El trabajador dejó el trabajo de «Pintar»: «Moving away».');
    const reminder = { bookingId: BOOKING, hoursLeft: 2 };
    expect(newsText({ template: 'milestone.approval_reminder', data: reminder, locale: 'en', title: null }, 'https://f.example')).toMatch(
      /^Fieldwork: 2 h left to review the work on “your booking”; then it is approved as it is\. https:/,
    );
  });

  it('says a dispute’s claim to its reader: the worker what they would receive, the client what comes back to them', () => {
    const base = { bookingId: BOOKING, amount: 8000, currency: 'USD', respondBy: '2026-11-27T10:00:00.000Z' };
    const text = (template: string, data: Record<string, unknown>) => newsSentence({ template, data: { ...base, ...data }, locale: 'en', title: 'Fix the tap' });
    expect(text('dispute.opened', { refundAmount: 5000, net: 2700 })).toBe(
      'A dispute was opened on “Fix the tap”. The claim: $50.00 of $80.00 back to the client, and $27.00 to you after the platform fee. Answer by Nov 27, 2026, 10:00 AM UTC, or the claim applies.',
    );
    expect(text('dispute.opened.client', { refundAmount: 2000 })).toContain('The claim: $20.00 of $80.00 back to you. Answer by');
    // A part of a booking of several is named.
    expect(text('dispute.opened.client', { refundAmount: 2000, part: 'Tiles' })).toMatch(/^A dispute was opened on “Tiles” of “Fix the tap”\./);
    expect(newsSentence({ template: 'dispute.resolved.client.refund_all', data: { ...base, refunded: 8000, part: 'Azulejos' }, locale: 'es', title: 'Pintar' })).toMatch(/^Se resolvió la disputa de «Azulejos» en «Pintar»/);
    expect(text('dispute.opened.client', { claimAll: 8000 })).toContain('The claim: all $80.00 to the worker. Answer by');
    expect(newsSentence({ template: 'dispute.opened', data: { ...base, refundAmount: 300_75, net: 840_37, amount: 1234_50 }, locale: 'es', title: 'Pintar' }).replace(/\u00a0/g, ' ')).toContain(
      'La reclamación: 300,75 US$ de 1234,50 US$ de vuelta al cliente, y 840,37 US$ para ti tras la comisión.',
    );
  });

  it('writes a deadline in the reader’s time zone, named, and in UTC when it is not known', () => {
    const opened = { bookingId: BOOKING, respondBy: '2026-11-27T10:00:00.000Z' };
    const text = (timeZone: string | null, locale = 'en') => newsText({ template: 'dispute.opened', data: opened, locale, timeZone, title: 'Fix the tap' }, 'https://f.example');
    expect(text('America/Los_Angeles')).toContain('Answer by Nov 27, 2026, 2:00 AM PST, or the claim applies.');
    expect(text('Europe/Madrid', 'es')).toContain('27 nov 2026, 11:00 CET');
    expect(text(null)).toContain('Answer by Nov 27, 2026, 10:00 AM UTC,');
    expect(text('Not/AZone')).toContain('Answer by Nov 27, 2026, 10:00 AM UTC,');
  });

  it('keeps a text short: long titles and previews are cut, and an unknown template still says where to look', () => {
    const long = 'A very long title that goes on and on about the kitchen, the tiles and the grout'.repeat(3);
    const text = newsText({ template: 'message.received', data: { bookingId: BOOKING, preview: 'x'.repeat(80) }, locale: 'en', title: long }, 'https://f.example');
    expect(text.length).toBeLessThan(240);
    expect(text).toContain('…”');
    expect(newsText({ template: 'gig.something_new', data: { bookingId: BOOKING }, locale: 'fr', title: 'Tap' }, 'https://f.example')).toBe(
      'Fieldwork: News about “Tap”. https://f.example/b/0190a000-0000-7000-8000-0000000000b1',
    );
  });
});

describe('what the news says', () => {
  it('names a dispute’s claim, and what the booking costs once a plan is accepted', () => {
    const opened = { bookingId: BOOKING, amount: 8000, refundAmount: 3000, net: 4500, currency: 'USD', reason: 'Half done' };
    expect(newsText({ template: 'dispute.opened', data: opened, locale: 'en', title: 'Tap' }, 'https://f.example')).toBe(
      'Fieldwork: A dispute was opened on “Tap”: “Half done”. The claim: $30.00 of $80.00 back to the client, and $45.00 to you after the platform fee. Answer, or the claim applies. https://f.example/b/0190a000-0000-7000-8000-0000000000b1',
    );
    // All of it claimed back: said as all of it, not as "$0.00 to you after the platform fee".
    const allBack = { bookingId: BOOKING, amount: 12000, claimAllBack: 12000, currency: 'USD', reason: 'Never came' };
    expect(newsText({ template: 'dispute.opened', data: allBack, locale: 'en', title: 'Tap' }, 'https://f.example')).toBe(
      'Fieldwork: A dispute was opened on “Tap”: “Never came”. The claim: all $120.00 back to the client, nothing to you. Answer, or the claim applies. https://f.example/b/0190a000-0000-7000-8000-0000000000b1',
    );
    expect(newsText({ template: 'dispute.opened', data: allBack, locale: 'es', title: 'Grifo' }, 'https://f.example')).toMatch(/La reclamación: los 120,00\sUS\$ completos de vuelta al cliente, nada para ti\./);
    expect(newsText({ template: 'dispute.response_reminder', data: { ...opened, hoursLeft: 2 }, locale: 'es', title: 'Grifo' }, 'https://f.example')).toBe(
      'Fieldwork: Quedan 2 h para responder a la disputa de «Grifo», o se aplica la reclamación (30,00\u00a0US$ de 80,00\u00a0US$ de vuelta al cliente). https://f.example/b/0190a000-0000-7000-8000-0000000000b1',
    );
    // The reminder says a claim of all of it as the opening text does.
    expect(newsText({ template: 'dispute.response_reminder', data: { ...allBack, hoursLeft: 24 }, locale: 'en', title: 'Tap' }, 'https://f.example')).toBe(
      'Fieldwork: 24 h left to answer the dispute on “Tap”, or the claim applies (all $120.00 back to the client). https://f.example/b/0190a000-0000-7000-8000-0000000000b1',
    );
    // A bank's dispute may be of less than the payment: said as that much of it.
    expect(newsText({ template: 'milestone.late_bank_dispute_opened.client', data: { bookingId: BOOKING, amount: 14975, currency: 'USD' }, locale: 'en', title: 'Tap' }, 'https://f.example')).toMatch(
      /^Fieldwork: Your bank told us you dispute \$149\.75 of your payment for “Tap”, a part already settled\./,
    );
    const accepted = { bookingId: BOOKING, count: 2, total: 9500, currency: 'USD' };
    expect(newsText({ template: 'milestone.plan_accepted', data: accepted, locale: 'en', title: 'Tap' }, 'https://f.example')).toBe(
      'Fieldwork: Your payment plan for “Tap” was accepted: the booking now comes to $95.00 in all. https://f.example/b/0190a000-0000-7000-8000-0000000000b1',
    );
    expect(newsText({ template: 'milestone.plan_accepted', data: { ...accepted, count: 1 }, locale: 'es', title: 'Grifo' }, 'https://f.example')).toBe(
      'Fieldwork: Se aceptó tu plan de pagos para «Grifo»: la reserva queda en 95,00\u00a0US$ en total. https://f.example/b/0190a000-0000-7000-8000-0000000000b1',
    );
    const won = { bookingId: BOOKING, amount: 8000, currency: 'USD', autoApproveAt: '2026-11-25T09:30:00.000Z' };
    expect(newsText({ template: 'milestone.bank_dispute_won', data: won, locale: 'en', title: 'Tap' }, 'https://f.example')).toBe(
      'Fieldwork: The bank decided for Fieldwork on the payment of $80.00 for “Tap”: the money is held for the work again. The work can be reviewed until Nov 25, 2026, 9:30 AM UTC. https://f.example/b/0190a000-0000-7000-8000-0000000000b1',
    );
  });

  it('quotes the reason and gives the deadline when it has them, and leaves the part out when it does not', () => {
    const asked = { bookingId: BOOKING, amount: 8000, currency: 'USD', reason: 'The tap\n still drips' };
    expect(newsText({ template: 'milestone.changes_requested', data: asked, locale: 'en', title: 'Tap' }, 'https://f.example')).toBe(
      'Fieldwork: Changes were asked for on “Tap”: “The tap still drips”. https://f.example/b/0190a000-0000-7000-8000-0000000000b1',
    );
    // A reason that ends its own sentence gets no second full stop after the quote.
    expect(newsText({ template: 'milestone.changes_requested', data: { ...asked, reason: 'Please replace the O-ring.' }, locale: 'en', title: 'Tap' }, 'https://f.example')).toBe(
      'Fieldwork: Changes were asked for on “Tap”: “Please replace the O-ring.” https://f.example/b/0190a000-0000-7000-8000-0000000000b1',
    );
    expect(newsText({ template: 'milestone.changes_requested', data: { ...asked, reason: '¿Puedes volver mañana?' }, locale: 'es', title: 'Grifo' }, 'https://f.example')).toBe(
      'Fieldwork: Se pidieron cambios en «Grifo»: «¿Puedes volver mañana?» https://f.example/b/0190a000-0000-7000-8000-0000000000b1',
    );
    expect(newsText({ template: 'milestone.changes_requested', data: { bookingId: BOOKING }, locale: 'es', title: 'Grifo' }, 'https://f.example')).toBe(
      'Fieldwork: Se pidieron cambios en «Grifo». https://f.example/b/0190a000-0000-7000-8000-0000000000b1',
    );
    const handedIn = { bookingId: BOOKING, amount: 8000, currency: 'USD', autoApproveAt: '2026-11-25T09:30:00.000Z' };
    expect(newsText({ template: 'milestone.submitted', data: handedIn, locale: 'en', title: 'Tap' }, 'https://f.example')).toBe(
      'Fieldwork: The work on “Tap” ($80.00) was handed in. Review it by Nov 25, 2026, 9:30 AM UTC, or it is approved as it is. https://f.example/b/0190a000-0000-7000-8000-0000000000b1',
    );
  });
});

describe('amounts in settlement news', () => {
  it('names the part of a booking of several, in both languages, and says nothing of parts otherwise', () => {
    const data = { bookingId: BOOKING, amount: 3000, currency: 'USD' };
    const say = (template: string, locale: string, more: Record<string, unknown> = {}) => newsSentence({ template, locale, title: 'Kitchen', data: { ...data, ...more } });
    expect(say('milestone.submitted', 'en', { part: 'Tiles up' })).toBe('The work on “Tiles up” of “Kitchen” ($30.00) was handed in. Review it, or it is approved as it is.');
    expect(say('milestone.submitted', 'en')).toBe('The work on “Kitchen” ($30.00) was handed in. Review it, or it is approved as it is.');
    expect(say('milestone.changes_requested', 'es', { part: 'Juntas', reason: 'Faltan dos' })).toBe('Se pidieron cambios en «Juntas» de «Kitchen»: «Faltan dos».');
    expect(say('milestone.withdrawn', 'en', { part: 'Paint', reason: 'Not needed' })).toBe('A part of “Kitchen” not yet paid for ($30.00), “Paint”, was dropped: “Not needed”.');
    expect(say('milestone.withdrawn', 'es', { part: 'Pintura' })).toMatch(/^Se quitó una parte de «Kitchen» aún sin pagar \(30,00\sUS\$\), «Pintura»\.$/);
    // A long name is cut, as titles are: the text stays short.
    expect(say('milestone.released', 'en', { net: 2700, part: 'x'.repeat(200) }).length).toBeLessThan(120);
  });

  it('names what was released to the worker (net) and what was refunded, not the milestone amount', () => {
    // A split of 80.00: 50.00 released (5.00 fee, 45.00 net), 30.00 refunded; the data escrow/step.ts writes.
    const data = { bookingId: BOOKING, amount: 8000, currency: 'USD', net: 4500, fee: 500, refunded: 3000 };
    expect(newsText({ template: 'milestone.released', data, locale: 'en', title: 'Tap' }, 'https://f.example')).toContain('$45.00 for “Tap” is yours (after the platform fee).');
    expect(newsText({ template: 'milestone.refunded', data, locale: 'en', title: 'Tap' }, 'https://f.example')).toContain('$30.00 for “Tap” is being refunded to you.');
    // A dispute's decision says the same in its one text.
    const decided = { ...data, released: 5000, outcome: 'split' };
    expect(newsText({ template: 'dispute.resolved', data: decided, locale: 'en', title: 'Tap' }, 'https://f.example')).toContain(
      'The dispute on “Tap” was settled: $30.00 goes back to the client, and $45.00 is yours after the platform fee.',
    );
    expect(newsText({ template: 'dispute.resolved.client', data: decided, locale: 'es', title: 'Grifo' }, 'https://f.example')).toContain(
      'Se resolvió la disputa de «Grifo»: recuperas 30,00\u00a0US$ y 45,00\u00a0US$ van al trabajador, descontada la comisión.',
    );
    // All of it one way is said so, with no "$0.00" the other way.
    const all = { ...data, released: 0, net: 0, refunded: 8000, outcome: 'refund_all' };
    expect(newsSentence({ template: 'dispute.resolved.client.refund_all', data: all, locale: 'en', title: 'Tap' })).toBe('The dispute on “Tap” was settled: all $80.00 comes back to you.');
    expect(newsSentence({ template: 'dispute.resolved.refund_all', data: all, locale: 'en', title: 'Tap' })).toBe(
      'The dispute on “Tap” was settled: all $80.00 goes back to the client, so this part is not paid.',
    );
    const paid = { ...data, released: 8000, net: 7200, refunded: 0, outcome: 'release_all' };
    expect(newsSentence({ template: 'dispute.resolved.release_all', data: paid, locale: 'en', title: 'Tap' })).toBe('The dispute on “Tap” was settled: you are paid in full, $72.00 after the platform fee.');
    expect(newsSentence({ template: 'dispute.resolved.client.release_all', data: paid, locale: 'es', title: 'Grifo' })).toBe(
      'Se resolvió la disputa de «Grifo»: el trabajador cobra entera esta parte y no recuperas nada.',
    );
    for (const byOutcome of Object.values(RESOLVED_NEWS)) for (const template of Object.values(byOutcome)) expect(TEXT_TEMPLATES).toContain(template);
  });
});
