const SERVER = /^(nats|tls):\/\/[^\s,/?#]+\/?$/;

/**
 * Splits a `NATS_URL` value into its servers: one or more `nats://` or `tls://` URLs separated by
 * commas (spaces around them allowed), e.g. the seed servers of a cluster.
 *
 * @param value - the raw variable, e.g. `nats://nats-0:4222,nats://nats-1:4222`
 * @returns the server URLs in order, or `null` if any entry is empty or not a nats:/tls: URL
 * @example
 * parseNatsUrls('nats://a:4222, nats://b:4222'); // ['nats://a:4222', 'nats://b:4222']
 */
export function parseNatsUrls(value: string): string[] | null {
  const servers = value.split(',').map((s) => s.trim());
  if (servers.length === 0 || servers.length > 16) return null;
  for (const s of servers) {
    if (!SERVER.test(s)) return null;
    try {
      new URL(s);
    } catch {
      return null;
    }
  }
  return servers;
}

/** The message config validation prints for a bad `NATS_URL` (never the value). */
export const NATS_URL_RULE = 'must be one or more nats:// or tls:// URLs, comma-separated';
