/** What the bearer extraction reads from a request: Node's raw header list (Express, Fastify's `raw`, Nest). */
export interface BearerSource {
  rawHeaders?: readonly string[];
  raw?: { rawHeaders?: readonly string[] };
}

/** The characters `\s` matches in a header value (Node keeps header values to Latin-1). */
function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0xa0;
}

const SCHEME = 'bearer';

/**
 * The credentials of `Bearer <token>` (scheme in any case, whitespace around it trimmed), or null.
 * Constant time per request: the token itself is not scanned here. Its syntax is the verifier's
 * to check — a cache hit must equal a token that passed the compact-JWS check, anything else
 * goes through that check — so a value with inner whitespace is refused there ('format').
 */
function bearerCredentials(value: string): string | null {
  let start = 0;
  let end = value.length;
  while (start < end && isSpace(value.charCodeAt(start))) start++;
  while (end > start && isSpace(value.charCodeAt(end - 1))) end--;
  let i = start;
  for (let k = 0; k < SCHEME.length; k++, i++) {
    // `| 0x20` lower-cases ASCII letters; no other Latin-1 character maps onto a letter of "bearer".
    if (i >= end || (value.charCodeAt(i) | 0x20) !== SCHEME.charCodeAt(k)) return null;
  }
  if (i >= end || !isSpace(value.charCodeAt(i))) return null;
  while (isSpace(value.charCodeAt(i))) i++;
  return value.slice(i, end);
}

/**
 * The bearer token from exactly one `Authorization` header, or null. Node keeps only the first
 * of repeated Authorization headers in `headers`; a request carrying two is ambiguous and gets
 * no token, so the raw header list is read instead. The scheme is case-insensitive (RFC 7235).
 *
 * @example bearerFromSingleHeader(req) // 'eyJ…' or null
 */
export function bearerFromSingleHeader(req: BearerSource): string | null {
  const raw = req.raw?.rawHeaders ?? req.rawHeaders ?? [];
  let value: string | undefined;
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) {
    // Runs on every request: compare the length before lower-casing (no string per header).
    const name = raw[i];
    if (name === undefined || name.length !== 13 || name.toLowerCase() !== 'authorization') continue;
    count++;
    value = raw[i + 1];
  }
  if (count !== 1 || value === undefined) return null;
  return bearerCredentials(value);
}
