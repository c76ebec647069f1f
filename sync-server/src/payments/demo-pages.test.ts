// The demo rail's pages in each language the app speaks: every page and state in English and Spanish, marked
// with its language, with no words of the other, and every value escaped.
import { describe, expect, it } from 'vitest';
import { LOCALES, type Locale } from '@shared/locales';
import type { DemoBankView, DemoCheckout } from './demo';
import { DEMO_MESSAGES, type DemoWords } from './demo-messages';
import { bankPage, checkoutPage, confirmationPendingPage, expiredPage, messagePage, onboardingPage, onboardingPendingPage, paidPage } from './demo-pages';

const checkout: DemoCheckout = {
  id: 'cs_demo_1', status: 'open', amount: 12_550, currency: 'USD', description: 'Valla <b>nueva</b> & "puerta"',
  successUrl: 'https://fieldwork.example.com/b/1?paid=1&x=2', cancelUrl: 'https://fieldwork.example.com/b/1', expiresAt: new Date(0), paymentIntentId: null,
};
const payment = (dispute: DemoBankView['dispute'], refunded = 0): DemoBankView => ({
  paymentIntentId: 'pi_demo_1', amount: 12_550, currency: 'USD', description: 'Valla', refunded, dispute,
});

/** Every page the demo rail shows, in every state, by name. */
function everyPage(locale: Locale) {
  const bank = (v: DemoBankView) => bankPage(v, { action: '/pay/demo/bank/pi_demo_1', locale, backUrl: 'https://fieldwork.example.com/c/payments' });
  return {
    checkout: checkoutPage(checkout, { payAction: '/pay/demo/checkout/cs_demo_1/pay', locale }),
    expired: expiredPage(checkout, { locale }),
    paid: paidPage(checkout, { locale }),
    confirmationPending: confirmationPendingPage({ payAction: '/pay/demo/checkout/cs_demo_1/pay', locale }),
    onboarding: onboardingPage({ action: '/pay/demo/onboard/acct_demo_1?return=%2Fo', cancelUrl: 'https://fieldwork.example.com/o', locale }),
    onboardingPending: onboardingPendingPage({ action: '/pay/demo/onboard/acct_demo_1?return=%2Fo', locale }),
    bankUndisputed: bank(payment(null)),
    bankPartlyRefunded: bank(payment(null, 2_000)),
    bankAllRefunded: bank(payment(null, 12_550)),
    bankHeld: bank(payment({ id: 'du_demo_1', status: 'needs_response', amount: 12_550 })),
    bankLost: bank(payment({ id: 'du_demo_1', status: 'lost', amount: 12_550 })),
    bankWon: bank(payment({ id: 'du_demo_1', status: 'won', amount: 12_550 })),
    noSuchCheckout: messagePage('noSuchCheckout', { locale }),
    noSuchPayment: messagePage('noSuchPayment', { locale }),
    nothingToDispute: messagePage('nothingToDispute', { locale }),
    notADecision: messagePage('notADecision', { locale }),
    bankPending: messagePage('bankPending', { locale }),
    badOnboardingLink: messagePage('badOnboardingLink', { locale }),
    noSuchAccount: messagePage('noSuchAccount', { locale }),
  };
}

/** What a person reads: the title and the body's text, tags and styles dropped, entities decoded. */
const visibleText = (html: string) =>
  html
    .replace(/<style>[\s\S]*?<\/style>/, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
    .replace(/\s+/g, ' ');

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('demo pages in English and Spanish', () => {
  it('has every word in every language, with the same fill-ins', () => {
    const keys = Object.keys(DEMO_MESSAGES.en).sort();
    for (const locale of LOCALES) {
      expect(Object.keys(DEMO_MESSAGES[locale]).sort(), locale).toEqual(keys);
      for (const key of keys as (keyof DemoWords)[]) {
        expect(DEMO_MESSAGES[locale][key].trim(), `${locale} ${key}`).not.toBe('');
        expect(placeholders(DEMO_MESSAGES[locale][key]), `${locale} ${key}`).toEqual(placeholders(DEMO_MESSAGES.en[key]));
      }
    }
    // A language missing a word does not typecheck.
    const { banner: _, ...withoutBanner } = DEMO_MESSAGES.es;
    // @ts-expect-error: `banner` is missing
    const incomplete: DemoWords = withoutBanner;
    expect(incomplete).not.toHaveProperty('banner');
  });

  it('marks each page with its language and says in it that no real money moves', () => {
    for (const locale of LOCALES) {
      const w = DEMO_MESSAGES[locale];
      for (const [name, html] of Object.entries(everyPage(locale))) {
        expect(html, `${locale} ${name}`).toContain(`<html lang="${locale}">`);
        expect(html, `${locale} ${name}`).toContain(`<title>${w.title}</title>`);
        expect(html, `${locale} ${name}`).toContain(`<p class="banner"><strong>${w.banner}.</strong>`);
      }
    }
    expect(everyPage('es').checkout).toContain('Pago de demostración: no se mueve dinero real');
  });

  it('shows no English on a Spanish page', () => {
    const en = Object.entries(DEMO_MESSAGES.en) as [keyof DemoWords, string][];
    // Each piece of an English sentence around its fill-ins, where Spanish says it otherwise.
    const english = en
      .filter(([key, words]) => words !== DEMO_MESSAGES.es[key])
      .flatMap(([, words]) => words.split(/\{\w+\}/))
      .map((piece) => piece.trim())
      .filter((piece) => piece.length >= 3);
    // Whole words only: "Cancelar" is not "Cancel".
    const asWords = (piece: string) => new RegExp(`(^|[^\\p{L}])${piece.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^\\p{L}])`, 'u');
    for (const [name, html] of Object.entries(everyPage('es'))) {
      const text = visibleText(html);
      for (const piece of english) expect(text, `es ${name}`).not.toMatch(asWords(piece));
    }
    expect(visibleText(everyPage('en').checkout)).toMatch(asWords('Cancel'));
  });

  it('words each page and state in Spanish, amounts formatted in Spanish', () => {
    const es = everyPage('es');
    expect(es.checkout).toContain('<h1>Pago de demostración</h1>');
    expect(es.checkout).toContain('<button type="submit">Pagar (demostración)</button>');
    expect(es.checkout).toContain('>Cancelar</a>');
    expect(es.checkout).toContain('<dd class="amount">125,50\u00a0US$</dd>');
    expect(visibleText(es.paid)).toContain('Pagado: 125,50 US$ por Valla <b>nueva</b> & "puerta" (con dinero de demostración).');
    expect(es.expired).toContain('<h1>Esta página de pago de demostración caducó</h1>');
    expect(es.confirmationPending).toContain('<button type="submit">Reintentar</button>');
    expect(es.onboarding).toContain('<button type="submit">Terminar la configuración de cobros (demostración)</button>');
    expect(es.onboarding).toContain('Esta página sustituye a la configuración de cobros del proveedor de pagos');
    expect(es.onboardingPending).toContain('<h1>Cobros configurados, confirmación pendiente</h1>');
    expect(es.bankUndisputed).toContain('<button type="submit">Reclamar este pago (demostración)</button>');
    expect(es.bankPartlyRefunded).toContain('<dt>Reembolsado por Fieldwork</dt>');
    expect(es.bankAllRefunded).toContain('no queda nada que reclamar');
    expect(visibleText(es.bankHeld)).toContain('Reclamado: tu banco retiene 125,50 US$ mientras decide.');
    expect(es.bankHeld).toContain('<button type="submit">Decidir a mi favor (demostración)</button>');
    expect(visibleText(es.bankLost)).toContain('Decidido a tu favor: tu banco te devolvió 125,50 US$.');
    expect(es.bankWon).toContain('Decidido a favor de Fieldwork: el pago se mantiene.');
    expect(es.noSuchCheckout).toContain('<h1>No existe esta página de pago de demostración</h1>');
    expect(es.bankPending).toContain('<h1>Fieldwork aún no ha recibido el aviso del banco</h1>');
  });

  it('keeps the English pages as they were', () => {
    const en = everyPage('en');
    expect(en.checkout).toContain('<p class="banner"><strong>Demo payment — no real money moves.</strong> This page stands in for a card payment page');
    expect(en.checkout).toContain('<dd class="amount">$125.50</dd>');
    expect(en.checkout).toContain('<button type="submit">Pay (demo)</button>');
    expect(en.onboarding).toContain('<button type="submit">Finish payout setup (demo)</button>');
    expect(en.onboarding).toContain('stands in for the payment provider&#39;s payout setup');
    expect(en.bankUndisputed).toContain('<button type="submit">Dispute this payment (demo)</button>');
    expect(en.bankHeld).toContain('<p data-state="held">Disputed: your bank holds $125.50 while it decides.</p>');
    expect(en.bankHeld).toContain('<button type="submit">Decide for me, the payer (demo)</button>');
    expect(en.bankLost).toContain('<p data-state="lost">Decided for you: your bank returned $125.50 to you.</p>');
    expect(en.bankPending).toContain('<h1>Fieldwork has not taken the bank’s news yet</h1>');
    expect(en.noSuchCheckout).toContain('<p>This payment link is not valid. Go back to Fieldwork and start the payment again.</p>');
  });

  it('escapes every value filled in, in both languages', () => {
    for (const locale of LOCALES) {
      const pages = everyPage(locale);
      for (const html of [pages.checkout, pages.paid]) {
        expect(html).not.toContain('<b>');
        expect(html).toContain('Valla &#60;b&#62;nueva&#60;/b&#62; &#38; &#34;puerta&#34;');
      }
      expect(pages.paid).toContain('href="https://fieldwork.example.com/b/1?paid=1&#38;x=2"');
    }
  });
});
