import { RequestInvalidError } from '@gatehouse/contracts';

/** Prefix every subject in `@gatehouse/contracts` starts with. */
export const CONTRACT_PREFIX = 'gatehouse';

// One or more plain tokens: no wildcards, no spaces, nothing NATS treats specially.
const PREFIX = /^[A-Za-z0-9_-]{1,64}(\.[A-Za-z0-9_-]{1,64}){0,3}$/;

/**
 * First token of the fast-path subjects: core NATS, outside every stream's `<prefix>.>`, so the
 * stream never stores the fast copy of an event (docs/adr/0001-revocation-fast-path.md).
 */
export const FAST_PATH_TOKEN = '_gh_fast';

/** Throws `REQUEST_INVALID` unless `prefix` is a plain NATS subject prefix (and not the fast-path token). */
export function assertPrefix(prefix: string): string {
  if (!PREFIX.test(prefix) || prefix.split('.')[0] === FAST_PATH_TOKEN) {
    throw new RequestInvalidError(`Invalid NATS subject prefix "${prefix}".`);
  }
  return prefix;
}

/** The core-NATS subject carrying the fast copy of `subject` under `prefix`. */
export function toFastSubject(prefix: string, subject: string): string {
  return `${FAST_PATH_TOKEN}.${toWireSubject(prefix, subject)}`;
}

/** Maps a contracts subject (`gatehouse.revoked.token`) onto the wire under `prefix`. */
export function toWireSubject(prefix: string, subject: string): string {
  return prefix + subject.slice(CONTRACT_PREFIX.length);
}

/** Maps a wire subject (stream or fast path) back to its contracts subject; `null` if it is not under `prefix`. */
export function fromWireSubject(prefix: string, wire: string): string | null {
  const bare = wire.startsWith(`${FAST_PATH_TOKEN}.`) ? wire.slice(FAST_PATH_TOKEN.length + 1) : wire;
  return bare.startsWith(`${prefix}.`) ? CONTRACT_PREFIX + bare.slice(prefix.length) : null;
}
