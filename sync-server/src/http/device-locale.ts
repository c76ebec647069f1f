// The language a request's device asks for, when the server knows no better (no signed-in user to ask).
import type { Context } from 'hono';
import { acceptedLanguages, firstSpoken, type Locale } from '@shared/locales';

/** The first language we speak of those the device asks in (Accept-Language), else English. */
export const deviceLocale = (c: Context): Locale => firstSpoken(acceptedLanguages(c.req.header('accept-language')));
