import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { AuthorizationRequest } from './authorization-request';

/** DI token of the key that seals pending authorization requests. */
export const PENDING_AUTHORIZATION_KEY = Symbol('PENDING_AUTHORIZATION_KEY');

/** How long a user may take to sign in and consent. */
export const PENDING_AUTHORIZATION_TTL_MS = 10 * 60 * 1000;

/** Derives the sealing key from the key encryption key (HKDF, own label), so every replica agrees. */
export function derivePendingAuthorizationKey(kek: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', kek, Buffer.alloc(0), 'gatehouse pending authorization v1', 32));
}

/**
 * A validated authorization request carried through /login and the consent page as an opaque
 * AES-256-GCM blob, so nothing is stored before the user acts and nothing can be altered on the
 * way (a changed redirect URI or scope fails to open).
 */
export function sealAuthorization(key: Buffer, request: AuthorizationRequest): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ct = Buffer.concat([cipher.update(JSON.stringify(request), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64url');
}

/** Opens a sealed request; null if it was altered, is malformed or has expired. */
export function openAuthorization(key: Buffer, sealed: unknown, now: number): AuthorizationRequest | null {
  if (typeof sealed !== 'string' || sealed.length < 40 || sealed.length > 8192 || !/^[A-Za-z0-9_-]+$/.test(sealed)) return null;
  try {
    const raw = Buffer.from(sealed, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    const request = JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')) as AuthorizationRequest;
    return now - request.createdAt <= PENDING_AUTHORIZATION_TTL_MS && request.createdAt <= now + 60_000 ? request : null;
  } catch {
    return null;
  }
}
