/** What the bearer extraction reads from a request: Node's raw header list (Express, Fastify's `raw`, Nest). */
export interface BearerSource {
  rawHeaders?: readonly string[];
  raw?: { rawHeaders?: readonly string[] };
}

const BEARER = /^\s*bearer\s+([^\s]+)\s*$/i;

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
  return BEARER.exec(value)?.[1] ?? null;
}
