import { RequestInvalidError } from '@gatehouse/contracts';

/** Prefix every subject in `@gatehouse/contracts` starts with. */
export const CONTRACT_PREFIX = 'gatehouse';

// One or more plain tokens: no wildcards, no spaces, nothing NATS treats specially.
const PREFIX = /^[A-Za-z0-9_-]{1,64}(\.[A-Za-z0-9_-]{1,64}){0,3}$/;

/** Throws `REQUEST_INVALID` unless `prefix` is a plain NATS subject prefix. */
export function assertPrefix(prefix: string): string {
  if (!PREFIX.test(prefix)) throw new RequestInvalidError(`Invalid NATS subject prefix "${prefix}".`);
  return prefix;
}

/** Maps a contracts subject (`gatehouse.revoked.token`) onto the wire under `prefix`. */
export function toWireSubject(prefix: string, subject: string): string {
  return prefix + subject.slice(CONTRACT_PREFIX.length);
}

/** Maps a wire subject back to its contracts subject; `null` if it is not under `prefix`. */
export function fromWireSubject(prefix: string, wire: string): string | null {
  return wire.startsWith(`${prefix}.`) ? CONTRACT_PREFIX + wire.slice(prefix.length) : null;
}
