// Reads a JSON request body, turning unparseable input into a clear 400.
import type { Context } from 'hono';
import { HttpError } from '../errors';

/**
 * Only under its own media type. A page on another site can send a body that parses as JSON with a plain
 * form (enctype text/plain) and no preflight, and the browser keeps the cookie the answer sets: without this,
 * such a page could sign a visitor in as someone else (login CSRF). application/json cross-site needs a
 * preflight, which this server never grants.
 */
export async function readJson(c: Context): Promise<unknown> {
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') throw new HttpError('unsupported_media_type', 'Send the body as JSON, with "Content-Type: application/json".');
  const text = await c.req.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError('malformed_json', 'The request body is not valid JSON.');
  }
}
