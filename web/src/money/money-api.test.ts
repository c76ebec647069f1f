// A money route's refusal in the reader's language: a command's rejection by its code, an HTTP error by its code.
import { describe, expect, it } from 'vitest';
import { MoneyHttpError, refusalText } from './money-api';

describe('refusalText', () => {
  it('gives English readers the server’s own sentence', () => {
    expect(refusalText(new MoneyHttpError(503, 'unavailable', 'Payout setup is not available right now. Try again in a few minutes.'), 'en')).toBe(
      'Payout setup is not available right now. Try again in a few minutes.',
    );
    expect(refusalText(new MoneyHttpError(502, 'http', 'The server answered 502.'), 'en')).toBe('The server answered 502.');
  });

  it('gives Spanish readers the translation of the error’s code, never the server’s English', () => {
    expect(refusalText(new MoneyHttpError(503, 'unavailable', 'Payout setup is not available right now. Try again in a few minutes.'), 'es')).toBe(
      'El servicio no está disponible ahora mismo. Inténtalo en unos minutos.',
    );
    expect(refusalText(new MoneyHttpError(429, 'rate_limited', 'Too many requests.'), 'es')).toBe('Demasiados intentos seguidos. Espera un momento y vuelve a intentarlo.');
    // A gateway's page, not the server's answer: no code to translate, its status said in Spanish.
    expect(refusalText(new MoneyHttpError(502, 'http', 'The server answered 502.'), 'es')).toBe('El servidor respondió 502.');
  });

  it('translates a command’s rejection carried by the answer by its rejection code', () => {
    const err = new MoneyHttpError(409, 'conflict', 'Refused.', { code: 'payment_unavailable', message: 'Payments are not available right now.' });
    expect(refusalText(err, 'es')).toBe('Los pagos no están disponibles ahora mismo. No se ha cobrado nada; inténtalo en unos minutos.');
  });
});
