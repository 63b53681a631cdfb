import { randomUUID } from 'node:crypto';

/** Header carrying the correlation id in and out of every service. */
export const REQUEST_ID_HEADER = 'x-request-id';

const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Returns the caller's request id if it is short and plain, else a fresh UUID.
 * An unchecked header would let a caller inject text into our logs.
 *
 * @param header - raw header value (may be an array or missing)
 */
export function requestIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && ACCEPTABLE.test(value) ? value : randomUUID();
}
