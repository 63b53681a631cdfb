import type { PublicJwk } from '@gatehouse/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, createPrivateKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { DataSource } from 'typeorm';
import { KeyEncryption } from './key-encryption';
import { isExpired, publishedAt, signerAt, type KeyWindow } from './rotation-schedule';
import { SigningKeyEntity } from './signing-key.entity';

const generateRsa = promisify(generateKeyPair);

/** The key that signs new tokens now. */
export interface ActiveSigningKey {
  kid: string;
  privateKey: KeyObject;
}

/** DI token of the {@link KeyEncryption} built from the key encryption key. */
export const KEY_ENCRYPTION = Symbol('KEY_ENCRYPTION');

interface LoadedKey extends KeyWindow {
  jwk: PublicJwk;
  /** Decrypted only while the key may still sign; null once retired. */
  privateKey: KeyObject | null;
}

/**
 * In-memory view of `signing_keys` (private parts decrypted). It holds a timed snapshot: which
 * key signs and which keys are published is decided at call time from the stored timestamps, so
 * every replica switches to a pre-published key at its `activateAt` without waiting for a reload.
 * Rows are created and changed only by KeyRotationService, which calls {@link reload}.
 */
@Injectable()
export class KeyStoreService {
  private keys: LoadedKey[] = [];

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(KEY_ENCRYPTION) private readonly sealer: KeyEncryption,
  ) {}

  /**
   * The key to sign with now.
   *
   * @throws Error if no key may sign (the store was never loaded)
   */
  signingKey(): ActiveSigningKey {
    const key = signerAt(this.keys, new Date());
    if (!key?.privateKey) throw new Error('no active signing key');
    return { kid: key.kid, privateKey: key.privateKey };
  }

  /** Public keys for the JWKS: every key published and not yet expired, newest first. */
  publicKeys(): readonly PublicJwk[] {
    return publishedAt(this.keys, new Date()).map((k) => k.jwk);
  }

  /**
   * Re-reads keys from the database (cheap: a handful of rows).
   *
   * @throws Error if a private key cannot be decrypted (wrong KEY_ENCRYPTION_KEY)
   */
  async reload(): Promise<void> {
    const rows = await this.ds.getRepository(SigningKeyEntity).find();
    const now = new Date();
    const previous = new Map(this.keys.map((k) => [k.kid, k.privateKey]));
    this.keys = rows
      .filter((row) => !isExpired(row, now))
      .map((row) => {
        const canSign = row.retireAt === null || row.retireAt > now;
        const privateKey = canSign ? (previous.get(row.kid) ?? this.unseal(row)) : null;
        const { kid, publishAt, activateAt, retireAt, expireAt } = row;
        return { kid, publishAt, activateAt, retireAt, expireAt, jwk: row.publicJwk, privateKey };
      });
  }

  private unseal(row: SigningKeyEntity): KeyObject {
    const der = this.sealer.decrypt(row.privateKeyEnc, row.kid);
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  }
}

/**
 * Generates an RSA-2048 key pair and returns it as a row (private part sealed).
 * The kid is the RFC 7638 JWK thumbprint, so it is derived from the key and never collides.
 */
export async function newSigningKey(sealer: KeyEncryption, publishAt: Date, activateAt: Date): Promise<SigningKeyEntity> {
  const { publicKey, privateKey } = await generateRsa('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' }) as { n: string; e: string };
  const thumbprint = createHash('sha256').update(JSON.stringify({ e: jwk.e, kty: 'RSA', n: jwk.n })).digest('base64url');
  const row = new SigningKeyEntity();
  row.kid = thumbprint;
  row.publicJwk = { kty: 'RSA', n: jwk.n, e: jwk.e, kid: thumbprint, alg: 'RS256', use: 'sig' };
  row.privateKeyEnc = sealer.encrypt(privateKey.export({ format: 'der', type: 'pkcs8' }), thumbprint);
  row.publishAt = publishAt;
  row.activateAt = activateAt;
  row.retireAt = null;
  row.expireAt = null;
  return row;
}
