// HTTP-level errors: a closed set of codes, mapped to status in one place (the app's onError).
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export const HTTP_ERRORS = {
  malformed_json: 400,
  invalid_request: 400,
  unauthorized: 401,
  session_expired: 401,
  forbidden: 403,
  not_found: 404,
  payload_too_large: 413,
  unsupported_media_type: 415,
  invalid_code: 400,
  conflict: 409,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
} as const satisfies Record<string, ContentfulStatusCode>;
export type HttpErrorCode = keyof typeof HTTP_ERRORS;

export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly code: HttpErrorCode,
    message: string,
    readonly details?: unknown,
    /** Seconds, for 429. */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
  get status(): ContentfulStatusCode {
    return HTTP_ERRORS[this.code];
  }
}
