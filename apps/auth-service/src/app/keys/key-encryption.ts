import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 'v1';

/**
 * AES-256-GCM envelope for private keys at rest. The key id is bound as additional
 * authenticated data, so a ciphertext copied onto another row fails to decrypt.
 */
export class KeyEncryption {
  constructor(private readonly kek: Buffer) {
    if (kek.length !== 32) throw new Error('key encryption key must be 32 bytes');
  }

  /** Encrypts `plaintext` for the row of `kid`; returns `v1.<iv>.<tag>.<ciphertext>` (base64url parts). */
  encrypt(plaintext: Buffer, kid: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.kek, iv);
    cipher.setAAD(Buffer.from(kid, 'utf8'));
    const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return [VERSION, iv, cipher.getAuthTag(), ct].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
  }

  /** Decrypts a value made by {@link encrypt}; throws if the KEK, kid or data do not match. */
  decrypt(sealed: string, kid: string): Buffer {
    const [version, iv, tag, ct] = sealed.split('.');
    if (version !== VERSION || !iv || !tag || !ct) throw new Error('unrecognised key envelope');
    const decipher = createDecipheriv('aes-256-gcm', this.kek, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(kid, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]);
  }
}
