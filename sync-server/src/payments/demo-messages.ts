// Every word of the demo rail's pages, in English and Spanish: one record per language, with the same keys.
// `{name}` is filled in (escaped) by the page; the rest of a string is escaped as it is.
import type { Locale } from '@shared/locales';

const en = {
  banner: 'Demo payment — no real money moves',
  title: 'Demo payment · Fieldwork',
  paymentLead: 'This page stands in for a card payment page while Fieldwork runs without a payment provider. Nothing is charged.',
  onboardingLead: 'This page stands in for the payment provider\'s payout setup while Fieldwork runs without one. No bank details are asked for and no real account is made.',
  bankLead: 'This page stands in for the payer\'s bank while Fieldwork runs without a payment provider. Disputing here moves no real money.',
  amount: 'Amount',
  backToFieldwork: 'Back to Fieldwork',
  tryAgain: 'Try again',

  checkoutHeading: 'Demo payment',
  checkoutFor: 'For',
  pay: 'Pay (demo)',
  cancel: 'Cancel',
  expiredHeading: 'This demo checkout has expired',
  // Closed by its time running out, or because the part was dropped or replaced meanwhile: said so that both are true.
  expiredText: 'Nothing was charged. Go back to Fieldwork to see what is left to pay.',
  paidHeading: 'This demo payment is done',
  paidText: '{amount} for {description} was paid (in demo money).',
  continue: 'Continue',
  confirmationPendingHeading: 'Payment made, confirmation pending',
  confirmationPendingText: 'The demo payment went through, but Fieldwork has not confirmed it yet. Try again in a moment; you will not pay twice.',

  onboardingHeading: 'Set up payouts (demo)',
  onboardingText: 'On the real payment provider you would enter your identity and bank details here. In the demo, one press sets up payouts to a demo account.',
  finishOnboarding: 'Finish payout setup (demo)',
  onboardingPendingHeading: 'Payouts set up, confirmation pending',
  onboardingPendingText: 'The demo payout setup is done, but Fieldwork has not confirmed it yet. Try again in a moment.',

  bankHeading: 'Your bank (demo)',
  bankPayment: 'Payment',
  bankRefunded: 'Refunded by Fieldwork',
  bankAllRefunded: 'Fieldwork has refunded all of this payment to you: there is nothing left to dispute.',
  bankCanDispute: 'You can dispute this payment as you would with your bank. The bank takes the money back from Fieldwork while it decides; whatever of it Fieldwork still holds for the work can be neither released to the worker nor refunded meanwhile.',
  dispute: 'Dispute this payment (demo)',
  bankHolds: 'Disputed: your bank holds {amount} while it decides.',
  decideForPayer: 'Decide for me, the payer (demo)',
  decideForFieldwork: 'Decide for Fieldwork (demo)',
  decidedForPayer: 'Decided for you: your bank returned {amount} to you.',
  decidedForFieldwork: 'Decided for Fieldwork: the payment stands.',

  // The notices (messagePage): a heading and a sentence each.
  noSuchCheckoutHeading: 'No such demo checkout',
  noSuchCheckoutText: 'This payment link is not valid. Go back to Fieldwork and start the payment again.',
  noSuchPaymentHeading: 'No such demo payment',
  noSuchPaymentText: 'Open it again from its receipt in Fieldwork.',
  nothingToDisputeHeading: 'Nothing left to dispute',
  nothingToDisputeText: 'Fieldwork has refunded all of this payment to you.',
  notADecisionHeading: 'Not a decision',
  notADecisionText: 'Decide for the payer or for Fieldwork.',
  bankPendingHeading: 'Fieldwork has not taken the bank’s news yet',
  bankPendingText: 'Reload this page in a moment: the news is sent again.',
  badOnboardingLinkHeading: 'Demo onboarding link not valid',
  badOnboardingLinkText: 'Its return address is not on this site. Start payout setup again from Fieldwork.',
  noSuchAccountHeading: 'No such demo account',
  noSuchAccountText: 'Start payout setup again from Fieldwork.',
};

export type DemoWords = Record<keyof typeof en, string>;

/** The notices messagePage shows: each has `<notice>Heading` and `<notice>Text`. */
export type DemoNotice = 'noSuchCheckout' | 'noSuchPayment' | 'nothingToDispute' | 'notADecision' | 'bankPending' | 'badOnboardingLink' | 'noSuchAccount';

const es: DemoWords = {
  banner: 'Pago de demostración: no se mueve dinero real',
  title: 'Pago de demostración · Fieldwork',
  paymentLead: 'Esta página sustituye a la página de pago con tarjeta mientras Fieldwork funciona sin proveedor de pagos. No se cobra nada.',
  onboardingLead: 'Esta página sustituye a la configuración de cobros del proveedor de pagos mientras Fieldwork funciona sin él. No se piden datos bancarios ni se crea ninguna cuenta real.',
  bankLead: 'Esta página sustituye al banco de quien paga mientras Fieldwork funciona sin proveedor de pagos. Reclamar aquí no mueve dinero real.',
  amount: 'Importe',
  backToFieldwork: 'Volver a Fieldwork',
  tryAgain: 'Reintentar',

  checkoutHeading: 'Pago de demostración',
  checkoutFor: 'Concepto',
  pay: 'Pagar (demostración)',
  cancel: 'Cancelar',
  expiredHeading: 'Esta página de pago de demostración caducó',
  expiredText: 'No se cobró nada. Vuelve a Fieldwork para ver qué queda por pagar.',
  paidHeading: 'Este pago de demostración ya está hecho',
  paidText: 'Pagado: {amount} por {description} (con dinero de demostración).',
  continue: 'Continuar',
  confirmationPendingHeading: 'Pago hecho, confirmación pendiente',
  confirmationPendingText: 'El pago de demostración se hizo, pero Fieldwork aún no lo ha confirmado. Inténtalo de nuevo en un momento; no pagarás dos veces.',

  onboardingHeading: 'Configurar cobros (demostración)',
  onboardingText: 'Con el proveedor de pagos real, aquí indicarías tu identidad y tus datos bancarios. En la demostración, una sola pulsación configura los cobros a una cuenta de demostración.',
  finishOnboarding: 'Terminar la configuración de cobros (demostración)',
  onboardingPendingHeading: 'Cobros configurados, confirmación pendiente',
  onboardingPendingText: 'La configuración de cobros de demostración está hecha, pero Fieldwork aún no la ha confirmado. Inténtalo de nuevo en un momento.',

  bankHeading: 'Tu banco (demostración)',
  bankPayment: 'Pago',
  bankRefunded: 'Reembolsado por Fieldwork',
  bankAllRefunded: 'Fieldwork te ha reembolsado todo este pago: no queda nada que reclamar.',
  bankCanDispute: 'Puedes reclamar este pago como lo harías con tu banco. El banco le quita el dinero a Fieldwork mientras decide; mientras tanto, lo que Fieldwork aún retenga de él para el trabajo no se puede liberar al trabajador ni devolver.',
  dispute: 'Reclamar este pago (demostración)',
  bankHolds: 'Reclamado: tu banco retiene {amount} mientras decide.',
  decideForPayer: 'Decidir a mi favor (demostración)',
  decideForFieldwork: 'Decidir a favor de Fieldwork (demostración)',
  decidedForPayer: 'Decidido a tu favor: tu banco te devolvió {amount}.',
  decidedForFieldwork: 'Decidido a favor de Fieldwork: el pago se mantiene.',

  noSuchCheckoutHeading: 'No existe esta página de pago de demostración',
  noSuchCheckoutText: 'Este enlace de pago no es válido. Vuelve a Fieldwork y empieza el pago de nuevo.',
  noSuchPaymentHeading: 'No existe este pago de demostración',
  noSuchPaymentText: 'Ábrelo de nuevo desde su recibo en Fieldwork.',
  nothingToDisputeHeading: 'No queda nada que reclamar',
  nothingToDisputeText: 'Fieldwork te ha reembolsado todo este pago.',
  notADecisionHeading: 'Eso no es una decisión',
  notADecisionText: 'Decide a favor de quien paga o de Fieldwork.',
  bankPendingHeading: 'Fieldwork aún no ha recibido el aviso del banco',
  bankPendingText: 'Recarga esta página en un momento: el aviso se envía de nuevo.',
  badOnboardingLinkHeading: 'Enlace de configuración de demostración no válido',
  badOnboardingLinkText: 'Su dirección de vuelta no es de este sitio. Vuelve a configurar los cobros desde Fieldwork.',
  noSuchAccountHeading: 'No existe esta cuenta de demostración',
  noSuchAccountText: 'Vuelve a configurar los cobros desde Fieldwork.',
};

export const DEMO_MESSAGES: Record<Locale, DemoWords> = { en, es };
