// What a piece of news says as a text message: one short sentence in the recipient's language, naming the
// booking by its title, with the link that opens it. News is written to the outbox by the step it announces
// (store/outbox.ts); its `data` always names the booking.
import { formatMoney, isCurrency, money } from '@shared/money';
import type { PushPayload } from '@shared/push';

export type TextLocale = 'en' | 'es';

export interface News {
  template: string;
  data: Record<string, unknown>;
  /** The recipient's language (users.locale). */
  locale: string;
  /** The recipient's time zone (users.time_zone, from their device), for deadlines; UTC when not known. */
  timeZone?: string | null;
  /** The booking's title, when the booking is known. */
  title: string | null;
}

type Words = Record<string, string>;

/**
 * {title}, {part}, {amount}, {claim}, {all}, {allBack}, {refunded}, {net}, {hours}, {count}, {date}, {deadline}, {reason}, {preview} are filled in from the news, and a part
 * in [brackets] is left out when one of its fill-ins is unknown; the link is added after.
 */
const TEXTS: Record<TextLocale, Words> = {
  en: {
    'gig.accepted': 'A worker accepted “{title}”. Pay to confirm the booking.',
    'booking.funded': '“{title}” is paid; the money is held until the work is approved. You can start.',
    'booking.started': 'Work on “{title}” has started.',
    'booking.delivered': 'The work on “{title}” was handed in. Review it.',
    'booking.approved': '“{title}” was approved.',
    'booking.changes_requested': 'Changes were asked for on “{title}”.',
    // Written before cancellations said who cancelled; still delivered as it was worded then.
    'booking.cancelled': '“{title}” was cancelled[: “{reason}”].',
    'booking.cancelled.admin': 'Fieldwork cancelled “{title}” for both sides[: “{reason}”].',
    'booking.cancelled.by_client': 'The client cancelled “{title}”[: “{reason}”].',
    'booking.cancelled.by_worker': 'The worker cancelled “{title}”[: “{reason}”].',
    'booking.cancelled.by_worker.reopened': 'The worker cancelled “{title}”[: “{reason}”]. Your gig is back on offer to other workers.',
    'booking.given_back': 'The worker stopped work on “{title}”[: “{reason}”].[ The {refunded} still held for it is being refunded to you.]',
    'booking.given_back.reopened': 'The worker stopped work on “{title}”[: “{reason}”].[ The {refunded} still held for it is being refunded to you.] Your gig is back on offer to other workers.',
    'message.received': 'New message on “{title}”: “{preview}”',
    'message.received.many': '{count} new messages on “{title}”. The latest: “{preview}”',
    'milestone.plan_proposed': 'A new payment plan was proposed for “{title}”.',
    // {amount}: what the whole booking costs now (the parts kept and the plan's), not the plan alone.
    'milestone.plan_accepted': 'Your payment plan for “{title}” was accepted[: the booking now comes to {amount} in all].',
    'milestone.plan_withdrawn': 'Your payment plan for “{title}” was withdrawn: a part it would replace was paid before it was accepted. Propose a new one if it is still needed.',
    'milestone.funded': '{amount} for [“{part}” of ]“{title}” is paid and held until the work is approved. You can start.',
    'milestone.funded.next': '{amount} for the next part of “{title}”[, “{part}”,] is paid and held until it is approved. You can go on with it.',
    'milestone.payment_received': 'Your payment of {amount} for [“{part}” of ]“{title}” is held until you approve the work.',
    'milestone.submitted': 'The work on [“{part}” of ]“{title}”[ ({amount})] was handed in. Review it[ by {deadline}], or it is approved as it is.',
    'milestone.approval_reminder': '{hours} h left to review the work on [“{part}” of ]“{title}”; then it is approved as it is.',
    'milestone.auto_approved': 'The work on [“{part}” of ]“{title}” ({amount}) was approved when the time to review it ran out.',
    'milestone.changes_requested': 'Changes were asked for on [“{part}” of ]“{title}”[: “{reason}”].',
    'milestone.withdrawn': 'A part of “{title}” not yet paid for ({amount})[, “{part}”,] was dropped[: “{reason}”].',
    'milestone.withdrawn.last': 'The last part of “{title}”, not yet paid for ({amount}), was dropped, so the booking is done[: “{reason}”].',
    'milestone.released': '{amount} for [“{part}” of ]“{title}” is yours (after the platform fee).',
    'milestone.refunded': '{amount} for [“{part}” of ]“{title}” is being refunded to you.',
    'milestone.payment_expired': 'The time to pay {amount} for [“{part}” of ]“{title}” ran out. Pay again from the booking.',
    'milestone.payment_returned': 'A late payment of {amount} for “{title}” is being returned to you.',
    'milestone.bank_dispute_opened.worker': 'The client’s bank is disputing their payment of {amount} for “{title}”. The money is held until the bank decides; we will tell you.',
    'milestone.bank_dispute_opened.client': 'Your bank told us you dispute your payment of {amount} for “{title}”. The money is held until your bank decides.',
    'milestone.bank_dispute_won': 'The bank decided for Fieldwork on the payment of {amount} for “{title}”: the money is held for the work again.[ The work can be reviewed until {deadline}.]',
    'milestone.charged_back.worker': 'The client’s bank gave the payment of {amount} for “{title}” back to the client, so this part will not be paid.',
    'milestone.charged_back.client': 'Your bank decided for you: the {amount} you paid for “{title}” comes back to you.',
    'milestone.late_bank_dispute_opened.client': 'Your bank told us you dispute {amount} of your payment for “{title}”, a part already settled. Fieldwork answers your bank; we will tell you what it decides.',
    'milestone.late_bank_dispute_won.client': 'Your bank decided for Fieldwork on your dispute of {amount} of your payment for “{title}”.[ Fieldwork now sends you the refund of {refunded} it owes you.]',
    'milestone.late_bank_dispute_lost.client': 'Your bank decided your dispute for you: it returns {amount} of what you paid for “{title}”.',
    'dispute.opened': 'A dispute was opened on [“{part}” of ]“{title}”[: “{reason}”].[ The claim: {claim} of {amount} back to the client, and {net} to you after the platform fee.][ The claim: all {allBack} back to the client, nothing to you.] Answer[ by {date}], or the claim applies.',
    'dispute.opened.client': 'A dispute was opened on [“{part}” of ]“{title}”[: “{reason}”].[ The claim: {claim} of {amount} back to you.][ The claim: all {all} to the worker.] Answer[ by {date}], or the claim applies.',
    'dispute.evidence_added': 'New evidence in the dispute on “{title}”.',
    'dispute.response_reminder': '{hours} h left to answer the dispute on [“{part}” of ]“{title}”, or the claim applies[ ({claim} of {amount} back to the client)][ (all {allBack} back to the client)][ (all {all} to the worker)].',
    'dispute.resolved': 'The dispute on [“{part}” of ]“{title}” was settled[: {refunded} goes back to the client, and {net} is yours after the platform fee].',
    'dispute.resolved.client': 'The dispute on [“{part}” of ]“{title}” was settled[: {refunded} comes back to you, and {net} goes to the worker after the platform fee].',
    'dispute.resolved.refund_all': 'The dispute on [“{part}” of ]“{title}” was settled[: all {refunded} goes back to the client], so this part is not paid.',
    'dispute.resolved.client.refund_all': 'The dispute on [“{part}” of ]“{title}” was settled[: all {refunded} comes back to you].',
    'dispute.resolved.release_all': 'The dispute on [“{part}” of ]“{title}” was settled: you are paid in full[, {net} after the platform fee].',
    'dispute.resolved.client.release_all': 'The dispute on [“{part}” of ]“{title}” was settled: the worker is paid in full, and nothing comes back to you.',
    other: 'News about “{title}”.',
    untitled: 'your booking',
  },
  es: {
    'gig.accepted': 'Un trabajador aceptó «{title}». Paga para confirmar la reserva.',
    'booking.funded': '«{title}» está pagado; el dinero queda retenido hasta que se apruebe el trabajo. Puedes empezar.',
    'booking.started': 'Empezó el trabajo en «{title}».',
    'booking.delivered': 'Se entregó el trabajo de «{title}». Revísalo.',
    'booking.approved': '«{title}» fue aprobado.',
    'booking.changes_requested': 'Se pidieron cambios en «{title}».',
    'booking.cancelled': '«{title}» fue cancelado[: «{reason}»].',
    'booking.cancelled.admin': 'Fieldwork canceló «{title}» para ambas partes[: «{reason}»].',
    'booking.cancelled.by_client': 'El cliente canceló «{title}»[: «{reason}»].',
    'booking.cancelled.by_worker': 'El trabajador canceló «{title}»[: «{reason}»].',
    'booking.cancelled.by_worker.reopened': 'El trabajador canceló «{title}»[: «{reason}»]. Tu trabajo vuelve a estar ofrecido a otros trabajadores.',
    'booking.given_back': 'El trabajador dejó el trabajo de «{title}»[: «{reason}»].[ Se te reembolsan los {refunded} que seguían retenidos.]',
    'booking.given_back.reopened': 'El trabajador dejó el trabajo de «{title}»[: «{reason}»].[ Se te reembolsan los {refunded} que seguían retenidos.] Tu trabajo vuelve a estar ofrecido a otros trabajadores.',
    'message.received': 'Mensaje nuevo en «{title}»: «{preview}»',
    'message.received.many': '{count} mensajes nuevos en «{title}». El último: «{preview}»',
    'milestone.plan_proposed': 'Se propuso un nuevo plan de pagos para «{title}».',
    'milestone.plan_accepted': 'Se aceptó tu plan de pagos para «{title}»[: la reserva queda en {amount} en total].',
    'milestone.plan_withdrawn': 'Tu plan de pagos para «{title}» se retiró: una parte que iba a reemplazar se pagó antes de que se aceptara. Propón uno nuevo si aún hace falta.',
    'milestone.funded': '{amount} por [«{part}» en ]«{title}» están pagados y retenidos hasta que se apruebe el trabajo. Puedes empezar.',
    'milestone.funded.next': '{amount} por la siguiente parte de «{title}»[, «{part}»,] están pagados y retenidos hasta que se apruebe. Puedes seguir con ella.',
    'milestone.payment_received': 'Tu pago de {amount} por [«{part}» en ]«{title}» queda retenido hasta que apruebes el trabajo.',
    'milestone.submitted': 'Se entregó el trabajo de [«{part}» en ]«{title}»[ ({amount})]. Revísalo[ antes del {deadline}] o se aprueba tal como está.',
    'milestone.approval_reminder': 'Quedan {hours} h para revisar el trabajo de [«{part}» en ]«{title}»; después se aprueba tal como está.',
    'milestone.auto_approved': 'El trabajo de [«{part}» en ]«{title}» ({amount}) se aprobó al terminar el plazo para revisarlo.',
    'milestone.changes_requested': 'Se pidieron cambios en [«{part}» de ]«{title}»[: «{reason}»].',
    'milestone.withdrawn': 'Se quitó una parte de «{title}» aún sin pagar ({amount})[, «{part}»][: «{reason}»].',
    'milestone.withdrawn.last': 'Se quitó la última parte de «{title}», aún sin pagar ({amount}), así que la reserva terminó[: «{reason}»].',
    'milestone.released': 'Recibes {amount} por [«{part}» en ]«{title}» (ya descontada la comisión).',
    'milestone.refunded': 'Se te reembolsan {amount} por [«{part}» en ]«{title}».',
    'milestone.payment_expired': 'Terminó el plazo para pagar {amount} por [«{part}» en ]«{title}». Vuelve a pagar desde la reserva.',
    'milestone.payment_returned': 'Se te devuelve un pago tardío de {amount} por «{title}».',
    'milestone.bank_dispute_opened.worker': 'El banco del cliente está disputando su pago de {amount} por «{title}». El dinero queda retenido hasta que el banco decida; te avisaremos.',
    'milestone.bank_dispute_opened.client': 'Tu banco nos informó de que disputas tu pago de {amount} por «{title}». El dinero queda retenido hasta que tu banco decida.',
    'milestone.bank_dispute_won': 'El banco decidió a favor de Fieldwork sobre el pago de {amount} por «{title}»: el dinero vuelve a quedar retenido para el trabajo.[ El trabajo se puede revisar hasta el {deadline}.]',
    'milestone.charged_back.worker': 'El banco del cliente le devolvió el pago de {amount} por «{title}», así que esta parte no se pagará.',
    'milestone.charged_back.client': 'Tu banco decidió a tu favor: recuperas los {amount} que pagaste por «{title}».',
    'milestone.late_bank_dispute_opened.client': 'Tu banco nos informó de que disputas {amount} de tu pago por «{title}», una parte ya cerrada. Fieldwork responde a tu banco; te avisaremos de lo que decida.',
    'milestone.late_bank_dispute_won.client': 'Tu banco decidió a favor de Fieldwork sobre tu disputa de {amount} de tu pago por «{title}».[ Fieldwork te envía ahora el reembolso de {refunded} que te debe.]',
    'milestone.late_bank_dispute_lost.client': 'Tu banco decidió tu disputa a tu favor: te devuelve {amount} de lo que pagaste por «{title}».',
    'dispute.opened': 'Se abrió una disputa en [«{part}» de ]«{title}»[: «{reason}»].[ La reclamación: {claim} de {amount} de vuelta al cliente, y {net} para ti tras la comisión.][ La reclamación: los {allBack} completos de vuelta al cliente, nada para ti.] Responde[ antes del {date}] o se aplica la reclamación.',
    'dispute.opened.client': 'Se abrió una disputa en [«{part}» de ]«{title}»[: «{reason}»].[ La reclamación: {claim} de {amount} de vuelta para ti.][ La reclamación: los {all} completos para el trabajador.] Responde[ antes del {date}] o se aplica la reclamación.',
    'dispute.evidence_added': 'Hay pruebas nuevas en la disputa de «{title}».',
    'dispute.response_reminder': 'Quedan {hours} h para responder a la disputa de [«{part}» en ]«{title}», o se aplica la reclamación[ ({claim} de {amount} de vuelta al cliente)][ (los {allBack} completos de vuelta al cliente)][ (los {all} completos para el trabajador)].',
    'dispute.resolved': 'Se resolvió la disputa de [«{part}» en ]«{title}»[: {refunded} vuelven al cliente y recibes {net}, descontada la comisión].',
    'dispute.resolved.client': 'Se resolvió la disputa de [«{part}» en ]«{title}»[: recuperas {refunded} y {net} van al trabajador, descontada la comisión].',
    'dispute.resolved.refund_all': 'Se resolvió la disputa de [«{part}» en ]«{title}»[: los {refunded} vuelven enteros al cliente], así que esta parte no se paga.',
    'dispute.resolved.client.refund_all': 'Se resolvió la disputa de [«{part}» en ]«{title}»[: recuperas los {refunded} enteros].',
    'dispute.resolved.release_all': 'Se resolvió la disputa de [«{part}» en ]«{title}»: se te paga entera[, {net} descontada la comisión].',
    'dispute.resolved.client.release_all': 'Se resolvió la disputa de [«{part}» en ]«{title}»: el trabajador cobra entera esta parte y no recuperas nada.',
    other: 'Novedades de «{title}».',
    untitled: 'tu reserva',
  },
};

/** Longer titles and previews are cut: a text message is short, and the link has the rest. */
const MAX_TITLE = 60;
const MAX_PREVIEW = 60;
const MAX_PART = 40;

const cut = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1).trimEnd()}…` : s);

export function textLocale(locale: string): TextLocale {
  return locale === 'es' ? 'es' : 'en';
}

/** The link that opens the booking the news is about, or the app when it names none. */
export function newsLink(data: Record<string, unknown>, baseUrl: string): string {
  return typeof data.bookingId === 'string' ? `${baseUrl}/b/${data.bookingId}` : `${baseUrl}/`;
}

/**
 * Which field of the news holds the amount its sentence names, in minor units beside `currency`: a
 * milestone's full amount, except what was released to the worker (net of the fee: what they get) and what
 * was refunded to the client, which a split makes smaller than the milestone.
 */
const AMOUNT_FIELD: Record<string, string> = { 'milestone.released': 'net', 'milestone.refunded': 'refunded', 'milestone.plan_accepted': 'total' };

/** An amount of the news in minor units, in words, or '' when the news does not have it. */
const moneyWords = (amount: unknown, currency: unknown, locale: TextLocale): string =>
  typeof amount === 'number' && Number.isSafeInteger(amount) && isCurrency(currency) ? formatMoney(money(amount, currency), locale) : '';

function amountOf(template: string, data: Record<string, unknown>, locale: TextLocale): string {
  return moneyWords(data[AMOUNT_FIELD[template] ?? 'amount'], data.currency, locale);
}

function dateOf(iso: unknown, locale: TextLocale, timeZone: string | null | undefined): string {
  if (typeof iso !== 'string' || Number.isNaN(Date.parse(iso))) return '';
  // In the zone the reader's device said it is in, named, so that a text read elsewhere is still right; UTC
  // when no device has said (or named a zone this server does not know).
  const shape = { year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZoneName: 'short' } as const;
  try {
    return new Intl.DateTimeFormat(locale, { ...shape, timeZone: timeZone ?? 'UTC' }).format(new Date(iso));
  } catch {
    return new Intl.DateTimeFormat(locale, { ...shape, timeZone: 'UTC' }).format(new Date(iso));
  }
}

/** The text message for a piece of news, link included. */
export function newsText(news: News, baseUrl: string): string {
  return `Fieldwork: ${newsSentence(news)} ${newsLink(news.data, baseUrl)}`;
}

/** The same news as a push: the sentence, and the booking to open on a tap (a path: the app is on our origin). */
export function newsPush(news: News): Omit<PushPayload, 'tag'> {
  return { title: 'Fieldwork', body: newsSentence(news), url: newsLink(news.data, '') };
}

/** The one sentence a piece of news says, in the recipient's language. */
export function newsSentence(news: News): string {
  const locale = textLocale(news.locale);
  const words = TEXTS[locale];
  const fill: Record<string, string> = {
    title: cut(news.title ?? words.untitled!, MAX_TITLE),
    amount: amountOf(news.template, news.data, locale),
    // A dispute's claim: how much of the milestone goes back to the client if it applies; how a decision split it.
    claim: moneyWords(news.data.refundAmount, news.data.currency, locale),
    // A claim of all of it for the worker: the whole amount, said only then.
    all: moneyWords(news.data.claimAll, news.data.currency, locale),
    // A claim of all of it back to the client, said to the worker as such (not "$0.00 to you after the fee").
    allBack: moneyWords(news.data.claimAllBack, news.data.currency, locale),
    refunded: moneyWords(news.data.refunded, news.data.currency, locale),
    net: moneyWords(news.data.net, news.data.currency, locale),
    hours: String(news.data.hoursLeft ?? ''),
    count: String(news.data.count ?? ''),
    date: dateOf(news.data.respondBy, locale, news.timeZone),
    deadline: dateOf(news.data.autoApproveAt, locale, news.timeZone),
    reason: cut(String(news.data.reason ?? '').replace(/\s+/g, ' ').trim(), MAX_PREVIEW),
    preview: cut(String(news.data.preview ?? '').replace(/\s+/g, ' ').trim(), MAX_PREVIEW),
    // The part of a booking of several that the news is about (escrow/step.ts names it only then).
    part: typeof news.data.part === 'string' ? cut(news.data.part.replace(/\s+/g, ' ').trim(), MAX_PART) : '',
  };
  const put = (text: string) => text.replace(/\{(\w+)\}/g, (_, k: string) => fill[k] ?? '');
  // A part in [brackets] is said only when everything it fills in is known (a reason, a deadline). A quote
  // that ends its own sentence ("…the O-ring.") ends the text's too, without a second full stop after it.
  return put((words[news.template] ?? words.other!).replace(/\[([^\]]*)\]/g, (_, part: string) => ([...part.matchAll(/\{(\w+)\}/g)].every(([, k]) => fill[k!]) ? part : ''))).replace(
    /([.!?…])([”»])\./g,
    '$1$2',
  );
}

/** Every template the server writes has its words in every language (texts.test.ts checks the list). */
export const TEXT_TEMPLATES = Object.keys(TEXTS.en).filter((k) => k !== 'other' && k !== 'untitled');
export const TEXT_LOCALES = Object.keys(TEXTS) as TextLocale[];
export const templateWords = (locale: TextLocale, template: string) => TEXTS[locale][template];
