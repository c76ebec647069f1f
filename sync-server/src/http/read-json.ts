// Reads a JSON request body, turning unparseable input into a clear 400.
import type { Context } from 'hono';
import { HttpError } from '../errors';

export async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError('malformed_json', 'The request body is not valid JSON.');
  }
}
