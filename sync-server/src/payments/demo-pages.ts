// The demo rail's HTML pages: self-contained (no scripts, no external assets), every value escaped, and each
// one saying plainly that no real money moves.
import { formatMoney, money } from '@shared/money';
import type { DemoBankView, DemoCheckout } from './demo';

export const DEMO_BANNER = 'Demo payment — no real money moves';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

const PAYMENT_LEAD = 'This page stands in for a card payment page while Fieldwork runs without a payment provider. Nothing is charged.';

function page(heading: string, body: string, lead = PAYMENT_LEAD): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Demo payment · Fieldwork</title>
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
<p class="banner"><strong>${DEMO_BANNER}.</strong> ${escapeHtml(lead)}</p>
<h1>${escapeHtml(heading)}</h1>
${body}
</main>
</body>
</html>`;
}

function amountOf(c: DemoCheckout, locale: string): string {
  return formatMoney(money(c.amount, c.currency), locale);
}

/** The open session: what is being paid for, the amount, "Pay (demo)" and "Cancel". */
export function checkoutPage(c: DemoCheckout, opts: { payAction: string; locale: string }): string {
  return page(
    'Demo payment',
    `<dl>
<dt>For</dt>
<dd>${escapeHtml(c.description)}</dd>
<dt>Amount</dt>
<dd class="amount">${escapeHtml(amountOf(c, opts.locale))}</dd>
</dl>
<form method="post" action="${escapeHtml(opts.payAction)}">
<button type="submit">Pay (demo)</button>
</form>
<p><a class="secondary" href="${escapeHtml(c.cancelUrl)}">Cancel</a></p>`,
  );
}

export function expiredPage(c: DemoCheckout): string {
  return page(
    'This demo checkout has expired',
    `<p>Nothing was charged. Go back to Fieldwork and start the payment again.</p>
<p><a class="button" href="${escapeHtml(c.cancelUrl)}">Back to Fieldwork</a></p>`,
  );
}

export function paidPage(c: DemoCheckout, locale: string): string {
  return page(
    'This demo payment is done',
    `<p>${escapeHtml(amountOf(c, locale))} for ${escapeHtml(c.description)} was paid (in demo money).</p>
<p><a class="button" href="${escapeHtml(c.successUrl)}">Continue</a></p>`,
  );
}

/** Paid, but the webhook handler did not take the events: pressing the button again redelivers them. */
export function confirmationPendingPage(opts: { payAction: string }): string {
  return page(
    'Payment made, confirmation pending',
    `<p>The demo payment went through, but Fieldwork has not confirmed it yet. Try again in a moment; you will not pay twice.</p>
<form method="post" action="${escapeHtml(opts.payAction)}">
<button type="submit">Try again</button>
</form>`,
  );
}

export function messagePage(heading: string, text: string): string {
  return page(heading, `<p>${escapeHtml(text)}</p>`);
}

const ONBOARDING_LEAD = 'This page stands in for the payment provider\'s payout setup while Fieldwork runs without one. No bank details are asked for and no real account is made.';

/**
 * The demo's payout setup: one button that finishes it. A POST, so that a link preview or a prefetch of the
 * onboarding link cannot set up anyone's payouts.
 */
export function onboardingPage(opts: { action: string; cancelUrl: string }): string {
  return page(
    'Set up payouts (demo)',
    `<p>On the real payment provider you would enter your identity and bank details here. In the demo, one press sets up payouts to a demo account.</p>
<form method="post" action="${escapeHtml(opts.action)}">
<button type="submit">Finish payout setup (demo)</button>
</form>
<p><a class="secondary" href="${escapeHtml(opts.cancelUrl)}">Back to Fieldwork</a></p>`,
    ONBOARDING_LEAD,
  );
}

/** Set up, but the webhook handler did not take the news: pressing the button again redelivers it. */
export function onboardingPendingPage(opts: { action: string }): string {
  return page(
    'Payouts set up, confirmation pending',
    `<p>The demo payout setup is done, but Fieldwork has not confirmed it yet. Try again in a moment.</p>
<form method="post" action="${escapeHtml(opts.action)}">
<button type="submit">Try again</button>
</form>`,
    ONBOARDING_LEAD,
  );
}

const BANK_LEAD = 'This page stands in for the payer\'s bank while Fieldwork runs without a payment provider. Disputing here moves no real money.';

/**
 * The payer's demo bank: the payment, and a dispute of it (a chargeback) to open and then decide, each a POST.
 * What Fieldwork makes of each step shows in the app: the part held, then carried on or ended.
 */
export function bankPage(v: DemoBankView, opts: { action: string; locale: string; backUrl: string }): string {
  const amount = (n: number) => escapeHtml(formatMoney(money(n, v.currency), opts.locale));
  const d = v.dispute;
  const open = d !== null && d.status !== 'won' && d.status !== 'lost';
  const state = !d && v.refunded >= v.amount
    ? '<p>Fieldwork has refunded all of this payment to you: there is nothing left to dispute.</p>'
    : !d
    ? `<p>You can dispute this payment as you would with your bank. The bank takes the money back from Fieldwork while it decides, and Fieldwork holds that part of the work meanwhile.</p>
<form method="post" action="${escapeHtml(opts.action)}/dispute">
<button type="submit">Dispute this payment (demo)</button>
</form>`
    : open
      ? `<p data-state="held">Disputed: your bank holds ${amount(d.amount)} while it decides.</p>
<form method="post" action="${escapeHtml(opts.action)}/decide">
<input type="hidden" name="outcome" value="lost">
<button type="submit">Decide for me, the payer (demo)</button>
</form>
<form method="post" action="${escapeHtml(opts.action)}/decide">
<input type="hidden" name="outcome" value="won">
<button type="submit">Decide for Fieldwork (demo)</button>
</form>`
      : `<p data-state="${d.status}">${d.status === 'lost' ? `Decided for you: your bank returned ${amount(d.amount)} to you.` : 'Decided for Fieldwork: the payment stands.'}</p>`;
  return page(
    'Your bank (demo)',
    `<dl>
<dt>Payment</dt>
<dd>${escapeHtml(v.description || v.paymentIntentId)}</dd>
<dt>Amount</dt>
<dd class="amount">${amount(v.amount)}</dd>
${v.refunded > 0 ? `<dt>Refunded by Fieldwork</dt>\n<dd>${amount(v.refunded)}</dd>` : ''}
</dl>
${state}
<p><a class="secondary" href="${escapeHtml(opts.backUrl)}">Back to Fieldwork</a></p>`,
    BANK_LEAD,
  );
}
