// The demo rail's HTML pages, in the payer's or worker's language (demo-messages.ts): self-contained (no scripts,
// no external assets), every value escaped, and each one saying plainly that no real money moves.
import type { Locale } from '@shared/locales';
import { formatMoney, money } from '@shared/money';
import type { DemoBankView, DemoCheckout } from './demo';
import { DEMO_MESSAGES, type DemoNotice, type DemoWords } from './demo-messages';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** A message as HTML: its words escaped, and each `{name}` in it replaced by the escaped value. */
function say(message: string, values: Record<string, string> = {}): string {
  return escapeHtml(message).replace(/\{(\w+)\}/g, (m, name: string) => (name in values ? escapeHtml(values[name]!) : m));
}

type Lead = 'paymentLead' | 'onboardingLead' | 'bankLead';

function page(locale: Locale, heading: string, body: string, lead: Lead = 'paymentLead'): string {
  const w = DEMO_MESSAGES[locale];
  return `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${say(w.title)}</title>
<style>
  body { font: 18px/1.5 system-ui, sans-serif; margin: 0 auto; padding: 1rem; max-width: 32rem; color: #111; background: #fff; }
  .banner { background: #ffe066; color: #111; border: 2px solid #111; border-radius: .5rem; padding: .75rem 1rem; margin: 0 0 1.5rem; }
  h1 { font-size: 1.6rem; line-height: 1.2; margin: 0 0 1rem; }
  dl { margin: 0 0 1.5rem; }
  dt { font-size: .9rem; color: #444; }
  dd { margin: 0 0 .75rem; overflow-wrap: anywhere; }
  .amount { font-size: 2rem; font-weight: 700; }
  form { margin: 0 0 1rem; }
  button, .button { display: block; box-sizing: border-box; width: 100%; min-height: 3rem; padding: .75rem 1rem; font: inherit; font-weight: 700;
    text-align: center; text-decoration: none; border-radius: .5rem; border: 2px solid #0b5d3b; background: #0b5d3b; color: #fff; cursor: pointer; }
  a { color: #0645ad; }
  .secondary { display: inline-block; min-height: 3rem; line-height: 3rem; }
  :focus-visible { outline: 3px solid #1a73e8; outline-offset: 2px; }
</style>
</head>
<body>
<main>
<p class="banner"><strong>${say(w.banner)}.</strong> ${say(w[lead])}</p>
<h1>${say(heading)}</h1>
${body}
</main>
</body>
</html>`;
}

function amountOf(c: DemoCheckout, locale: Locale): string {
  return formatMoney(money(c.amount, c.currency), locale);
}

/** The open session: what is being paid for, the amount, "Pay (demo)" and "Cancel". */
export function checkoutPage(c: DemoCheckout, opts: { payAction: string; locale: Locale }): string {
  const w = DEMO_MESSAGES[opts.locale];
  return page(
    opts.locale,
    w.checkoutHeading,
    `<dl>
<dt>${say(w.checkoutFor)}</dt>
<dd>${escapeHtml(c.description)}</dd>
<dt>${say(w.amount)}</dt>
<dd class="amount">${escapeHtml(amountOf(c, opts.locale))}</dd>
</dl>
<form method="post" action="${escapeHtml(opts.payAction)}">
<button type="submit">${say(w.pay)}</button>
</form>
<p><a class="secondary" href="${escapeHtml(c.cancelUrl)}">${say(w.cancel)}</a></p>`,
  );
}

export function expiredPage(c: DemoCheckout, opts: { locale: Locale }): string {
  const w = DEMO_MESSAGES[opts.locale];
  return page(
    opts.locale,
    w.expiredHeading,
    `<p>${say(w.expiredText)}</p>
<p><a class="button" href="${escapeHtml(c.cancelUrl)}">${say(w.backToFieldwork)}</a></p>`,
  );
}

export function paidPage(c: DemoCheckout, opts: { locale: Locale }): string {
  const w = DEMO_MESSAGES[opts.locale];
  return page(
    opts.locale,
    w.paidHeading,
    `<p>${say(w.paidText, { amount: amountOf(c, opts.locale), description: c.description })}</p>
<p><a class="button" href="${escapeHtml(c.successUrl)}">${say(w.continue)}</a></p>`,
  );
}

/** Paid, but the webhook handler did not take the events: pressing the button again redelivers them. */
export function confirmationPendingPage(opts: { payAction: string; locale: Locale }): string {
  const w = DEMO_MESSAGES[opts.locale];
  return page(
    opts.locale,
    w.confirmationPendingHeading,
    `<p>${say(w.confirmationPendingText)}</p>
<form method="post" action="${escapeHtml(opts.payAction)}">
<button type="submit">${say(w.tryAgain)}</button>
</form>`,
  );
}

/** A notice: its heading and one sentence (demo-messages.ts, `<notice>Heading` and `<notice>Text`). */
export function messagePage(notice: DemoNotice, opts: { locale: Locale }): string {
  const w: DemoWords = DEMO_MESSAGES[opts.locale];
  return page(opts.locale, w[`${notice}Heading`], `<p>${say(w[`${notice}Text`])}</p>`);
}

/**
 * The demo's payout setup: one button that finishes it. A POST, so that a link preview or a prefetch of the
 * onboarding link cannot set up anyone's payouts.
 */
export function onboardingPage(opts: { action: string; cancelUrl: string; locale: Locale }): string {
  const w = DEMO_MESSAGES[opts.locale];
  return page(
    opts.locale,
    w.onboardingHeading,
    `<p>${say(w.onboardingText)}</p>
<form method="post" action="${escapeHtml(opts.action)}">
<button type="submit">${say(w.finishOnboarding)}</button>
</form>
<p><a class="secondary" href="${escapeHtml(opts.cancelUrl)}">${say(w.backToFieldwork)}</a></p>`,
    'onboardingLead',
  );
}

/** Set up, but the webhook handler did not take the news: pressing the button again redelivers it. */
export function onboardingPendingPage(opts: { action: string; locale: Locale }): string {
  const w = DEMO_MESSAGES[opts.locale];
  return page(
    opts.locale,
    w.onboardingPendingHeading,
    `<p>${say(w.onboardingPendingText)}</p>
<form method="post" action="${escapeHtml(opts.action)}">
<button type="submit">${say(w.tryAgain)}</button>
</form>`,
    'onboardingLead',
  );
}

/**
 * The payer's demo bank: the payment, and a dispute of it (a chargeback) to open and then decide, each a POST.
 * What Fieldwork makes of each step shows in the app: the part held, then carried on or ended.
 */
export function bankPage(v: DemoBankView, opts: { action: string; locale: Locale; backUrl: string }): string {
  const w = DEMO_MESSAGES[opts.locale];
  const amount = (n: number) => formatMoney(money(n, v.currency), opts.locale);
  const d = v.dispute;
  const open = d !== null && d.status !== 'won' && d.status !== 'lost';
  const state = !d && v.refunded >= v.amount
    ? `<p>${say(w.bankAllRefunded)}</p>`
    : !d
    ? `<p>${say(w.bankCanDispute)}</p>
<form method="post" action="${escapeHtml(opts.action)}/dispute">
<button type="submit">${say(w.dispute)}</button>
</form>`
    : open
      ? `<p data-state="held">${say(w.bankHolds, { amount: amount(d.amount) })}</p>
<form method="post" action="${escapeHtml(opts.action)}/decide">
<input type="hidden" name="outcome" value="lost">
<button type="submit">${say(w.decideForPayer)}</button>
</form>
<form method="post" action="${escapeHtml(opts.action)}/decide">
<input type="hidden" name="outcome" value="won">
<button type="submit">${say(w.decideForFieldwork)}</button>
</form>`
      : `<p data-state="${escapeHtml(d.status)}">${d.status === 'lost' ? say(w.decidedForPayer, { amount: amount(d.amount) }) : say(w.decidedForFieldwork)}</p>`;
  return page(
    opts.locale,
    w.bankHeading,
    `<dl>
<dt>${say(w.bankPayment)}</dt>
<dd>${escapeHtml(v.description || v.paymentIntentId)}</dd>
<dt>${say(w.amount)}</dt>
<dd class="amount">${escapeHtml(amount(v.amount))}</dd>
${v.refunded > 0 ? `<dt>${say(w.bankRefunded)}</dt>\n<dd>${escapeHtml(amount(v.refunded))}</dd>` : ''}
</dl>
${state}
<p><a class="secondary" href="${escapeHtml(opts.backUrl)}">${say(w.backToFieldwork)}</a></p>`,
    'bankLead',
  );
}
